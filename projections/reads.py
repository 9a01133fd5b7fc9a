"""The everyday questions (plans, people, one action, a plan's actions, the summary's counts),
asked in plain SQL (``projections.sql``) so that the CLI's read commands need neither SQLAlchemy
nor the event store. ``Queries`` (projections/queries.py) is these plus the rest; the web app
and every command ask through it, so each question has one implementation.

Every action query is bitemporal: ``as_at`` picks the effective date, ``known_at`` the recorded
time (default: now, i.e. everything recorded so far). Today's plan is just "as at today".
"""

from __future__ import annotations

import json
import threading
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from typing import Any, cast

import orjson

from domain.access import permissions_in_words
from domain.errors import ActionNotFoundError, BadInputError, PlanNotFoundError
from domain.names import name_key, suggestion
from domain.text import clipped
from domain.timeliness import HasTimelinessFields, Timeliness, status
from projections.claim_rows import awaiting_by_action
from projections.sql import Connect, Sql, as_date, as_time, dates

# Up to this many actions, their notes and sub-actions are fetched by id rather than by plan.
FEW_ACTIONS = 50

# "Known at" with no time given: later than any real recording, earlier than the open end
# (projections.timeline.FOREVER_TIME, 9999-12-31).
EVERYTHING_RECORDED = datetime(9998, 12, 31, tzinfo=UTC)

STATUS_NAMES = {t.value.lower(): t.value for t in Timeliness}  # "alert" -> "Alert", as typed in filters

# What an action shows of its state row; the date columns are read back as dates.
STATE_COLUMNS = (
    "title, description, priority_number, priority, owners, due_date, original_due_date, due_date_revisions, progress, lifecycle"
)
STATE_DATES = ("added_on", "due_date", "original_due_date")

# Each action's state row as at :as_at as known at :known: one indexed lookup per action.
STATES = f"""
SELECT a.id, a.plan_code, a.code, a.added_on, {", ".join("s." + c.strip() for c in STATE_COLUMNS.split(","))}
FROM view_actions a JOIN view_action_states s ON s.id = (
    SELECT s2.id FROM view_action_states s2
    WHERE s2.action_id = a.id AND s2.valid_from <= :as_at AND s2.recorded_from <= :known AND s2.recorded_to > :known
    ORDER BY s2.valid_from DESC LIMIT 1)
WHERE a.plan_code = :plan_code"""


class AmbiguousActionError(BadInputError):
    """An action code used in more than one plan, given without its plan."""


def iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; every recorded time is stored in UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_iso(value: datetime) -> str:
    return utc(value).isoformat()


class _Row:
    """Attribute access over a mapping, so the pure timeliness rule can read a view row."""

    def __init__(self, mapping: Any) -> None:
        self.__dict__.update(mapping)


def known(known_at: datetime | None) -> datetime:
    """The recorded-axis bound as stored: UTC (SQLite compares the text)."""
    if known_at is None:
        return EVERYTHING_RECORDED
    if known_at.tzinfo is None:
        raise ValueError("known_at must carry a time zone")
    return known_at.astimezone(UTC)


def states(
    sql: Sql,
    plan_code: str,
    as_at: date,
    known_at: datetime | None,
    *,
    code: str | None = None,
    codes: list[str] | None = None,
    owner: str | None = None,
) -> list[dict[str, Any]]:
    """The plan's actions' state rows as at ``as_at`` as known at ``known_at`` (``code``: that
    one, in any case; ``codes``: these), by priority and code; dates as dates, owners as text.
    ``owner`` narrows by the owners' JSON text (as the projector writes it): the caller checks
    the decoded list, which stays the rule."""
    query = STATES
    if code is not None:
        query += " AND a.code_key = :code_key"
    if codes is not None:
        # By the (plan_code, code_key) index: the code alone is not indexed, and filtering on
        # it scanned the whole plan (My actions in a 10,000-action plan).
        query += " AND a.code_key IN (:code_keys) AND a.code IN (:codes)"
    if owner is not None:
        query += " AND s.owners LIKE :owner_text"
    rows = sql.all(
        query + " ORDER BY s.priority_number, a.code_key",
        plan_code=plan_code,
        as_at=as_at,
        known=known(known_at),
        code_key=(code or "").casefold(),
        codes=codes or [],
        code_keys={c.casefold() for c in codes or []},
        owner_text=f"%{orjson.dumps(owner).decode()}%",
    )
    return [dates(r, STATE_DATES) for r in rows]


COUNTS_CACHE_SIZE = 256


def plan_key(ref: str) -> str:
    """How a typed plan code is matched (``view_plans.code_key``): spaces collapsed, any case."""
    return " ".join(ref.split()).casefold()


def code_key(ref: str) -> str:
    """How a typed action code is matched (``view_actions.code_key``)."""
    return ref.strip().casefold()


ACTION_IN_PLAN = (
    "SELECT a.plan_code, a.code FROM view_actions a JOIN view_plans p ON p.code = a.plan_code"
    " WHERE p.code_key = :plan_key AND a.code_key = :code_key"
)


class Reads:
    """The questions above, over whatever ``connect`` opens (a plain connection, or an engine's)."""

    def __init__(self, connect: Connect) -> None:
        self.connect = connect
        self._counts_cache: dict[tuple[Any, ...], dict[int | None, Counter]] = {}
        self._cache_lock = threading.Lock()  # the web app asks from several threads

    # ----- plans and people -------------------------------------------------------------

    def plans(self) -> list[dict[str, Any]]:
        with self.connect() as sql:
            # The count is kept in the plan's row by the projector: no count over every action.
            return sql.all(
                "SELECT code, title, description, timezone, warning_days, sponsor, action_count AS actions FROM view_plans ORDER BY code"
            )

    def resolve_plan(self, ref: str) -> dict[str, Any]:
        with self.connect() as sql:
            row = sql.first("SELECT * FROM view_plans WHERE code_key = :key", key=plan_key(ref))
            codes = [] if row is not None else [r["code"] for r in sql.all("SELECT code FROM view_plans")]
        if row is None:
            raise PlanNotFoundError(f"plan {clipped(ref)} not found{suggestion(ref, codes)}", cli_hint="see `plantrail plans`")
        return dates(row, ["created_on"])

    def priorities(self, plan_code: str) -> list[dict[str, Any]]:
        with self.connect() as sql:
            return sql.all(
                "SELECT number, name, description FROM view_priorities WHERE plan_code = :plan_code ORDER BY number", plan_code=plan_code
            )

    def is_registered(self, name: str) -> bool:
        """Whether ``name`` is a registered person's name exactly as registered (by the key)."""
        with self.connect() as sql:
            return sql.first("SELECT 1 AS found FROM view_people WHERE name = :name", name=name) is not None

    def person_names(self) -> list[str]:
        """Every registered person's name, as registered."""
        with self.connect() as sql:
            return [r["name"] for r in sql.all("SELECT name FROM view_people ORDER BY name")]

    def people(self) -> list[dict[str, Any]]:
        """Every registered person with how many actions they own and ``permissions``: their
        granted roles in words (``domain.access.permissions_in_words``), for the CLI's ``people``
        and the web's People page alike."""
        grants = self.granted_roles()
        with self.connect() as sql:
            owned = {
                r["person_name"]: r["n"]
                for r in sql.all("SELECT person_name, COUNT(action_id) AS n FROM view_action_owners GROUP BY person_name")
            }
            rows = sql.all("SELECT name, initials, email, role, manager FROM view_people ORDER BY name")
        return [r | {"actions": owned.get(r["name"], 0), "permissions": permissions_in_words(grants.get(r["name"], []))} for r in rows]

    def granted_roles(self) -> dict[str, list[tuple[str, str | None]]]:
        """Every person's granted roles as (role, plan or None), by name, in one statement (the
        people listing's permissions; a refusal's "who can")."""
        found: dict[str, list[tuple[str, str | None]]] = {}
        with self.connect() as sql:
            for r in sql.all("SELECT person_name, role, plan_code FROM view_person_roles ORDER BY person_name, role, plan_code"):
                found.setdefault(r["person_name"], []).append((r["role"], r["plan_code"] or None))
        return found

    # ----- one action, a plan's actions ---------------------------------------------------

    def resolve_action(self, ref: str) -> tuple[str, str]:
        """``PLAN/CODE`` or a bare code that only one plan uses → (plan code, action code)."""
        plan_ref, slash, code_ref = ref.partition("/")
        if not slash:
            plan_ref, code_ref = "", ref
        if slash:
            # The usual case, a known action of a known plan, in one query; otherwise the two
            # below, which say which of the two is unknown.
            with self.connect() as sql:
                found = sql.all(ACTION_IN_PLAN, plan_key=plan_key(plan_ref), code_key=code_key(code_ref))
            if len(found) == 1:
                return found[0]["plan_code"], found[0]["code"]
        query = "SELECT plan_code, code FROM view_actions WHERE code_key = :code_key"
        plan_code = self.resolve_plan(plan_ref)["code"] if plan_ref else None
        if plan_code is not None:
            query += " AND plan_code = :plan_code"
        with self.connect() as sql:
            matches = sql.all(query, code_key=code_key(code_ref), plan_code=plan_code)
        if not matches:
            raise ActionNotFoundError(f"action {clipped(ref)} not found")
        if len(matches) > 1:
            plans = ", ".join(f"{m['plan_code']}/{m['code']}" for m in matches)
            raise AmbiguousActionError(f"action {clipped(ref)} is in more than one plan; say which: {plans}")
        return matches[0]["plan_code"], matches[0]["code"]

    def action(self, plan_code: str, code: str, *, as_at: date, known_at: datetime | None = None) -> dict[str, Any]:
        """One action: only its own rows are read, however big its plan."""
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
        with self.connect() as sql:
            plan = sql.first("SELECT warning_days FROM view_plans WHERE code = :plan_code", plan_code=plan_code)
            if plan is None:
                raise PlanNotFoundError(f"plan {clipped(plan_code)} not found")
            rows = states(sql, plan_code, as_at, known_at, code=code, codes=codes, owner=owner)
            for r in rows:
                r["owners"] = json.loads(r["owners"])
            if owner is not None:
                rows = [r for r in rows if name_key(owner) in {name_key(o) for o in r["owners"]}]
            if priority_number is not None:
                rows = [r for r in rows if r["priority_number"] == priority_number]
            children = self._children(sql, plan_code, {r["id"] for r in rows}, as_at, known_at) if with_children else None
            priorities = {
                p["number"]: p["name"] for p in sql.all("SELECT number, name FROM view_priorities WHERE plan_code = :p", p=plan_code)
            }
            one = rows[0]["id"] if code is not None and len(rows) == 1 else None
            awaiting = awaiting_by_action(sql, plan_code, as_at, known(known_at), action_id=one)
        return [
            _action_dict(r, plan["warning_days"], priorities, children, as_at) | {"awaiting_sign_off": awaiting.get(r["id"], [])}
            for r in rows
        ]

    @staticmethod
    def _children(sql: Sql, plan_code: str, wanted: set[str], as_at: date, known_at: datetime | None) -> dict[str, Any]:
        """Sub-actions, notes and texts as at the date, for the wanted actions, one query each."""
        subs: dict[str, list[dict[str, Any]]] = defaultdict(list)
        notes: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
        texts: dict[tuple[str, str], list[str]] = defaultdict(list)
        if not wanted:
            return {"subs": subs, "notes": notes, "texts": texts}
        # Selecting by plan rather than by a long IN list keeps this one indexed scan per table;
        # a few actions (one action's page) are looked up by id instead of scanning the plan.
        among = "(:ids)" if len(wanted) <= FEW_ACTIONS else "(SELECT id FROM view_actions WHERE plan_code = :plan_code)"
        where = f"WHERE action_id IN {among} AND effective_on <= :as_at AND recorded_at <= :known"
        params = {"ids": wanted, "plan_code": plan_code, "as_at": as_at, "known": known(known_at)}
        for r in sql.all(f"SELECT action_id, number, details FROM view_sub_actions {where} ORDER BY number", **params):
            if r["action_id"] in wanted:
                subs[r["action_id"]].append({"number": r["number"], "details": r["details"]})
        query = (
            f"SELECT action_id, sub_number, text, author, effective_on, recorded_at FROM view_notes {where} ORDER BY effective_on, version"
        )
        for r in sql.all(query, **params):
            if r["action_id"] in wanted:
                notes[(r["action_id"], r["sub_number"])].append(
                    {"text": r["text"], "author": r["author"], "effective_on": iso(as_date(r["effective_on"])), "recorded_at": _iso_time(r)}
                )
        for r in sql.all(f"SELECT action_id, kind, text FROM view_action_texts {where} ORDER BY version", **params):
            if r["action_id"] in wanted:
                texts[(r["action_id"], r["kind"])].append(r["text"])
        return {"subs": subs, "notes": notes, "texts": texts}

    # ----- the summary's counts -------------------------------------------------------------

    def status_counts(self, plan_code: str, *, as_at: date, known_at: datetime | None = None) -> dict[int | None, Counter]:
        """Timeliness counts per priority number as at a date: the summary's slim path.

        Remembered per (plan, date, known-at, projector position): a summary as at a committee
        date is asked for again and again (dashboards, charts) and changes only when an event is
        projected, which moves the position in the database, for every process alike."""
        with self.connect() as sql:
            key = (plan_code, as_at, known_at, sql.scalar("SELECT MAX(position) FROM projector_positions"))
            with self._cache_lock:
                cached = self._counts_cache.get(key)
            if cached is not None:
                return {number: Counter(found) for number, found in cached.items()}
            counts = self._status_counts(sql, plan_code, as_at, known_at)
        with self._cache_lock:
            if len(self._counts_cache) >= COUNTS_CACHE_SIZE:
                self._counts_cache.pop(next(iter(self._counts_cache)))
            self._counts_cache[key] = {number: Counter(found) for number, found in counts.items()}
        return counts

    @staticmethod
    def _status_counts(sql: Sql, plan_code: str, as_at: date, known_at: datetime | None) -> dict[int | None, Counter]:
        warning_days = sql.scalar("SELECT warning_days FROM view_plans WHERE code = :plan_code", plan_code=plan_code)
        if warning_days is None:
            raise PlanNotFoundError(f"plan {clipped(plan_code)} not found")
        counts: dict[int | None, Counter] = defaultdict(Counter)
        for row in states(sql, plan_code, as_at, known_at):
            counts[row["priority_number"]][status(cast(HasTimelinessFields, _Row(row)), as_at, warning_days).value] += 1
        return counts

    def awaiting_sign_off_count(self, plan_code: str, *, as_at: date, known_at: datetime | None = None) -> int:
        """How many actions have a claim awaiting sign-off as at the date, as known at the time."""
        with self.connect() as sql:
            return len(awaiting_by_action(sql, plan_code, as_at, known(known_at)))


def _iso_time(row: dict[str, Any]) -> str:
    moment = as_time(row["recorded_at"])
    assert moment is not None  # NOT NULL
    return moment.isoformat()


def _action_dict(
    r: dict[str, Any], warning_days: int, priorities: dict[int, str], children: dict[str, Any] | None, as_at: date
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
        "status": status(cast(HasTimelinessFields, _Row(r)), as_at, warning_days).value,
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
