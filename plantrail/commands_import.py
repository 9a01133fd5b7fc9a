"""CLI commands that bring files in: plan files, CSV and XLSX action lists, folders of them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from plantrail import output
from plantrail.cli_support import by_option, format_option, on_option, services
from plantrail.imports import SheetTarget, files_to_import, import_files
from plantrail.settings import default_actor


def register(cli: click.Group) -> None:
    cli.add_command(import_command)


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
