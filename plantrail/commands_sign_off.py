"""CLI commands for sign-off: what waits, approving and rejecting claims, a plan's setting.

`complete`, `redate` and `update` submit claims by themselves where the plan requires it
(``PlanTrail.handle`` decides); these commands are the other half of the workflow.
"""

from __future__ import annotations

import click

from domain.sign_off import CLAIM_KINDS, NOTIFY_REJECTION_CHOICES, SIGN_OFF_MODES
from plantrail import output
from plantrail.cli_support import by_option, format_option, services
from plantrail.settings import default_actor

kind_option = click.option(
    "--kind",
    type=click.Choice(CLAIM_KINDS),
    default=None,
    help="Which pending claim, when the action has more than one.",
)
claim_option = click.option(
    "--claim",
    type=int,
    default=None,
    metavar="VERSION",
    help="The claim's version as listed by `pending`: refuses if a newer claim has replaced it.",
)


def register(cli: click.Group) -> None:
    cli.add_command(pending)
    cli.add_command(approve)
    cli.add_command(reject)
    cli.add_command(sign_off)


@click.command()
@click.argument("plan", required=False)
@click.option("--for", "for_person", metavar="PERSON", help="Only the claims this person may decide.")
@format_option
@click.pass_context
def pending(ctx: click.Context, plan: str | None, for_person: str | None, fmt: str) -> None:
    """Claims awaiting sign-off (in PLAN, or everywhere), oldest first: who waits on what, since when."""
    s = services(ctx)
    found = s.pending(plan, for_person=for_person)
    # Who decides each, by name (the people the sweep asks), as the action page says it.
    claims = [claim | {"deciders": words} for claim, words in zip(found, s.deciders_of(found), strict=True)]
    if fmt == "json":
        output.emit_json(claims)
    else:
        output.pending_table(claims, f"Awaiting sign-off{' by ' + for_person if for_person else ''}")


@click.command()
@click.argument("action")
@click.option("--comment", metavar="TEXT", help="A comment on the decision.")
@kind_option
@claim_option
@by_option
@format_option
@click.pass_context
def approve(ctx: click.Context, action: str, comment: str | None, kind: str | None, claim: int | None, actor: str | None, fmt: str) -> None:
    """Accept the claim awaiting sign-off on ACTION: the change takes effect on the claimant's date.

    The claimant's manager, a clerk of the plan or an admin may decide; never the claimant."""
    shown = services(ctx).approve(action, actor=actor or default_actor(), comment=comment, kind=kind, claim=claim)
    output.emit_json(shown) if fmt == "json" else output.recorded(shown)


@click.command()
@click.argument("action")
@click.option("--reason", metavar="TEXT", required=True, help="Why the claim is refused. Required: the claimant is told it.")
@kind_option
@claim_option
@by_option
@format_option
@click.pass_context
def reject(ctx: click.Context, action: str, reason: str, kind: str | None, claim: int | None, actor: str | None, fmt: str) -> None:
    """Refuse the claim awaiting sign-off on ACTION; the action stays as last approved."""
    shown = services(ctx).reject(action, actor=actor or default_actor(), reason=reason, kind=kind, claim=claim)
    output.emit_json(shown) if fmt == "json" else output.recorded(shown)


@click.command("sign-off")
@click.argument("plan")
@click.option("--mode", "sign_off", type=click.Choice(SIGN_OFF_MODES), help="Which changes wait for sign-off.")
@click.option("--days", "sign_off_days", type=click.IntRange(1, 365), help="Escalate a claim waiting longer than this.")
@click.option(
    "--notify-rejection",
    type=click.Choice(NOTIFY_REJECTION_CHOICES),
    help="Tell the claimant of a rejection at once or in the next digest.",
)
@click.option("--reason", metavar="TEXT", help="Why the setting changes.")
@by_option
@format_option
@click.pass_context
def sign_off(
    ctx: click.Context,
    plan: str,
    sign_off: str | None,
    sign_off_days: int | None,
    notify_rejection: str | None,
    reason: str | None,
    actor: str | None,
    fmt: str,
) -> None:
    """Show a plan's sign-off setting, or change it (as a Plan event).

    none: nothing waits; completion (the default): completing, a progress figure of 100 and a
    new due date wait for the owner's manager or a clerk; changes: every progress figure too."""
    s = services(ctx)
    chosen = {"sign_off": sign_off, "sign_off_days": sign_off_days, "notify_rejection": notify_rejection}
    changes = {k: v for k, v in chosen.items() if v is not None}
    if changes:
        settings = s.configure_sign_off(plan, changes, actor=actor or default_actor(), reason=reason)
    else:
        settings = s.sign_off_settings(plan)
    output.emit_json(settings) if fmt == "json" else output.sign_off_settings(settings)
