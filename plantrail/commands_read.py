"""The read commands people run most (plans, show, people, summary): kept light, so they start
in a blink. They go through ``readers``, which reads the read models over a plain database
connection when the projector is up to date; nothing here imports the event store, SQLAlchemy,
reports, mail or the scheduler (tests/e2e/test_startup.py holds this)."""

from __future__ import annotations

from datetime import date

import click

from plantrail import plain_output as output
from plantrail.cli_support import as_at_option, format_option, known_at, known_at_option, readers
from projections.summary import summary as plan_summary


def register(cli: click.Group) -> None:
    cli.add_command(plans)
    cli.add_command(show)
    cli.add_command(people)
    cli.add_command(summary)


@click.command()
@format_option
@click.pass_context
def plans(ctx: click.Context, fmt: str) -> None:
    """List the plans."""
    found = readers(ctx).queries.plans()
    output.emit_json(found) if fmt == "json" else output.echo_lines(output.plans_lines(found))


@click.command()
@click.argument("action")
@as_at_option
@known_at_option
@format_option
@click.pass_context
def show(ctx: click.Context, action: str, as_at: date | None, known_at_text: str | None, fmt: str) -> None:
    """Show one action: ACTION is its code, or PLAN/CODE when the code is in several plans."""
    s = readers(ctx)
    target = s.resolve(action)
    found = s.show(target, as_at=as_at, known_at=known_at(known_at_text, s.plan_timezone(target.plan_code)))
    output.emit_json(found) if fmt == "json" else output.action_detail(found)


@click.command()
@format_option
@click.pass_context
def people(ctx: click.Context, fmt: str) -> None:
    """List registered people."""
    found = readers(ctx).queries.people()
    output.emit_json(found) if fmt == "json" else output.echo_lines(output.people_lines(found))


@click.command()
@click.argument("plan")
@as_at_option
@known_at_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def summary(ctx: click.Context, plan: str, as_at: date | None, known_at_text: str | None, fmt: str) -> None:
    """The high-level summary: per strategic priority, how many actions are alert, warning, ok, complete."""
    s = readers(ctx)
    plan_row = s.queries.resolve_plan(plan)
    data = plan_summary(
        s.queries, plan_row["code"], as_at=as_at or s.today(plan_row["code"]), known_at=known_at(known_at_text, plan_row["timezone"])
    )
    output.emit_json(data) if fmt == "json" else output.echo_lines(output.summary_lines(plan_row, data))
