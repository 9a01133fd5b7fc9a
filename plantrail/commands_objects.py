"""CLI commands that make plans, priorities, committee dates, actions and people without a file.

Each parses its options, calls one use case on the services seam (the web calls the same) and
prints a one-line confirmation, or with ``--format json`` what was made as the read models show it.
Bad input exits 2 before anything is saved.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from plantrail import output
from plantrail.cli_support import DATE, by_option, format_option, on_option, services, verbose_option
from plantrail.settings import default_actor
from projections.confirmation import confirmation

PRIORITY = click.Choice(["High", "Medium", "Low"], case_sensitive=False)


def register(cli: click.Group) -> None:
    cli.add_command(plan)
    cli.add_command(action)
    cli.add_command(person)


def _done(fmt: str, made: dict[str, Any], line: str) -> None:
    output.emit_json(made) if fmt == "json" else output.stdout.print(line)


# ----- plans ---------------------------------------------------------------------------------


@click.group()
def plan() -> None:
    """Create a plan and give it priorities and committee dates."""


@plan.command("create")
@click.argument("code")
@click.option("--title", required=True, help="The plan's title.")
@click.option("--description", default=None, help="What the plan is for.")
@click.option("--sponsor", metavar="NAME", help="The plan's sponsor (a registered person): hears of long-overdue actions.")
@click.option("--warning-days", type=click.IntRange(0, 365), help="Days before a due date an action shows Warning (default 14).")
@click.option("--timezone", help="The plan's time zone (default Europe/London).")
@by_option
@format_option
@click.pass_context
def plan_create(
    ctx: click.Context,
    code: str,
    title: str,
    description: str | None,
    sponsor: str | None,
    warning_days: int | None,
    timezone: str | None,
    actor: str | None,
    fmt: str,
) -> None:
    """Create a plan with code CODE."""
    made = services(ctx).create_plan(
        code=code,
        title=title,
        description=description,
        sponsor=sponsor,
        warning_days=warning_days,
        timezone=timezone,
        actor=actor or default_actor(),
    )
    _done(fmt, made, f"Created plan {made['code']}: {made['title']} (warning {made['warning_days']} days, {made['timezone']}).")


@plan.group("priority")
def plan_priority() -> None:
    """A plan's strategic priorities."""


@plan_priority.command("add")
@click.argument("plan_ref", metavar="PLAN")
@click.argument("name")
@click.option("--number", type=click.IntRange(1, None), help="Its number (default: the next one).")
@click.option("--description", default="", help="What the priority covers.")
@by_option
@format_option
@click.pass_context
def priority_add(ctx: click.Context, plan_ref: str, name: str, number: int | None, description: str, actor: str | None, fmt: str) -> None:
    """Add strategic priority NAME to PLAN."""
    made = services(ctx).add_priority(plan_ref, name=name, number=number, description=description, actor=actor or default_actor())
    added = next(p for p in made["priorities"] if p["number"] == number) if number else made["priorities"][-1]
    _done(fmt, made, f"{made['code']}: added priority {added['number']}. {added['name']}.")


@plan.group("committee")
def plan_committee() -> None:
    """A plan's committee calendar."""


@plan_committee.command("add")
@click.argument("plan_ref", metavar="PLAN")
@click.option("--meets-on", type=DATE, required=True, help="The meeting date.")
@click.option("--deadline", type=DATE, help="The report deadline (updates are asked for before it).")
@click.option("--committee", metavar="NAME", help="The committee's name (default: as the plan's last one).")
@by_option
@format_option
@click.pass_context
def committee_add(
    ctx: click.Context, plan_ref: str, meets_on: date, deadline: date | None, committee: str | None, actor: str | None, fmt: str
) -> None:
    """Schedule a committee meeting for PLAN."""
    made = services(ctx).schedule_committee(
        plan_ref, meets_on=meets_on, report_deadline=deadline, committee=committee, actor=actor or default_actor()
    )
    added = next(c for c in made["committees"] if c["meets_on"] == meets_on.isoformat())
    due = f", report deadline {added['report_deadline']}" if added["report_deadline"] else ""
    _done(fmt, made, f"{made['code']}: {added['committee']} meets on {added['meets_on']}{due}.")


# ----- actions -------------------------------------------------------------------------------


@click.group()
def action() -> None:
    """Add an action to a plan."""


@action.command("add")
@click.argument("plan_ref", metavar="PLAN")
@click.argument("code")
@click.option("--title", required=True, help="The action's title.")
@click.option("--owner", "owners", multiple=True, required=True, metavar="NAME", help="An owner (a registered person); repeat for several.")
@click.option("--due", type=DATE, required=True, help="The due date.")
@click.option("--priority", type=PRIORITY, help="High, Medium or Low.")
@click.option("--area", "priority_number", type=int, metavar="N", help="The strategic priority (its number) it serves.")
@click.option("--description", default=None, help="What will be done.")
@by_option
@on_option
@format_option
@verbose_option
@click.pass_context
def action_add(
    ctx: click.Context,
    plan_ref: str,
    code: str,
    title: str,
    owners: tuple[str, ...],
    due: date,
    priority: str | None,
    priority_number: int | None,
    description: str | None,
    actor: str | None,
    effective_on: date | None,
    fmt: str,
    verbose: bool,
) -> None:
    """Add action CODE to PLAN."""
    made = services(ctx).add_action(
        plan_ref,
        code=code,
        title=title,
        owners=list(owners),
        due_date=due,
        priority=priority.capitalize() if priority else None,
        priority_number=priority_number,
        description=description,
        effective_on=effective_on,
        actor=actor or default_actor(),
    )
    if verbose and fmt != "json":
        output.action_detail(made)
    else:
        _done(fmt, made, confirmation(None, made))


# ----- people --------------------------------------------------------------------------------


@click.group()
def person() -> None:
    """Register people and change their details."""


@person.command("add")
@click.argument("name")
@click.option("--email", help="Where reminders go.")
@click.option("--manager", metavar="NAME", help="Their manager (a registered person): hears of their overdue actions.")
@click.option("--initials", help="As they sign notes, e.g. LP.")
@click.option("--role", help="Their job title.")
@by_option
@format_option
@click.pass_context
def person_add(
    ctx: click.Context,
    name: str,
    email: str | None,
    manager: str | None,
    initials: str | None,
    role: str | None,
    actor: str | None,
    fmt: str,
) -> None:
    """Register NAME as a person who can own actions."""
    made = services(ctx).register_person(
        name=name, email=email, manager=manager, initials=initials, role=role, actor=actor or default_actor()
    )
    manager_text = f", manager {made['manager']}" if made["manager"] else ""
    _done(fmt, made, f"Registered {made['name']} <{made['email'] or 'no email: reminders cannot reach them'}>{manager_text}.")


@person.command("edit")
@click.argument("name")
@click.option("--email", help="A new email address ('' clears it).")
@click.option("--manager", metavar="NAME", help="A new manager ('' clears it).")
@click.option("--role", help="A new job title ('' clears it).")
@click.option("--reason", metavar="TEXT", required=True, help="Why the details change. Required: it is kept in the history.")
@by_option
@format_option
@click.pass_context
def person_edit(
    ctx: click.Context,
    name: str,
    email: str | None,
    manager: str | None,
    role: str | None,
    reason: str,
    actor: str | None,
    fmt: str,
) -> None:
    """Change NAME's email, manager or role."""
    changes: dict[str, str | None] = {k: v for k, v in {"email": email, "manager": manager, "role": role}.items() if v is not None}
    if not changes:
        raise click.UsageError("say what changes: --email, --manager or --role")
    made = services(ctx).edit_person(name, changes=changes, reason=reason, actor=actor or default_actor())
    shown = ", ".join(f"{k} {made[k] or '(none)'}" for k in changes)
    _done(fmt, made, f"{made['name']}: {shown}.")
