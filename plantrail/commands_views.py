"""CLI views across plans: ``actions`` for one plan or all, filtered by owner, status and date."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from plantrail import listings
from plantrail.cli_support import DATE, as_at_option, known_at, known_at_option, services
from plantrail.errors import clipped
from plantrail.plain_output import json_text
from plantrail.settings import default_actor
from projections.csv_out import csv_text
from projections.queries import STATUS_NAMES

# Files (rich's console for the message), workbooks and CSV columns (projections.report: jinja2,
# openpyxl) load in the branches that write them, not for the table or JSON.


def register(cli: click.Group) -> None:
    cli.add_command(actions)
    cli.add_command(calendar)


@click.command()
@click.argument("person")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The .ics file to write.")
@click.pass_context
def calendar(ctx: click.Context, person: str, out_path: Path) -> None:
    """Write PERSON's open actions as a calendar (.ics): each on its due date, with a reminder a week before."""
    from plantrail import output

    name, ics = services(ctx).calendar(person)
    output.write_file(_checked_out(out_path), ics)
    output.stderr.print(f"Wrote {out_path}: {ics.count(b'BEGIN:VEVENT')} open action(s) owned by {name}.")


@click.command()
@click.argument("plan", required=False)
@click.option("--owner", metavar="NAME", help="Only actions this person owns (any case).")
@click.option("--mine", is_flag=True, help="Only actions owned by $PLANTRAIL_USER.")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice(sorted(STATUS_NAMES), case_sensitive=False),
    help="Only actions with this status; repeat for several.",
)
@click.option("--due-before", type=DATE, help="Only actions due before this day (e.g. today, -7d, 2015-04-30).")
@click.option("--priority", "priority_number", type=int, metavar="N", help="Only actions under strategic priority N.")
@as_at_option
@known_at_option
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "xlsx"]), default="table", show_default=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), help="File to write (needed for xlsx).")
@click.pass_context
def actions(
    ctx: click.Context,
    plan: str | None,
    owner: str | None,
    mine: bool,
    statuses: tuple[str, ...],
    due_before: date | None,
    priority_number: int | None,
    as_at: date | None,
    known_at_text: str | None,
    fmt: str,
    out_path: Path | None,
) -> None:
    """Actions with their status as at today or any date: one plan's, or every plan's.

    With --owner or --mine, a person's actions wherever they are; --status alert --due-before today
    lists everything overdue."""
    if owner and mine:
        raise click.BadParameter("give --owner or --mine, not both", param_hint="--mine")
    if fmt == "xlsx" and out_path is None:
        raise click.BadParameter("--format xlsx writes a file: add --out FILE.xlsx", param_hint="--out")
    s = services(ctx)
    plan_row = s.queries.resolve_plan(plan) if plan else None
    timezone = plan_row["timezone"] if plan_row else "Europe/London"
    day = as_at or s.app.today(plan_row["code"] if plan_row else None)
    moment = known_at(known_at_text, timezone)
    who = s.person_name(owner) if owner else s.person_name(default_actor(), field="--mine ($PLANTRAIL_USER)") if mine else None
    found = s.queries.find_actions(
        as_at=day,
        known_at=moment,
        plan_code=plan_row["code"] if plan_row else None,
        owner=who,
        statuses=statuses,
        due_before=due_before,
        priority_number=priority_number,
        with_children=fmt != "table",
    )
    if fmt == "xlsx":
        from plantrail import output
        from projections.report import render_actions_xlsx

        heading = (
            f"{plan_row['code'] + ' ' + plan_row['title'] if plan_row else 'All plans'}: {len(found)} action(s) as at {day.isoformat()}"
        )
        output.write_file(_checked_out(out_path), render_actions_xlsx(found, heading=heading))
        output.stderr.print(f"Wrote {out_path} ({len(found)} action(s) as at {day.isoformat()}).")
        return
    if fmt == "json":
        text = json_text(found)
    elif fmt == "csv":
        from projections.report import ACTION_COLUMNS, flat_action

        text = csv_text([flat_action(a) for a in found], ACTION_COLUMNS)
    else:
        listings.show(listings.actions_lines(_plans_of(s, found, plan_row), found, day.isoformat(), moment), pager=False)
        return
    if out_path is not None:
        from plantrail import output

        output.write_file(_checked_out(out_path), text)
    else:
        click.echo(text, nl=False)


def _checked_out(path: Path | None) -> Path:
    assert path is not None
    if not path.parent.is_dir():
        raise click.BadParameter(f"folder {clipped(str(path.parent))} does not exist", param_hint="--out")
    return path


def _plans_of(s: Any, found: list[dict[str, Any]], plan_row: dict[str, Any] | None) -> list[dict[str, Any]]:
    if plan_row is not None:
        return [plan_row]
    wanted = {a["plan"] for a in found}
    return [p for p in s.queries.plans() if p["code"] in wanted]
