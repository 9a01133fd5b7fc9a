"""CLI commands that change actions (update, note, complete, cancel, hold, reopen, redate,
reassign) and ``rebuild``: each opens the store in full (``services``)."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from domain.commands import ActionCommand, AddNote, ChangeLifecycle, ChangeOwners, ReviseDueDate, UpdateProgress
from domain.errors import ActionNotFoundError
from plantrail import output
from plantrail.cli_support import DATE, by_option, format_option, on_option, services, verbose_option
from plantrail.settings import default_actor


def register(cli: click.Group) -> None:
    for command in (rebuild, update, note, complete, cancel, hold, reopen, redate, reassign):
        cli.add_command(command)


# ----- rebuild -----------------------------------------------------------------


@click.command()
@click.option(
    "--accept-mismatch",
    is_flag=True,
    help="Project events that no longer match their chain links anyway; the decision is recorded as an event naming them.",
)
@click.option("--reason", metavar="TEXT", help="Why, recorded with --accept-mismatch.")
@by_option
@click.pass_context
def rebuild(ctx: click.Context, accept_mismatch: bool, reason: str | None, actor: str | None) -> None:
    """Rebuild every read model from the stored events into fresh tables, then swap them in.

    If an event cannot be projected, or no longer matches its chain link, the rebuild stops,
    names it, and leaves the read models as they were."""
    from plantrail import integrity

    s = services(ctx)
    with output.progress_bar("Rebuilding read models") as update:
        accepted = integrity.rebuild(s, accept_mismatch=accept_mismatch, actor=actor or default_actor(), reason=reason, on_progress=update)
    for position, problem in accepted:
        output.stderr.print(f"Accepted: event {position}: {problem}.")
    output.stderr.print(f"Rebuilt read models up to event {s.projector.position()}.")


# ----- writing ------------------------------------------------------------------------------


def _record(ctx: click.Context, ref: str, command: ActionCommand, actor: str | None, fmt: str) -> None:
    """Every write: the services seam changes the action and reads it back; we only print a
    line saying what changed and the new status (``--verbose``: the whole action; ``--format
    json``: the action as JSON), after what became of a claim where the plan has sign-off."""
    from projections.confirmation import confirmation

    s = services(ctx)
    who = actor or default_actor()
    if fmt == "json" or ctx.params.get("verbose"):
        shown = s.record(ref, command, actor=who)
        output.emit_json(shown) if fmt == "json" else output.recorded(shown)
        return
    # Before and after as at the day the change is true, so a backdated figure shows its effect.
    day: date | None = getattr(command, "effective_on", None)
    try:
        before = s.show(ref, as_at=day)
    except ActionNotFoundError:  # dated before the action existed: the rule will say so
        day, before = None, s.show(ref)
    shown = s.record(ref, command, actor=who)
    if shown["recorded_as"] != "recorded":
        output.claim_outcome(shown)
    else:
        click.echo(confirmation(before, s.show(ref, as_at=day)))


WAITS = " Where the plan requires sign-off, this is submitted and waits for approval (see `pending`)."


@click.command()
@click.argument("action")
@click.option("--progress", type=click.IntRange(0, 100), required=True, help="Progress in whole percent, 0–100.")
@click.option("--note", metavar="TEXT", help="A note to record with the figure.")
@by_option
@on_option
@format_option
@verbose_option
@click.pass_context
def update(
    ctx: click.Context, action: str, progress: int, note: str | None, actor: str | None, effective_on: date | None, fmt: str, verbose: bool
) -> None:
    """Record a progress figure (and optionally a note) on an action.

    Under sign-off `changes` every figure is submitted (and under `completion` a figure of 100);
    the note is recorded at once."""
    _record(ctx, action, UpdateProgress(progress, note, effective_on), actor, fmt)


@click.command()
@click.argument("action")
@click.argument("text")
@by_option
@on_option
@format_option
@verbose_option
@click.pass_context
def note(ctx: click.Context, action: str, text: str, actor: str | None, effective_on: date | None, fmt: str, verbose: bool) -> None:
    """Add a dated note to an action."""
    _record(ctx, action, AddNote(text, effective_on), actor, fmt)


def _lifecycle_command(transition: str, summary: str, reason_required: bool) -> click.Command:
    def command(
        ctx: click.Context,
        action: str,
        reason: str | None,
        actor: str | None,
        effective_on: date | None,
        fmt: str,
        verbose: bool,
        evidence: str | None = None,
    ) -> None:
        _record(ctx, action, ChangeLifecycle(transition, reason, effective_on, evidence), actor, fmt)

    decorated: Any = click.pass_context(command)
    if transition == "complete":  # only a completion carries evidence
        decorated = click.option("--evidence", metavar="TEXT", help="What shows it is done. Required; kept as the action's evidence.")(
            decorated
        )
    for decorator in (
        verbose_option,
        format_option,
        on_option,
        by_option,
        click.option("--reason", metavar="TEXT", required=reason_required, help="Why." + (" Required." if reason_required else "")),
        click.argument("action"),
        click.command(transition, help=summary),
    ):
        decorated = decorator(decorated)
    return decorated


complete = _lifecycle_command("complete", "Mark an action complete (sets progress to 100%)." + WAITS, False)
cancel = _lifecycle_command("cancel", "Cancel an action (a reason is required).", True)
hold = _lifecycle_command("hold", "Put an action on hold.", False)


@click.command()
@click.argument("action")
@click.option("--progress", type=click.IntRange(0, 99), help="How far it really is (below 100); needed when it stands at 100%.")
@click.option("--reason", metavar="TEXT", help="Why.")
@by_option
@on_option
@format_option
@verbose_option
@click.pass_context
def reopen(
    ctx: click.Context,
    action: str,
    progress: int | None,
    reason: str | None,
    actor: str | None,
    effective_on: date | None,
    fmt: str,
    verbose: bool,
) -> None:
    """Reopen a completed, cancelled or held action, with its real progress."""
    _record(ctx, action, ChangeLifecycle("reopen", reason, effective_on, progress=progress), actor, fmt)


@click.command(help="Revise an action's due date (the original stays visible)." + WAITS)
@click.argument("action")
@click.option("--due", type=DATE, required=True, help="The new due date.")
@click.option("--reason", metavar="TEXT", required=True, help="Why the date moves. Required: slips are reported.")
@by_option
@on_option
@format_option
@verbose_option
@click.pass_context
def redate(
    ctx: click.Context, action: str, due: date, reason: str, actor: str | None, effective_on: date | None, fmt: str, verbose: bool
) -> None:
    """Revise an action's due date (the original stays visible)."""
    _record(ctx, action, ReviseDueDate(due, reason, effective_on), actor, fmt)


@click.command()
@click.argument("action")
@click.option("--owner", "owners", multiple=True, required=True, metavar="NAME", help="A new owner; repeat for several.")
@click.option("--reason", metavar="TEXT", required=True, help="Why ownership changes.")
@by_option
@on_option
@format_option
@verbose_option
@click.pass_context
def reassign(
    ctx: click.Context,
    action: str,
    owners: tuple[str, ...],
    reason: str,
    actor: str | None,
    effective_on: date | None,
    fmt: str,
    verbose: bool,
) -> None:
    """Change who owns an action. Owners must be registered people."""
    _record(ctx, action, ChangeOwners(owners, reason, effective_on), actor, fmt)
