"""The sign-off commands of an action: submit a claim, pick the pending one, approve, reject.

A mixin of ``Action`` (kept apart so the aggregate's own module stays readable): the events and
their state changes live on ``Action``; here are the public commands, which validate and then
trigger them. The rules about who may decide are in ``domain.sign_off``.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import TYPE_CHECKING, Any, cast

from domain.action_rules import required_reason
from domain.errors import BadInputError
from domain.sign_off import (
    CLAIM_COMPLETION,
    CLAIM_DUE_DATE,
    ClaimDecidedError,
    ClaimReplacedError,
    NoPendingClaimError,
    checked_kind,
    proposed_wording,
)
from domain.text import TEXT_MAX, optional_text

if TYPE_CHECKING:
    from domain.action import Action


class SignOffCommands:
    """Claims on an action and the decisions on them."""

    def submit_change(
        self,
        kind: str,
        *,
        progress: int | None = None,
        due_date: date | None = None,
        evidence: str | None = None,
        reason: str | None = None,
        actor: str,
        effective_on: date,
    ) -> int:
        """Record a claim that waits for sign-off; return its version. A newer claim of the same
        kind replaces the pending one (as an event naming it). The claim must be one the action
        would accept now, so a decider never meets a claim that could not have been made."""
        action = cast("Action", self)
        claim: dict[str, Any] = {
            "kind": checked_kind(kind),
            "progress": progress,
            "due_date": due_date,
            "evidence": optional_text("evidence", evidence, max_length=TEXT_MAX),
            "reason": optional_text("reason", reason, max_length=TEXT_MAX),
            "actor": actor,
            "effective_on": effective_on,
        }
        action._check_claim_applies(claim)
        replaced = action.pending_claims.get(kind)
        action._change_submitted(
            kind=kind,
            progress=progress,
            due_date=due_date,
            evidence=claim["evidence"],
            replaces=replaced["version"] if replaced else None,
            actor=actor,
            effective_on=effective_on,
            reason=claim["reason"],
        )
        return action.version

    def pending_claim(self, kind: str | None = None, *, version: int | None = None) -> dict[str, Any]:
        """The pending claim of ``kind`` (or the only one pending), checked against the
        ``version`` the decider saw, when given."""
        action = cast("Action", self)
        if kind is None:
            if len(action.pending_claims) > 1:
                kinds = ", ".join(sorted(action.pending_claims))
                raise BadInputError(f"kind: {action.plan_code}/{action.code} has several pending claims ({kinds}); say which", field="kind")
            kind = next(iter(action.pending_claims), None)
        claim = action.pending_claims.get(checked_kind(kind)) if kind is not None else None
        if claim is None and version is not None:
            raise ClaimDecidedError(
                f"sign-off: the claim you saw on {action.plan_code}/{action.code} is no longer pending: "
                "it was decided meanwhile; nothing was recorded"
            )
        if claim is None:
            what = f"{kind.replace('_', ' ')} claim" if kind else "claim"
            raise NoPendingClaimError(f"sign-off: {action.plan_code}/{action.code} has no pending {what}")
        if version is not None and version != claim["version"]:
            raise ClaimReplacedError(
                f"sign-off: the claim you saw on {action.plan_code}/{action.code} was replaced by a newer one "
                f"({claim['actor']}: {proposed_wording(claim['kind'], claim['progress'], claim['due_date'])}); "
                "look again before deciding; nothing was recorded"
            )
        return claim

    def approve_change(self, claim: dict[str, Any], *, comment: str | None, actor: str) -> None:
        """Accept a pending claim (from ``pending_claim``): the approval, then the claimed change
        itself, both effective on the claimant's date and recorded now."""
        action = cast("Action", self)
        action._check_claim_applies(claim)
        action._change_approved(
            kind=claim["kind"],
            claim_version=claim["version"],
            actor=actor,
            effective_on=claim["effective_on"],
            reason=optional_text("comment", comment, max_length=TEXT_MAX),
        )
        action._apply_claim(claim)

    def reject_change(self, claim: dict[str, Any], *, reason: str | None, actor: str, effective_on: date) -> None:
        """Refuse a pending claim; a reason is required (the claimant is told it). Effective on
        ``effective_on``, the day of the decision (today): unlike an approval, which makes the
        claimed change true from the claimant's date, a rejection changes nothing in the world
        before it is made, so it is not dated back to the claim (the trail would flag it as
        backdated)."""
        action = cast("Action", self)
        action._change_rejected(
            kind=claim["kind"],
            claim_version=claim["version"],
            actor=actor,
            effective_on=effective_on,
            reason=required_reason(reason, "reject a claim"),
        )

    def _apply_claim(self, claim: dict[str, Any]) -> None:
        """The claimed change through the ordinary command, so a claim obeys the same rules as
        a direct change; the claimant is its actor (the decider is the approval's)."""
        action = cast("Action", self)
        actor, on = claim["actor"], claim["effective_on"]
        if claim["kind"] == CLAIM_COMPLETION:
            action.complete(reason=claim["reason"], actor=actor, effective_on=on)
        elif claim["kind"] == CLAIM_DUE_DATE:
            action.revise_due_date(claim["due_date"], reason=claim["reason"], actor=actor, effective_on=on)
        else:
            action.update_progress(claim["progress"], reason=claim["reason"], actor=actor, effective_on=on)
        if claim["evidence"]:
            action.add_evidence(claim["evidence"], actor=actor, effective_on=on)

    def _check_claim_applies(self, claim: dict[str, Any]) -> None:
        # A trial run on a copy raises exactly what the direct command would: one set of rules
        # for direct changes, claims and approvals, whatever those rules become.
        copy.deepcopy(self)._apply_claim(claim)
