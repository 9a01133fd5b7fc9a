"""The sign-off use cases of ``PlanTrail``: configure a plan, submit a claim, decide it.

A mixin of the application (kept apart so each module stays readable). The rules are pure
functions in ``domain.sign_off``; the commands on an action are in ``domain.claims``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, cast

from domain.action import Action
from domain.commands import ActionCommand, ApproveChange, ChangeLifecycle, RejectChange, ReviseDueDate, UpdateProgress
from domain.errors import BadInputError, ForbiddenError, PersonNotFoundError
from domain.sign_off import (
    CLAIM_COMPLETION,
    NO_ROLES,
    ClaimParties,
    Roles,
    awaiting_wording,
    check_may_decide,
    may_configure,
    proposed_wording,
)

if TYPE_CHECKING:
    from domain.application import PlanTrail


class SignOffUseCases:
    """Sign-off on a plan's actions: who may decide, what waits, what a decision records."""

    def roles_of(self, name: str) -> Roles:
        """The roles ``name`` holds (``Person.RoleGranted`` / ``RoleRevoked``), as plain values
        for the sign-off rules; someone not registered holds none."""
        app = cast("PlanTrail", self)
        try:
            granted = app.get_person(name).roles
        except PersonNotFoundError:
            return NO_ROLES
        return Roles(admin=("admin", None) in granted, clerk_of=frozenset(plan for role, plan in granted if role == "clerk" and plan))

    def manager_of(self, name: str) -> str | None:
        app = cast("PlanTrail", self)
        try:
            return app.get_person(name).manager
        except PersonNotFoundError:
            return None

    def configure_sign_off(
        self,
        plan_code: str,
        *,
        sign_off: str | None = None,
        sign_off_days: int | None = None,
        notify_rejection: str | None = None,
        actor: str,
        roles: Roles | None = None,
        effective_on: date | None = None,
        reason: str | None = None,
    ) -> dict[str, Any]:
        """Change any of a plan's sign-off settings (None keeps one); say whether anything changed.

        ``roles`` None is the operator's own tool (the CLI, like import): not checked. An entry
        point acting for a signed-in person passes their roles: a clerk of the plan or an admin."""
        app = cast("PlanTrail", self)
        if roles is not None and not may_configure(roles, plan_code):
            raise ForbiddenError(f"sign-off: only a clerk of {plan_code} or an admin may change its sign-off setting")
        changed = []
        on = effective_on or app.today(plan_code)
        plan = app._change(
            lambda: app.get_plan(plan_code),
            lambda p: changed.append(
                p.configure_sign_off(
                    sign_off=sign_off,
                    sign_off_days=sign_off_days,
                    notify_rejection=notify_rejection,
                    actor=actor,
                    effective_on=on,
                    reason=reason,
                )
            ),
        )
        return {"plan": plan.code, "changed": changed[-1], **plan.sign_off_settings()}

    def submit_change(self, plan_code: str, code: str, command: ActionCommand, kind: str, *, actor: str) -> dict[str, Any]:
        """Record ``command`` as a claim of ``kind`` awaiting sign-off (a note with a progress
        figure is not a claim: it is recorded at once)."""
        app = cast("PlanTrail", self)
        claim: dict[str, Any] = {"progress": None, "due_date": None, "reason": None, "evidence": None}
        note: str | None = None
        match command:
            case ChangeLifecycle(reason=reason, evidence=evidence):
                claim |= {"reason": reason, "evidence": evidence}
            case ReviseDueDate(due_date=due_date, reason=reason):
                claim |= {"due_date": due_date, "reason": reason}
            case UpdateProgress(progress=progress, note=note):
                claim |= {"progress": progress}

        def change(action: Action, on: date) -> None:
            action.submit_change(kind, **claim, actor=actor, effective_on=on)
            if note:
                action.add_note(note, author=actor, actor=actor, effective_on=on)

        result = app.change_action(plan_code, code, change, getattr(command, "effective_on", None))
        submitted = app.get_action(plan_code, code).pending_claims[kind]
        return result | {"outcome": "submitted", "claim": app._claim_summary(plan_code, submitted)}

    def decide_change(self, plan_code: str, code: str, command: ApproveChange | RejectChange, *, actor: str) -> dict[str, Any]:
        """Approve or reject a pending claim, as ``actor`` with the roles they hold."""
        app = cast("PlanTrail", self)
        roles = app.roles_of(actor)
        decided: list[dict[str, Any]] = []

        def change(action: Action, on: date) -> None:
            claim = action.pending_claim(command.kind, version=command.claim)
            check_may_decide(actor, roles, ClaimParties(action.plan_code, claim["actor"], app.manager_of(claim["actor"])))
            if isinstance(command, ApproveChange):
                action.approve_change(claim, comment=command.comment, actor=actor)
            else:
                action.reject_change(claim, reason=command.reason, actor=actor, effective_on=on)
            decided.append(claim)

        result = app.change_action(plan_code, code, change)
        outcome = "approved" if isinstance(command, ApproveChange) else "rejected"
        return result | {"outcome": outcome, "claim": app._claim_summary(plan_code, decided[-1])}

    def _claim_summary(self, plan_code: str, claim: dict[str, Any]) -> dict[str, Any]:
        app = cast("PlanTrail", self)
        parties = ClaimParties(plan_code, claim["actor"], app.manager_of(claim["actor"]))
        return {
            "kind": claim["kind"],
            "version": claim["version"],
            "proposed": proposed_wording(claim["kind"], claim["progress"], claim["due_date"]),
            "claimant": claim["actor"],
            "effective_on": claim["effective_on"].isoformat(),
            "evidence": claim["evidence"],
            "reason": claim["reason"],
            "awaiting": awaiting_wording(parties),
        }

    def _complete_with_evidence(self, plan_code: str, code: str, command: ChangeLifecycle, *, actor: str) -> dict[str, Any]:
        """A completion recorded at once with its evidence: what an approved claim records."""
        app = cast("PlanTrail", self)
        if command.transition != "complete":
            raise BadInputError("evidence: only a completion carries evidence", field="evidence")
        claim = {"kind": CLAIM_COMPLETION, "reason": command.reason, "evidence": command.evidence, "actor": actor}
        return app.change_action(plan_code, code, lambda a, on: a._apply_claim(claim | {"effective_on": on}), command.effective_on)
