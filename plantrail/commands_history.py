"""CLI commands for clerks, committees and auditors: history, changes, report (summary is a
light read command, in commands_read)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import click

from domain.errors import DomainError
from plantrail import listings
from plantrail.cli_support import DATE, as_at_option, known_at, known_at_option, services
from plantrail.files import refuse_existing
from plantrail.plain_output import json_text
from projections.audit import history as audit_history
from projections.audit import history_count, history_csv
from projections.csv_out import csv_text, plain

# The report's renderers (jinja2, openpyxl: about 0.23 s to import), the integrity check and
# rich (plantrail.output) load inside ``report`` and ``changes --format csv``, not for every
# history listing.


def register(cli: click.Group) -> None:
    cli.add_command(history)
    cli.add_command(changes)
    cli.add_command(report)


def paging_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--limit``, ``--offset`` and ``--pager/--no-pager``, shared by the long listings."""
    for option in reversed(
        [
            click.option("--limit", type=click.IntRange(min=0), metavar="N", help="Show at most N rows (every format)."),
            click.option("--offset", type=click.IntRange(min=0), default=0, metavar="N", help="Skip the first N rows (every format)."),
            click.option(
                "--pager/--no-pager",
                default=True,
                help="On a terminal, show the listing through $PAGER (default less), as git log does; never when piped.",
            ),
        ]
    ):
        command = option(command)
    return command


def _changes_rows(actions: list[dict]) -> list[dict]:
    """Each move as "from → to" in plain words."""
    from projections.report import awaiting_phrase

    rows = []
    for a in actions:
        row = {**a, "priority_area": (a["priority_area"] or {}).get("name")}
        for key in ("status", "progress", "lifecycle", "owners"):
            if key in a:
                row[key] = f"{plain(a[key][0]) or 'new'} → {plain(a[key][1])}"
        row["due_date_revisions"] = "; ".join(
            f"{r['on']}: {r['from']} → {r['to']} ({r['reason']})" for r in a.get("due_date_revisions", [])
        )
        row["new_notes"] = "; ".join(f"{n['effective_on']}: {n['text']}" for n in a.get("new_notes", []))
        row["awaiting_sign_off"] = "; ".join(awaiting_phrase(c) for c in a.get("awaiting_sign_off", []))
        rows.append(row)
    return rows


@click.command()
@click.argument("subject", required=False, metavar="[ACTION|PLAN]")
@click.option("--since", type=DATE, help="Only events on or after this date (on the chosen axis).")
@click.option("--until", type=DATE, help="Only events on or before this date (on the chosen axis).")
@click.option("--actor", metavar="NAME", help="Only events recorded by this person.")
@click.option("--type", "event_type", metavar="EVENT", help="Only this kind of event, e.g. ProgressUpdated, DueDateRevised.")
@click.option(
    "--axis",
    type=click.Choice(["effective", "recorded"]),
    default="effective",
    show_default=True,
    help="Which date --since/--until and the ordering use: when it was true, or when it was recorded.",
)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@paging_options
@click.pass_context
def history(
    ctx: click.Context,
    subject: str | None,
    since: date | None,
    until: date | None,
    actor: str | None,
    event_type: str | None,
    axis: str,
    fmt: str,
    limit: int | None,
    offset: int,
    pager: bool,
) -> None:
    """Every recorded event, oldest first: who changed what, when it was true, when it was recorded, why.

    ACTION is its code or PLAN/CODE; PLAN is a plan code; with neither, the whole store.
    --limit and --offset page through it (oldest first), as do the JSON and CSV formats."""
    s = services(ctx)
    filters: dict[str, Any] = {"since": since, "until": until, "actor": actor, "event_type": event_type, "axis": axis}
    if subject is not None:
        filters |= _subject_filters(s, subject)
    entries = audit_history(s.engine, limit=limit, offset=offset, **filters)
    if fmt == "json":
        listings.show(json_text(entries), pager=pager)
    elif fmt == "csv":
        listings.show(history_csv(entries), pager=pager)
    else:
        paged = limit is not None or offset > 0
        total = history_count(s.engine, **filters) if paged else len(entries)
        listings.show(listings.history_lines(entries, axis, offset=offset, total=total), pager=pager)


def _subject_filters(s, subject: str) -> dict[str, str]:
    try:
        plan_code, code = s.queries.resolve_action(subject)
    except DomainError:
        plan = s.queries.resolve_plan(subject)  # raises "not found" naming the plan if neither
        return {"plan_code": plan["code"]}
    # By code rather than stream id: reminders raised about the action are in the trail too.
    return {"plan_code": plan_code, "action_code": code}


@click.command()
@click.argument("plan")
@click.option("--from", "from_date", type=DATE, required=True, help="The earlier date, e.g. the last committee.")
@click.option("--to", "to_date", type=DATE, required=True, help="The later date, e.g. this committee.")
@known_at_option
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@paging_options
@click.pass_context
def changes(
    ctx: click.Context,
    plan: str,
    from_date: date,
    to_date: date,
    known_at_text: str | None,
    fmt: str,
    limit: int | None,
    offset: int,
    pager: bool,
) -> None:
    """What changed between two dates: status moves, progress, notes, slipped dates, owners, completions.

    --limit and --offset page through the changed actions as listed, in every format."""
    if to_date < from_date:
        raise click.BadParameter("--to must not be before --from", param_hint="--to")
    from projections.summary import changes as plan_changes

    s = services(ctx)
    plan_row = s.queries.resolve_plan(plan)
    data = plan_changes(
        s.queries, s.engine, plan_row["code"], from_date=from_date, to_date=to_date, known_at=known_at(known_at_text, plan_row["timezone"])
    )
    # Which actions changed is known only once both dates' states are compared, so the page is
    # cut from the compared list; the counts by priority stay whole.
    total = len(data["actions"])
    data["actions"] = data["actions"][offset : None if limit is None else offset + limit]
    if fmt == "json":
        listings.show(json_text(data), pager=pager)
    elif fmt == "csv":
        columns = [
            "code",
            "title",
            "priority_area",
            "new_action",
            "status",
            "progress",
            "progress_delta",
            "lifecycle",
            "owners",
            "due_date_revisions",
            "slips_since_original",
            "original_due_date",
            "completed",
            "cancelled",
            "new_notes",
            "awaiting_sign_off",
        ]
        listings.show(csv_text(_changes_rows(data["actions"]), columns), pager=pager)
    else:
        listings.show(listings.changes_lines(plan_row, data, offset=offset, total=total), pager=pager)


@click.command()
@click.argument("plan")
@as_at_option
@known_at_option
@click.option("--since", type=DATE, help="Add a 'changed since' section per priority (e.g. the last committee date).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True, help="File to write.")
@click.option("--force", is_flag=True, help="Replace the --out file if it exists.")
@click.option("--format", "fmt", type=click.Choice(["html", "json", "csv", "xlsx"]), default="html", show_default=True)
@click.pass_context
def report(
    ctx: click.Context,
    plan: str,
    as_at: date | None,
    known_at_text: str | None,
    since: date | None,
    out_path: Path,
    force: bool,
    fmt: str,
) -> None:
    """Write the committee report: the plan as at a date, printable HTML, a workbook (xlsx), or its data as JSON/CSV."""
    from plantrail import integrity, output
    from projections.report import render_csv, render_html, render_xlsx, report_data

    refuse_existing(out_path, force)  # before the work, not after it
    s = services(ctx)
    plan_row = s.queries.resolve_plan(plan)
    day = as_at or s.app.today(plan_row["code"])
    if since and since > day:
        raise click.BadParameter("--since must not be after --as-at", param_hint="--since")
    integrity.require_read_models_match(s, plan_row["code"])  # the seal printed must vouch for true figures
    data = report_data(
        s.queries, s.engine, plan_row["code"], as_at=day, known_at=known_at(known_at_text, plan_row["timezone"]), since=since
    )
    renderers: dict[str, Callable[[dict[str, Any]], str | bytes]] = {
        "html": render_html,
        "csv": render_csv,
        "xlsx": render_xlsx,
        "json": lambda d: json.dumps(d, indent=2, ensure_ascii=False) + "\n",
    }
    content = renderers[fmt](data)
    output.write_file(out_path, content, force=force)
    output.stderr.print(f"Wrote {out_path} ({plan_row['code']} as at {day.isoformat()}).")
