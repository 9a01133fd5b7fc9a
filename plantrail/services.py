"""The one seam every entry point goes through: resolve what was named, change it, read it back.

A CLI command and a web handler each parse their input into a command (``domain.commands``),
call ``record`` or ``show`` here, and render the plain dict that comes back. Neither catches
the projector up or resolves an action reference on its own, so "read your own write" and
"``SS_ICSAP_IMP1`` means the same action everywhere" are true in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine

from domain.application import PlanTrail
from domain.commands import ActionCommand
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
    migrations: list[str] = field(default_factory=list)  # what opening the store brought up to date

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
        """Carry out ``command`` on the action as ``actor``; return the action as it now stands."""
        target = self.resolve(ref)
        self.app.handle(target.plan_code, target.code, command, actor=actor)
        self.projector.catch_up()
        return self.show(target)

    def show(self, ref: str | ActionRef, *, as_at: date | None = None, known_at: datetime | None = None) -> dict[str, Any]:
        """The action as at ``as_at`` (default today in its plan's zone), as known at ``known_at``."""
        target = self.resolve(ref)
        return self.queries.action(target.plan_code, target.code, as_at=as_at or self.today(target.plan_code), known_at=known_at)

    def plan_timezone(self, plan_ref: str) -> str:
        return str(self.queries.resolve_plan(plan_ref)["timezone"])
