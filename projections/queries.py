"""Questions answered from the read models, returned as plain dicts ready for JSON.

The everyday ones (plans, people, one action, a plan's actions, the summary's counts) are plain
SQL in ``projections.reads``, so the CLI's read commands can ask them without SQLAlchemy; the
rest are here. Every action query is bitemporal: ``as_at`` picks the effective date,
``known_at`` the recorded time (default: now, i.e. everything recorded so far).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, select

from projections import sign_off
from projections import tables as t
from projections.owner_queries import OwnerQueries
from projections.reads import (
    EVERYTHING_RECORDED,
    FEW_ACTIONS,
    STATUS_NAMES,
    AmbiguousActionError,
    Reads,
    iso,
    utc,
    utc_iso,
)
from projections.sql import reading, sql_over

__all__ = ["EVERYTHING_RECORDED", "FEW_ACTIONS", "STATUS_NAMES", "AmbiguousActionError", "Queries", "iso", "utc", "utc_iso"]


class Queries(Reads, OwnerQueries):
    def __init__(self, engine: Engine) -> None:
        reads = reading(engine)  # every question here only reads
        super().__init__(sql_over(reads))
        self.engine = reads

    # ----- plans and people -------------------------------------------------------------

    def committees(self, plan_code: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.committee_dates).where(t.committee_dates.c.plan_code == plan_code).order_by(t.committee_dates.c.meets_on)
            ).mappings()
            return [
                {"committee": r["committee"], "meets_on": iso(r["meets_on"]), "report_deadline": iso(r["report_deadline"])} for r in rows
            ]

    def plan(self, ref: str) -> dict[str, Any]:
        """One plan with its priorities and committee dates."""
        row = self.resolve_plan(ref)
        found = next(p for p in self.plans() if p["code"] == row["code"])
        return found | {"priorities": self.priorities(row["code"]), "committees": self.committees(row["code"])}

    def person(self, name: str) -> dict[str, Any]:
        """One registered person (by registered name), as ``people`` lists them."""
        return next(p for p in self.people() if p["name"] == name)

    def open_claims(self, plan_code: str | None = None) -> list[dict[str, Any]]:
        """Every claim waiting for sign-off now (optionally in one plan), oldest first."""
        with self.engine.connect() as conn:
            return sign_off.open_claims(conn, plan_code)

    def claims(self, plan_code: str, code: str) -> list[dict[str, Any]]:
        """Every claim made on the action, oldest first, with its outcome and the decider's reason."""
        with self.engine.connect() as conn:
            return sign_off.claims_of_action(conn, plan_code, code)

    def sign_off_settings(self, plan_code: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            return sign_off.settings(conn, plan_code)

    def find_actions(
        self,
        *,
        as_at: date,
        known_at: datetime | None = None,
        plan_code: str | None = None,
        owner: str | None = None,
        statuses: Iterable[str] = (),
        due_before: date | None = None,
        priority_number: int | None = None,
        with_children: bool = True,
    ) -> list[dict[str, Any]]:
        """Actions across every plan (or one), as at a date: what ``plantrail actions`` and the
        web's "My actions" page ask. ``statuses`` are timeliness names in any case (``alert``);
        ``due_before`` keeps actions due strictly before that day. Ordered by plan, priority, code.
        ``with_children=False`` leaves out notes, sub-actions and texts (a table of the actions
        shows none of them: 0.59 s of 0.68 s for a 500-action plan went on reading them)."""
        wanted = {STATUS_NAMES[s.casefold()] for s in statuses}
        plan_codes = [plan_code] if plan_code else [p["code"] for p in self.plans()]
        found = []
        for code in plan_codes:
            for a in self.actions(
                code, as_at=as_at, known_at=known_at, owner=owner, priority_number=priority_number, with_children=with_children
            ):
                if wanted and a["status"] not in wanted:
                    continue
                if due_before is not None and (a["due_date"] is None or a["due_date"] >= due_before.isoformat()):
                    continue
                found.append(a)
        return found

    def action_versions(self, plan_code: str) -> dict[str, int]:
        """Each action's stream version now: what a sheet exported for updating remembers."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.actions.c.code, t.actions.c.version).where(t.actions.c.plan_code == plan_code))
            return {row.code: row.version for row in rows}

    def changes_since(self, plan_code: str, code: str, version: int) -> list[dict[str, Any]]:
        """The action's own events after ``version``: who changed it since a sheet was exported."""
        e = t.events
        query = (
            select(e.c.type, e.c.actor, e.c.effective_on, e.c.recorded_at)
            .where(e.c.aggregate == "action", e.c.plan_code == plan_code, e.c.action_code == code, e.c.version > version)
            .order_by(e.c.position)
        )
        with self.engine.connect() as conn:
            return [
                {"type": r.type, "actor": r.actor, "effective_on": iso(r.effective_on), "recorded_at": utc_iso(r.recorded_at)}
                for r in conn.execute(query)
            ]
