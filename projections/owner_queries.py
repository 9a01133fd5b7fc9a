"""Questions about a person and the actions they own: who is signing in, what they may do, what
they own, what they were last reminded of. Part of ``Queries`` (a mixin, to keep modules small)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import Engine, Select, and_, bindparam, func, literal, null, or_, select, union_all

from domain.errors import ActionNotFoundError
from projections import tables as t
from projections.action_fold import TOUCHES
from projections.reads import code_key, plan_key

# The audit trail's names of the events that count as updating an action (``TOUCHES``).
ROUND_UPDATE_TYPES = sorted(topic.rsplit(".", 1)[-1] for topic in TOUCHES)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


# The action ``plan_code``/``code`` by the (plan_code, code_key) index: the code alone is not
# indexed, and filtering on it scans the whole plan (10,000 rows in the web benchmark). Bound
# as ``plan_code``, ``code_key`` (``code.casefold()``) and ``code`` (``same_code``).
_SAME_CODE = and_(
    t.actions.c.plan_code == bindparam("plan_code"), t.actions.c.code_key == bindparam("code_key"), t.actions.c.code == bindparam("code")
)


def same_code(plan_code: str, code: str) -> dict[str, str]:
    return {"plan_code": plan_code, "code_key": code.casefold(), "code": code}


# Built once: both are asked on every update POST (who may update it, has it moved since the
# form was loaded).
CURRENT_OWNERS = (
    select(t.action_owners.c.person_name)
    .join(t.actions, t.actions.c.id == t.action_owners.c.action_id)
    .where(_SAME_CODE)
    .order_by(t.action_owners.c.position)
)
ACTION_VERSION = select(t.actions.c.version).where(_SAME_CODE)
# An update POST's three questions in one: which action the address names, who owns it now,
# and its version (has it moved since the form was loaded?).
ACTION_FOR_UPDATE = (
    select(t.actions.c.plan_code, t.actions.c.code, t.actions.c.version, t.action_owners.c.person_name)
    .join(t.plans, t.plans.c.code == t.actions.c.plan_code)
    .outerjoin(t.action_owners, t.action_owners.c.action_id == t.actions.c.id)
    .where(t.plans.c.code_key == bindparam("plan_key"), t.actions.c.code_key == bindparam("code_key"))
    .order_by(t.action_owners.c.position)
)


def among_codes(plan_code: str, codes: list[str]) -> Any:
    """The plan's actions with these codes, by the same index (see ``same_code``)."""
    a = t.actions
    return and_(a.c.plan_code == plan_code, a.c.code_key.in_(sorted({c.casefold() for c in codes})), a.c.code.in_(codes))


def access_fact_queries(name: Any) -> tuple[Select[Any], Select[Any]]:
    """The two halves of ``access_facts`` for ``name`` (a bound name, or a subquery giving one):
    (kind, name, plan_code) rows, "grant" for each role granted, "report" for each person managed."""
    r, p = t.person_roles, t.people
    return (
        select(literal("grant").label("kind"), r.c.role.label("name"), r.c.plan_code).where(r.c.person_name == name),
        select(literal("report").label("kind"), p.c.name, null().label("plan_code")).where(p.c.manager == name),
    )


def access_facts_of(rows: Iterable[Any]) -> tuple[frozenset[tuple[str, str | None]], frozenset[str]]:
    """Granted roles as (role, plan or None), and the people managed, from ``access_fact_queries`` rows."""
    rows = list(rows)
    grants = frozenset((row.name, row.plan_code or None) for row in rows if row.kind == "grant")
    reports = frozenset(row.name for row in rows if row.kind == "report")
    return grants, reports


# One statement, not two, and built once: it is asked on every request of a signed-in person,
# and on PostgreSQL each round trip counts.
ACCESS_FACTS = union_all(*access_fact_queries(bindparam("name")))


class OwnerQueries:
    engine: Engine

    def person_by_email(self, email: str) -> str | None:
        """The one person registered with this address (any case), or None (also when several share it)."""
        wanted = email.strip().casefold()
        if not wanted:
            return None
        with self.engine.connect() as conn:
            names = conn.execute(select(t.people.c.name).where(func.lower(t.people.c.email) == wanted)).scalars().all()
        return names[0] if len(names) == 1 else None

    def access_facts(self, name: str) -> tuple[frozenset[tuple[str, str | None]], frozenset[str]]:
        """A person's granted roles as (role, plan or None), and the people whose manager they are."""
        with self.engine.connect() as conn:
            return access_facts_of(conn.execute(ACCESS_FACTS, {"name": name}))

    def owned_action_refs(self, name: str) -> list[tuple[str, str]]:
        """(plan, code) of every action the person owns now, in any plan."""
        a, o = t.actions, t.action_owners
        query = select(a.c.plan_code, a.c.code).join(o, o.c.action_id == a.c.id).where(o.c.person_name == name)
        with self.engine.connect() as conn:
            return [(p, c) for p, c in conn.execute(query.order_by(a.c.plan_code, a.c.code_key))]

    def latest_reminders(self, plan_code: str, person: str) -> dict[str, dict[str, Any]]:
        """Per action code, the latest reminder of the plan that named ``person`` as a recipient."""
        r = t.reminders
        found: dict[str, dict[str, Any]] = {}
        with self.engine.connect() as conn:
            named = r.c.recipients.contains('"name":' + orjson.dumps(person).decode())
            for row in conn.execute(select(r).where(r.c.plan_code == plan_code, named).order_by(r.c.position)).mappings():
                recipients = json.loads(row["recipients"])
                if any(x["name"] == person for x in recipients):
                    found[row["action_code"]] = {
                        "rule": row["rule"],
                        "raised_on": _iso(row["raised_on"]),
                        "details": json.loads(row["details"]),
                    }
        return found

    def reminder_periods(self, plan_code: str, rule: str, about: date) -> dict[str, int]:
        """Per action code, the highest period of the plan's reminders of ``rule`` about ``about``."""
        r = t.reminders
        query = (
            select(r.c.action_code, func.max(r.c.period))
            .where(r.c.plan_code == plan_code, r.c.rule == rule, r.c.about == about)
            .group_by(r.c.action_code)
        )
        with self.engine.connect() as conn:
            return {code: int(period) for code, period in conn.execute(query).all()}

    def last_chase(self, plan_code: str, about: date) -> tuple[datetime, str] | None:
        """When the plan's update round for the committee on ``about`` was last chased, and by whom."""
        r = t.reminders
        query = (
            select(r.c.recorded_at, r.c.details)
            .where(r.c.plan_code == plan_code, r.c.rule == "committee_round", r.c.about == about, r.c.sweep_id.like("chase/%"))
            .order_by(r.c.recorded_at.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        recorded_at = row.recorded_at if row.recorded_at.tzinfo else row.recorded_at.replace(tzinfo=UTC)
        return recorded_at, str(orjson.loads(row.details).get("chased_by") or "")

    def last_updates(self, plan_code: str, codes: list[str] | None = None) -> dict[str, date | None]:
        """Per action code (all, or ``codes``), the effective date of its latest progress figure
        or note (current view)."""
        a = t.actions
        query = select(a.c.code, a.c.last_update_on).where(a.c.plan_code == plan_code if codes is None else among_codes(plan_code, codes))
        with self.engine.connect() as conn:
            return dict(conn.execute(query).all())

    def round_updates(self, plan_code: str, since: date, codes: list[str] | None = None) -> dict[str, date]:
        """``round_updates`` (below) of the plan's actions, all or ``codes``."""
        return round_updates(self.engine, plan_code, since, codes=codes)

    def current_owners(self, plan_code: str, code: str) -> list[str]:
        """The action's owners now (what "may this person update it?" asks)."""
        with self.engine.connect() as conn:
            return list(conn.execute(CURRENT_OWNERS, same_code(plan_code, code)).scalars())

    def action_for_update(self, plan_ref: str, code_ref: str) -> tuple[str, str, list[str], int] | None:
        """(plan code, action code, owners now, version) of ``plan_ref/code_ref`` as typed in an
        address; None when no such action (``resolve_action`` then says what is unknown)."""
        with self.engine.connect() as conn:
            rows = conn.execute(ACTION_FOR_UPDATE, {"plan_key": plan_key(plan_ref), "code_key": code_key(code_ref)}).all()
        if not rows:
            return None
        first = rows[0]
        return first.plan_code, first.code, [row.person_name for row in rows if row.person_name is not None], int(first.version)

    def action_version(self, plan_code: str, code: str) -> int:
        with self.engine.connect() as conn:
            version = conn.execute(ACTION_VERSION, same_code(plan_code, code)).scalar_one_or_none()
        if version is None:
            raise ActionNotFoundError(f"action {plan_code}/{code} not found")
        return int(version)

    # ----- actions ----------------------------------------------------------------------


def round_updates(
    engine: Engine, plan_code: str, since: date, *, until: date | None = None, codes: list[str] | None = None
) -> dict[str, date]:
    """Per action code (all, or ``codes``), the effective date of its latest update on or after
    ``since`` (and on or before ``until``) that answers an update round: a progress figure, note
    or claim recorded by one of the action's owners or by the manager of one of them
    (``domain.rounds.UpdateRound``). Actions without one are left out."""
    e, a, o, p = t.events, t.actions, t.action_owners, t.people
    query = (
        select(e.c.action_code, func.max(e.c.effective_on))
        .select_from(
            e.join(a, and_(a.c.plan_code == e.c.plan_code, a.c.code == e.c.action_code))
            .join(o, o.c.action_id == a.c.id)
            .outerjoin(p, p.c.name == o.c.person_name)
        )
        .where(
            e.c.plan_code == plan_code,
            e.c.effective_on >= since,
            e.c.type.in_(ROUND_UPDATE_TYPES),
            or_(e.c.actor == o.c.person_name, e.c.actor == p.c.manager),
        )
        .group_by(e.c.action_code)
    )
    if until is not None:
        query = query.where(e.c.effective_on <= until)
    if codes is not None:
        query = query.where(among_codes(plan_code, codes))
    with engine.connect() as conn:
        return dict(conn.execute(query).all())
