"""The one seam every entry point goes through: resolve what was named, change it, read it back.

A CLI command and a web handler each parse their input into a command (``domain.commands``),
call ``record`` or ``show`` here, and render the plain dict that comes back. Neither catches
the projector up or resolves an action reference on its own, so "read your own write" and
"``SS_ICSAP_IMP1`` means the same action everywhere" are true in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine

from domain.application import PlanTrail
from domain.commands import ActionCommand, ApproveChange, RejectChange
from domain.errors import PersonNotFoundError
from domain.ids import person_id
from domain.sign_off import ClaimParties, Roles, may_decide
from notifications.outbox import Outbox
from plantrail.settings import DatabaseConfig
from projections.projector import Projector
from projections.queries import Queries


@dataclass(frozen=True)
class ActionRef:
    plan_code: str
    code: str

    def __str__(self) -> str:
        return f"{self.plan_code}/{self.code}"


@dataclass
class Services:
    app: PlanTrail
    projector: Projector
    queries: Queries
    engine: Engine
    database: DatabaseConfig
    outbox: Outbox

    def close(self) -> None:
        self.app.close()
        self.engine.dispose()

    def today(self, plan_code: str | None = None) -> date:
        return self.app.today(plan_code)

    def resolve(self, ref: str | ActionRef) -> ActionRef:
        """``CODE`` (when one plan uses it) or ``PLAN/CODE``, in any case, to the stored codes."""
        if isinstance(ref, ActionRef):
            return ref
        plan_code, code = self.queries.resolve_action(ref)
        return ActionRef(plan_code, code)

    def record(self, ref: str | ActionRef, command: ActionCommand, *, actor: str) -> dict[str, Any]:
        """Carry out ``command`` on the action as ``actor``; return the action as it now stands,
        with ``recorded_as`` (recorded, submitted, approved, rejected) and the ``claim`` concerned."""
        target = self.resolve(ref)
        result = self.app.handle(target.plan_code, target.code, command, actor=actor)
        self.projector.catch_up()
        return self.show(target) | {"recorded_as": result.get("outcome", "recorded"), "claim": result.get("claim")}

    def show(self, ref: str | ActionRef, *, as_at: date | None = None, known_at: datetime | None = None) -> dict[str, Any]:
        """The action as at ``as_at`` (default today in its plan's zone), as known at ``known_at``."""
        target = self.resolve(ref)
        return self.queries.action(target.plan_code, target.code, as_at=as_at or self.today(target.plan_code), known_at=known_at)

    def plan_timezone(self, plan_ref: str) -> str:
        return str(self.queries.resolve_plan(plan_ref)["timezone"])

    # ----- sign-off -------------------------------------------------------------------------

    def approve(
        self, ref: str | ActionRef, *, actor: str, comment: str | None = None, kind: str | None = None, claim: int | None = None
    ) -> dict[str, Any]:
        """Accept the pending claim (of ``kind``; ``claim``: the version the decider saw)."""
        return self.record(ref, ApproveChange(kind, comment, claim), actor=actor)

    def reject(
        self, ref: str | ActionRef, *, actor: str, reason: str | None, kind: str | None = None, claim: int | None = None
    ) -> dict[str, Any]:
        """Refuse the pending claim; the reason is required and the claimant is told it."""
        return self.record(ref, RejectChange(reason, kind, claim), actor=actor)

    def pending(self, plan_ref: str | None = None, *, for_person: str | None = None) -> list[dict[str, Any]]:
        """Claims waiting for sign-off, oldest first, each with how many days it has waited;
        with ``for_person``, only those that person may decide."""
        plan_code = self.queries.resolve_plan(plan_ref)["code"] if plan_ref else None
        claims = self.queries.open_claims(plan_code)
        if for_person is not None:
            if not self.app.exists(person_id(for_person)):
                raise PersonNotFoundError(f"person {for_person!r} not found (see `plantrail people`)", field="for")
            roles = self.app.roles_of(for_person)
            claims = [c for c in claims if may_decide(for_person, roles, ClaimParties(c["plan"], c["claimant"], c["claimant_manager"]))]
        now = self.app.clock()
        return [c | {"waiting_days": (now - datetime.fromisoformat(c["since"])).days} for c in claims]

    def claims(self, ref: str | ActionRef) -> list[dict[str, Any]]:
        """Every claim on the action with what became of it (pending, approved, rejected,
        replaced), who decided and why: what an owner reads after a rejection."""
        target = self.resolve(ref)
        return self.queries.claims(target.plan_code, target.code)

    def sign_off_settings(self, plan_ref: str) -> dict[str, Any]:
        plan_code = self.queries.resolve_plan(plan_ref)["code"]
        return {"plan": plan_code, **self.queries.sign_off_settings(plan_code)}

    def configure_sign_off(
        self, plan_ref: str, settings: dict[str, Any], *, actor: str, roles: Roles | None = None, reason: str | None = None
    ) -> dict[str, Any]:
        """Change a plan's sign-off ``settings`` (``sign_off``, ``sign_off_days``,
        ``notify_rejection``); the ``roles`` of a signed-in person are checked (None: the
        operator's CLI, unchecked like import)."""
        plan_code = self.queries.resolve_plan(plan_ref)["code"]
        result = self.app.configure_sign_off(plan_code, **settings, actor=actor, roles=roles, reason=reason)
        self.projector.catch_up()
        return result
