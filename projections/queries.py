"""Questions answered from the read models, returned as plain dicts ready for JSON.

Every action query is bitemporal: ``as_at`` picks the effective date, ``known_at`` the recorded
time (default: now, i.e. everything recorded so far). Today's plan is just "as at today".
"""

from __future__ import annotations

import json
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any, cast

import orjson
from sqlalchemy import Engine, and_, func, select

from domain.errors import ActionNotFoundError, BadInputError, PlanNotFoundError
from domain.names import name_key
from domain.text import clipped
from domain.timeliness import HasTimelinessFields, Timeliness, status
from projections import sign_off
from projections import tables as t
from projections.owner_queries import OwnerQueries, among_codes
from projections.timeline import FOREVER_TIME

# Up to this many actions, their notes and sub-actions are fetched by id rather than by plan.
FEW_ACTIONS = 50


class AmbiguousActionError(BadInputError):
    """An action code used in more than one plan, given without its plan."""


def iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; every recorded time is stored in UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_iso(value: datetime) -> str:
    return utc(value).isoformat()


# "Known at" with no time given: later than any real recording, earlier than the open end.
EVERYTHING_RECORDED = FOREVER_TIME.replace(year=9998)


STATUS_NAMES = {t.value.lower(): t.value for t in Timeliness}  # "alert" -> "Alert", as typed in filters


class _Row:
    """Attribute access over a mapping, so the pure timeliness rule can read a view row."""

    def __init__(self, mapping: Any) -> None:
        self.__dict__.update(mapping)


def _known(known_at: datetime | None) -> datetime:
    """The recorded-axis bound as stored: UTC (SQLite compares the text)."""
    if known_at is None:
        return EVERYTHING_RECORDED
    if known_at.tzinfo is None:
        raise ValueError("known_at must carry a time zone")
    return known_at.astimezone(UTC)


def states_query(
    plan_code: str, as_at: date, known_at: datetime | None, code: str | None = None, *, columns: list[str] | None = None
) -> Any:
    """Each action's state row as at ``as_at`` as known at ``known_at``: one indexed lookup per action.
    ``columns``: only these state columns (the summary needs four of them)."""
    a, s = t.actions, t.action_states
    known = _known(known_at)
    s2 = s.alias("s2")
    visible = (
        select(s2.c.id)
        .where(s2.c.action_id == a.c.id, s2.c.valid_from <= as_at, s2.c.recorded_from <= known, s2.c.recorded_to > known)
        .order_by(s2.c.valid_from.desc())
        .limit(1)
        .scalar_subquery()
    )
    wanted = [c for c in s.c if c.name not in ("id", "action_id", "plan_code") and (columns is None or c.name in columns)]
    query = (
        select(a.c.id, a.c.plan_code, a.c.code, a.c.added_on, *wanted)
        .select_from(a)
        .join(s, s.c.id == visible)
        .where(a.c.plan_code == plan_code)
    )
    if code is not None:
        query = query.where(a.c.code_key == code.casefold())
    return query if columns is not None else query.order_by(s.c.priority_number, a.c.code_key)


COUNTS_CACHE_SIZE = 256


class Queries(OwnerQueries):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._counts_cache: dict[tuple[Any, ...], dict[int | None, Counter]] = {}
        self._cache_lock = threading.Lock()  # the web app asks from several threads

    # ----- plans and people -------------------------------------------------------------

    def plans(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            counts: dict[str, int] = dict(
                conn.execute(select(t.actions.c.plan_code, func.count(t.actions.c.id)).group_by(t.actions.c.plan_code)).all()
            )
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
            raise PlanNotFoundError(f"plan {clipped(ref)} not found (see `plantrail plans`)")
        return dict(row)

    def priorities(self, plan_code: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(t.priorities).where(t.priorities.c.plan_code == plan_code).order_by(t.priorities.c.number)
            ).mappings()
            return [{"number": r["number"], "name": r["name"], "description": r["description"]} for r in rows]

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

    def person_names(self) -> list[str]:
        """Every registered person's name, as registered."""
        with self.engine.connect() as conn:
            return list(conn.execute(select(t.people.c.name).order_by(t.people.c.name)).scalars())

    def people(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            owned: dict[str, int] = dict(
                conn.execute(
                    select(t.action_owners.c.person_name, func.count(t.action_owners.c.action_id)).group_by(t.action_owners.c.person_name)
                ).all()
            )
            rows = conn.execute(select(t.people).order_by(t.people.c.name)).mappings().all()
        return [{k: r[k] for k in ("name", "initials", "email", "role", "manager")} | {"actions": owned.get(r["name"], 0)} for r in rows]

    def status_counts(self, plan_code: str, *, as_at: date, known_at: datetime | None = None) -> dict[int | None, Counter]:
        """Timeliness counts per priority number as at a date: the summary's slim path.

        Remembered per (plan, date, known-at, projector position): a summary as at a committee
        date is asked for again and again (dashboards, charts) and changes only when an event is
        projected, which moves the position in the database, for every process alike."""
        key = (plan_code, as_at, known_at, self._position())
        with self._cache_lock:
            cached = self._counts_cache.get(key)
        if cached is not None:
            return {number: Counter(found) for number, found in cached.items()}
        counts = self._status_counts(plan_code, as_at, known_at)
        with self._cache_lock:
            if len(self._counts_cache) >= COUNTS_CACHE_SIZE:
                self._counts_cache.pop(next(iter(self._counts_cache)))
            self._counts_cache[key] = {number: Counter(found) for number, found in counts.items()}
        return counts

    def _position(self) -> int | None:
        with self.engine.connect() as conn:
            return conn.execute(select(func.max(t.projector_positions.c.position))).scalar()

    def _status_counts(self, plan_code: str, as_at: date, known_at: datetime | None) -> dict[int | None, Counter]:
        with self.engine.connect() as conn:
            warning_days = conn.execute(select(t.plans.c.warning_days).where(t.plans.c.code == plan_code)).scalar_one_or_none()
            if warning_days is None:
                raise PlanNotFoundError(f"plan {clipped(plan_code)} not found")
            query = states_query(plan_code, as_at, known_at, columns=["priority_number", "progress", "lifecycle", "due_date"])
            counts: dict[int | None, Counter] = defaultdict(Counter)
            for row in conn.execute(query):
                counts[row.priority_number][status(row, as_at, warning_days).value] += 1
        return counts

    def awaiting_sign_off_count(self, plan_code: str, *, as_at: date, known_at: datetime | None = None) -> int:
        """How many actions have a claim awaiting sign-off as at the date, as known at the time."""
        with self.engine.connect() as conn:
            return len(sign_off.awaiting_by_action(conn, plan_code, as_at, _known(known_at)))

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
            raise ActionNotFoundError(f"action {clipped(ref)} not found")
        if len(matches) > 1:
            plans = ", ".join(f"{p}/{c}" for p, c in matches)
            raise AmbiguousActionError(f"action {clipped(ref)} is in more than one plan; say which: {plans}")
        return matches[0][0], matches[0][1]

    def action(self, plan_code: str, code: str, *, as_at: date, known_at: datetime | None = None) -> dict[str, Any]:
        found = self.actions(plan_code, as_at=as_at, known_at=known_at, code=code)
        if not found:
            raise ActionNotFoundError(
                f"action {plan_code}/{code} did not exist as at {as_at.isoformat()}"
                + (f" as known at {known_at.isoformat()}" if known_at else "")
            )
        return found[0]

    def actions(
        self,
        plan_code: str,
        *,
        as_at: date,
        known_at: datetime | None = None,
        owner: str | None = None,
        priority_number: int | None = None,
        code: str | None = None,
        codes: list[str] | None = None,
        with_children: bool = True,
    ) -> list[dict[str, Any]]:
        """A plan's actions (optionally filtered) as at a date, with owners, sub-actions and notes.
        ``codes``: only these actions (looked up by code, not by scanning the plan)."""
        with self.engine.connect() as conn:
            plan = conn.execute(select(t.plans).where(t.plans.c.code == plan_code)).mappings().first()
            if plan is None:
                raise PlanNotFoundError(f"plan {clipped(plan_code)} not found")
            query = states_query(plan_code, as_at, known_at, code)
            if codes is not None:
                query = query.where(among_codes(plan_code, codes))
            if owner is not None:
                # Narrow in SQL by the owners' JSON text (as the projector writes it); the exact
                # check on the decoded list below stays the rule.
                query = query.where(t.action_states.c.owners.contains(orjson.dumps(owner).decode()))
            rows = [dict(r) for r in conn.execute(query).mappings()]
            for r in rows:
                r["owners"] = json.loads(r["owners"])
            if owner is not None:
                rows = [r for r in rows if name_key(owner) in {name_key(o) for o in r["owners"]}]
            if priority_number is not None:
                rows = [r for r in rows if r["priority_number"] == priority_number]
            children = self._children(conn, plan_code, {r["id"] for r in rows}, as_at, known_at) if with_children else None
            priorities = {p.number: p.name for p in conn.execute(select(t.priorities).where(t.priorities.c.plan_code == plan_code))}
            awaiting = sign_off.awaiting_by_action(conn, plan_code, as_at, _known(known_at))
        return [self._action_dict(r, plan, priorities, children, as_at) | {"awaiting_sign_off": awaiting.get(r["id"], [])} for r in rows]

    def _children(self, conn: Any, plan_code: str, wanted: set[str], as_at: date, known_at: datetime | None) -> dict[str, Any]:
        """Sub-actions, notes and texts as at the date, for the wanted actions, one query each."""
        subs: dict[str, list[dict[str, Any]]] = defaultdict(list)
        notes: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
        texts: dict[tuple[str, str], list[str]] = defaultdict(list)
        # Selecting by plan rather than by a long IN list keeps this one indexed scan per table;
        # a few actions (one action's page) are looked up by id instead of scanning the plan.
        if len(wanted) <= FEW_ACTIONS:
            among: Any = sorted(wanted)
        else:
            among = select(t.actions.c.id).where(t.actions.c.plan_code == plan_code)
        known = _known(known_at)

        def dated(table: Any) -> Any:
            return and_(table.c.action_id.in_(among), table.c.effective_on <= as_at, table.c.recorded_at <= known)

        for r in conn.execute(select(t.sub_actions).where(dated(t.sub_actions)).order_by(t.sub_actions.c.number)):
            if r.action_id in wanted:
                subs[r.action_id].append({"number": r.number, "details": r.details})
        for r in conn.execute(select(t.notes).where(dated(t.notes)).order_by(t.notes.c.effective_on, t.notes.c.version)):
            if r.action_id in wanted:
                notes[(r.action_id, r.sub_number)].append(
                    {"text": r.text, "author": r.author, "effective_on": iso(r.effective_on), "recorded_at": utc_iso(r.recorded_at)}
                )
        for r in conn.execute(select(t.action_texts).where(dated(t.action_texts)).order_by(t.action_texts.c.version)):
            if r.action_id in wanted:
                texts[(r.action_id, r.kind)].append(r.text)
        return {"subs": subs, "notes": notes, "texts": texts}

    @staticmethod
    def _action_dict(
        r: dict[str, Any], plan: Any, priorities: dict[int, str], children: dict[str, Any] | None, as_at: date
    ) -> dict[str, Any]:
        action_id = r["id"]
        number = r["priority_number"]
        out = {
            "plan": r["plan_code"],
            "code": r["code"],
            "title": r["title"],
            "description": r["description"],
            "priority_area": {"number": number, "name": priorities.get(number)} if number is not None else None,
            "priority": r["priority"],
            "owners": r["owners"],
            "due_date": iso(r["due_date"]),
            "original_due_date": iso(r["original_due_date"]),
            "due_date_revisions": r["due_date_revisions"],
            "progress": r["progress"],
            "lifecycle": r["lifecycle"],
            "status": status(cast(HasTimelinessFields, _Row(r)), as_at, plan["warning_days"]).value,
            "status_as_at": as_at.isoformat(),
            "added_on": iso(r["added_on"]),
        }
        if children is None:
            return out
        notes = children["notes"].get((action_id, 0), [])
        return out | {
            "sub_actions": [
                {**sub, "notes": children["notes"].get((action_id, sub["number"]), [])} for sub in children["subs"].get(action_id, [])
            ],
            "notes": notes,
            "latest_note": notes[-1] if notes else None,
            "success_measures": children["texts"].get((action_id, "success_measure"), []),
            "evidence": children["texts"].get((action_id, "evidence"), []),
        }

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
    ) -> list[dict[str, Any]]:
        """Actions across every plan (or one), as at a date: what ``plantrail actions`` and the
        web's "My actions" page ask. ``statuses`` are timeliness names in any case (``alert``);
        ``due_before`` keeps actions due strictly before that day. Ordered by plan, priority, code."""
        wanted = {STATUS_NAMES[s.casefold()] for s in statuses}
        plan_codes = [plan_code] if plan_code else [p["code"] for p in self.plans()]
        found = []
        for code in plan_codes:
            for a in self.actions(code, as_at=as_at, known_at=known_at, owner=owner, priority_number=priority_number):
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
