"""Questions answered from the read models, returned as plain dicts ready for JSON."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import Engine, func, select

from domain.errors import ActionNotFoundError, DomainError, PlanNotFoundError
from domain.timeliness import status
from projections import tables as t


class AmbiguousActionError(DomainError):
    """An action code used in more than one plan, given without its plan."""


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _utc_iso(value: datetime) -> str:
    # SQLite hands back naive datetimes; every recorded time is stored in UTC.
    return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).isoformat()


class _Row:
    """Attribute access over a mapping, so the pure timeliness rule can read a view row."""

    def __init__(self, mapping: Any) -> None:
        self.__dict__.update(mapping)


class Queries:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ----- plans and people -------------------------------------------------------------

    def plans(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            counts = dict(conn.execute(select(t.actions.c.plan_code, func.count(t.actions.c.id)).group_by(t.actions.c.plan_code)).all())
            rows = conn.execute(select(t.plans).order_by(t.plans.c.code)).mappings().all()
        return [
            {
                "code": r["code"],
                "title": r["title"],
                "description": r["description"],
                "timezone": r["timezone"],
                "warning_days": r["warning_days"],
                "sponsor": r["sponsor"],
                "actions": counts.get(r["code"], 0),
            }
            for r in rows
        ]

    def resolve_plan(self, ref: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.plans).where(t.plans.c.code_key == " ".join(ref.split()).casefold())).mappings().first()
        if row is None:
            raise PlanNotFoundError(f"plan {ref!r} not found (see `plantrail plans`)")
        return dict(row)

    def people(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            owned = dict(
                conn.execute(
                    select(t.action_owners.c.person_name, func.count(t.action_owners.c.action_id)).group_by(t.action_owners.c.person_name)
                ).all()
            )
            rows = conn.execute(select(t.people).order_by(t.people.c.name)).mappings().all()
        return [{k: r[k] for k in ("name", "initials", "email", "role", "manager")} | {"actions": owned.get(r["name"], 0)} for r in rows]

    # ----- actions ----------------------------------------------------------------------

    def resolve_action(self, ref: str) -> tuple[str, str]:
        """``PLAN/CODE`` or a bare code that only one plan uses → (plan code, action code)."""
        plan_ref, slash, code_ref = ref.partition("/")
        if not slash:
            plan_ref, code_ref = "", ref
        query = select(t.actions.c.plan_code, t.actions.c.code).where(t.actions.c.code_key == code_ref.strip().casefold())
        if plan_ref:
            query = query.where(t.actions.c.plan_code == self.resolve_plan(plan_ref)["code"])
        with self.engine.connect() as conn:
            matches = conn.execute(query).all()
        if not matches:
            raise ActionNotFoundError(f"action {ref!r} not found")
        if len(matches) > 1:
            plans = ", ".join(f"{p}/{c}" for p, c in matches)
            raise AmbiguousActionError(f"action {ref!r} is in more than one plan; say which: {plans}")
        return matches[0][0], matches[0][1]

    def action(self, plan_code: str, code: str, *, as_at: date) -> dict[str, Any]:
        found = self.actions(plan_code, as_at=as_at, code=code)
        if not found:
            raise ActionNotFoundError(f"action {plan_code}/{code} not found")
        return found[0]

    def actions(
        self,
        plan_code: str,
        *,
        as_at: date,
        owner: str | None = None,
        priority_number: int | None = None,
        code: str | None = None,
    ) -> list[dict[str, Any]]:
        """Every action of a plan (optionally filtered), with owners, sub-actions and notes."""
        a = t.actions
        query = select(a).where(a.c.plan_code == plan_code)
        if code is not None:
            query = query.where(a.c.code_key == code.casefold())
        if priority_number is not None:
            query = query.where(a.c.priority_number == priority_number)
        if owner is not None:
            owned = select(t.action_owners.c.action_id).where(t.action_owners.c.person_name == owner)
            query = query.where(a.c.id.in_(owned))
        query = query.order_by(a.c.priority_number, a.c.code_key)
        with self.engine.connect() as conn:
            plan = conn.execute(select(t.plans).where(t.plans.c.code == plan_code)).mappings().first()
            if plan is None:
                raise PlanNotFoundError(f"plan {plan_code!r} not found")
            rows = conn.execute(query).mappings().all()
            ids = [r["id"] for r in rows]
            children = self._children(conn, ids, plan_code)
        return [self._action_dict(r, plan, children, as_at) for r in rows]

    def _children(self, conn: Any, ids: list[str], plan_code: str) -> dict[str, Any]:
        """Owners, sub-actions, notes and texts for the given actions, in one query each."""
        owners: dict[str, list[str]] = defaultdict(list)
        subs: dict[str, list[dict[str, Any]]] = defaultdict(list)
        notes: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
        texts: dict[tuple[str, str], list[str]] = defaultdict(list)
        # Selecting by plan rather than by a long IN list keeps this one indexed scan per table.
        in_plan = select(t.actions.c.id).where(t.actions.c.plan_code == plan_code)
        wanted = set(ids)
        for r in conn.execute(select(t.action_owners).where(t.action_owners.c.action_id.in_(in_plan)).order_by(t.action_owners.c.position)):
            if r.action_id in wanted:
                owners[r.action_id].append(r.person_name)
        for r in conn.execute(select(t.sub_actions).where(t.sub_actions.c.action_id.in_(in_plan)).order_by(t.sub_actions.c.number)):
            if r.action_id in wanted:
                subs[r.action_id].append({"number": r.number, "details": r.details})
        note_query = select(t.notes).where(t.notes.c.action_id.in_(in_plan)).order_by(t.notes.c.effective_on, t.notes.c.version)
        for r in conn.execute(note_query):
            if r.action_id in wanted:
                notes[(r.action_id, r.sub_number)].append(
                    {"text": r.text, "author": r.author, "effective_on": _iso(r.effective_on), "recorded_at": _utc_iso(r.recorded_at)}
                )
        for r in conn.execute(select(t.action_texts).where(t.action_texts.c.action_id.in_(in_plan)).order_by(t.action_texts.c.version)):
            if r.action_id in wanted:
                texts[(r.action_id, r.kind)].append(r.text)
        priorities = {
            r.number: r.name for r in conn.execute(select(t.priorities).where(t.priorities.c.plan_code == plan_code))
        }
        return {"owners": owners, "subs": subs, "notes": notes, "texts": texts, "priorities": priorities}

    @staticmethod
    def _action_dict(r: Any, plan: Any, children: dict[str, Any], as_at: date) -> dict[str, Any]:
        action_id = r["id"]
        notes = children["notes"].get((action_id, 0), [])
        number = r["priority_number"]
        return {
            "plan": r["plan_code"],
            "code": r["code"],
            "title": r["title"],
            "description": r["description"],
            "priority_area": {"number": number, "name": children["priorities"].get(number)} if number is not None else None,
            "priority": r["priority"],
            "owners": children["owners"].get(action_id, []),
            "due_date": _iso(r["due_date"]),
            "original_due_date": _iso(r["original_due_date"]),
            "due_date_revisions": r["due_date_revisions"],
            "progress": r["progress"],
            "lifecycle": r["lifecycle"],
            "status": status(_Row(r), as_at, plan["warning_days"]).value,
            "status_as_at": as_at.isoformat(),
            "added_on": _iso(r["added_on"]),
            "last_update_on": _iso(r["last_update_on"]),
            "sub_actions": [
                {**sub, "notes": children["notes"].get((action_id, sub["number"]), [])} for sub in children["subs"].get(action_id, [])
            ],
            "notes": notes,
            "latest_note": notes[-1] if notes else None,
            "success_measures": children["texts"].get((action_id, "success_measure"), []),
            "evidence": children["texts"].get((action_id, "evidence"), []),
            "version": r["version"],
        }
