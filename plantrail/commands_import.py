"""CLI commands that bring files in: plan files, CSV and XLSX action lists, folders of them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from plantrail import output
from plantrail.cli_support import by_option, format_option, on_option, services
from plantrail.errors import clipped
from plantrail.imports import SheetTarget, files_to_import, import_files
from plantrail.settings import default_actor
from plantrail.update_sheet import export_update_sheet, import_update_sheet
from projections.queries import STATUS_NAMES


def register(cli: click.Group) -> None:
    cli.add_command(import_command)
    cli.add_command(export_updates)
    cli.add_command(import_updates)


@click.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--plan", "plan_code", metavar="CODE", help="For an action list (CSV, XLSX): the plan it belongs to.")
@click.option("--create-plan", is_flag=True, help="For an action list: make the plan named by --plan if it does not exist yet.")
@click.option("--plan-title", metavar="TITLE", help="For an action list: the new plan's title (with --create-plan).")
@click.option("--register-owners", is_flag=True, help="For an action list: register owners not yet known as people.")
@by_option
@on_option
@format_option
@click.pass_context
def import_command(
    ctx: click.Context,
    path: Path,
    plan_code: str | None,
    create_plan: bool,
    plan_title: str | None,
    register_owners: bool,
    actor: str | None,
    effective_on: date | None,
    fmt: str,
) -> None:
    """Import a plan file (JSON), an action list (CSV or XLSX), or a folder of them.

    The import is atomic (a bad file writes nothing, and every problem in it is listed) and
    idempotent (importing the same file again adds nothing; a changed file adds only what is
    new, as events). An action list's figures and notes are dated at --on (its export date)."""
    files, skipped = files_to_import(path)
    target = SheetTarget(plan_code, plan_title, create_plan, register_owners, effective_on)
    s = services(ctx)
    with output.progress_bar("Updating read models") as update:
        outcome = import_files(s, files, target, actor=actor or default_actor(), notices=skipped, on_progress=update)
    if fmt == "json":
        output.emit_json(outcome.as_dict())
        return
    for notice in outcome.notices:
        click.echo(notice, err=True)
    summary = outcome.summary
    output.stdout.print(
        f"Imported {len(files)} file(s): {summary['plans_created']} plan(s), {summary['actions_created']} action(s), "
        f"{summary['people_registered']} person(s) new; {summary['events_recorded']} event(s) recorded."
    )


@click.command("export-updates")
@click.argument("plan", required=False)
@click.option("--owner", metavar="NAME", help="Only actions this person owns.")
@click.option(
    "--status", "statuses", multiple=True, type=click.Choice(sorted(STATUS_NAMES), case_sensitive=False), help="Only these statuses."
)
@click.option("--include-complete", is_flag=True, help="Also list complete and cancelled actions (left out by default).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The .xlsx file to write.")
@click.pass_context
def export_updates(
    ctx: click.Context, plan: str | None, owner: str | None, statuses: tuple[str, ...], include_complete: bool, out_path: Path
) -> None:
    """Write an update sheet for owners to fill in: progress, a note and their name per action."""
    if not out_path.parent.is_dir():
        raise click.BadParameter(f"folder {clipped(str(out_path.parent))} does not exist", param_hint="--out")
    s = services(ctx)
    plan_row = s.queries.resolve_plan(plan) if plan else None
    day = s.app.today(plan_row["code"] if plan_row else None)
    open_only = () if statuses or include_complete else ("alert", "warning", "ok")
    found = s.queries.find_actions(
        as_at=day,
        plan_code=plan_row["code"] if plan_row else None,
        owner=s.person_name(owner) if owner else None,
        statuses=statuses or open_only,
    )
    heading = f"Update sheet made {day.isoformat()}: {plan_row['code'] + ' ' + plan_row['title'] if plan_row else 'all plans'}"
    output.write_file(out_path, export_update_sheet(s, found, heading=heading))
    output.stderr.print(f"Wrote {out_path}: {len(found)} action(s) to update. Owners fill 'New progress %', 'New note', 'Updated by'.")


@click.command("import-updates")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@on_option
@format_option
@click.pass_context
def import_updates(ctx: click.Context, path: Path, effective_on: date | None, fmt: str) -> None:
    """Record a filled-in update sheet: each row as events by the person in its 'Updated by'.

    Bad values anywhere refuse the whole sheet (every problem listed, nothing written). A row
    whose action someone else changed since the sheet was made is refused; the rest are
    recorded. Exit 1 when any row was refused."""
    outcome = import_update_sheet(services(ctx), path, effective_on=effective_on)
    if fmt == "json":
        output.emit_json(outcome.as_dict())
    else:
        for r in outcome.recorded:
            output.stdout.print(f"row {r['row']}: {r['plan']}/{r['code']} recorded for {r['by']}: {r['progress']}%, {r['status']}.")
        for r in outcome.refused:
            click.echo(f"row {r['row']}: {r['plan']}/{r['code']} refused: {r['reason']}", err=True)
        output.stdout.print(
            f"{len(outcome.recorded)} row(s) recorded, {len(outcome.refused)} refused, "
            f"{len(outcome.already_recorded)} already recorded, {outcome.blank_rows} left blank."
        )
    if outcome.refused:
        ctx.exit(1)
