"""The facts the policy needs, read from the projections' tables (never from the event store)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import Engine, func, select

from domain.ids import normalise_key
from projections import tables as t
from projections.owner_queries import round_updates
from projections.reads import states
from projections.sql import sql_in
from scheduler.policy import ActionFacts, Committee, PlanFacts

TOUCH_TYPES = ("ProgressUpdated", "NoteAdded", "SubActionNoteAdded")


@dataclass(frozen=True)
class Person:
    name: str
    email: str | None
    manager: str | None


def same_name(name: str) -> str:
    return name


class Directory:
    """Registered people, found by name whatever its case or spacing ("ann owner" is Ann Owner),
    the way person ids are derived. A name nobody registered keeps the first spelling seen."""

    def __init__(self, people: Iterable[Person]) -> None:
        self._by_key = {normalise_key(p.name): p for p in people}
        self._canonical: dict[str, str] = {}
        self._unregistered: dict[str, str] = {}

    def find(self, name: str) -> Person | None:
        return self._by_key.get(normalise_key(name))

    def canonical(self, name: str) -> str:
        """The registered spelling of ``name``. Cached: a sweep asks once per owner per action."""
        found = self._canonical.get(name)
        if found is None:
            person = self.find(name)
            if person is not None:
                found = person.name
            else:
                found = self._unregistered.setdefault(normalise_key(name), " ".join(name.split()))
            self._canonical[name] = found
        return found

    def managers(self) -> dict[str, str | None]:
        """Each registered person's manager, both by their registered names."""
        return {p.name: self.canonical(p.manager) if p.manager else None for p in self._by_key.values()}


def directory(engine: Engine) -> Directory:
    with engine.connect() as conn:
        return Directory(Person(r.name, r.email, r.manager) for r in conn.execute(select(t.people)))


def plans(engine: Engine, canonical: Callable[[str], str] = same_name) -> list[PlanFacts]:
    with engine.connect() as conn:
        committees: dict[str, list[Committee]] = defaultdict(list)
        for row in conn.execute(select(t.committee_dates).order_by(t.committee_dates.c.meets_on)):
            committees[row.plan_code].append(Committee(row.meets_on, row.committee, row.report_deadline))
        return [
            PlanFacts(r.code, r.title, canonical(r.sponsor) if r.sponsor else None, tuple(committees.get(r.code, [])))
            for r in conn.execute(select(t.plans).order_by(t.plans.c.code))
        ]


def actions(
    engine: Engine,
    plan_code: str,
    as_of: date,
    *,
    current: bool,
    canonical: Callable[[str], str] = same_name,
    round_since: date | None = None,
) -> list[ActionFacts]:
    """Each action's state on ``as_of``, owners by their registered names. ``current``: as_of is
    today, so the current-state view already holds the last update date; for another day it is
    worked out from the audit trail. ``round_since``: the opening of the plan's running update
    round (``policy.round_opened_since``), to read who answered it; None when none runs."""
    answered = round_updates(engine, plan_code, round_since, until=as_of) if round_since is not None else {}
    with engine.connect() as conn:
        if current:
            a = t.actions
            owners: dict[str, list[str]] = defaultdict(list)
            owner_query = select(t.action_owners).join(a, a.c.id == t.action_owners.c.action_id).where(a.c.plan_code == plan_code)
            ao = t.action_owners
            for action_id, name in conn.execute(
                owner_query.with_only_columns(ao.c.action_id, ao.c.person_name).order_by(ao.c.position)
            ).all():
                owners[action_id].append(canonical(name))
            columns = (a.c.id, a.c.code, a.c.title, a.c.due_date, a.c.progress, a.c.lifecycle, a.c.added_on, a.c.last_update_on)
            current_rows = conn.execute(select(*columns).where(a.c.plan_code == plan_code)).all()
            return [
                ActionFacts(
                    plan_code,
                    code,
                    title,
                    tuple(owners.get(action_id, ())),
                    due,
                    progress,
                    lifecycle,
                    added_on,
                    last_update_on,
                    answered.get(code),
                )
                for action_id, code, title, due, progress, lifecycle, added_on, last_update_on in current_rows
            ]
        e = t.events
        last_updates = dict(
            conn.execute(
                select(e.c.action_code, func.max(e.c.effective_on))
                .where(e.c.plan_code == plan_code, e.c.type.in_(TOUCH_TYPES), e.c.effective_on <= as_of)
                .group_by(e.c.action_code)
            ).all()
        )
        rows = states(sql_in(conn), plan_code, as_of, None)
        return [
            ActionFacts(
                plan_code,
                r["code"],
                r["title"],
                tuple(canonical(name) for name in orjson.loads(r["owners"])),
                r["due_date"],
                r["progress"],
                r["lifecycle"],
                r["added_on"],
                last_updates.get(r["code"]),
                answered.get(r["code"]),
            )
            for r in rows
        ]


def last_chases(engine: Engine, meets_from: date) -> dict[tuple[str, str, date], datetime]:
    """Per (plan, action, committee meeting) on or after ``meets_from``, when a clerk last chased the
    action's owners for that meeting's round (``plantrail.rounds.chase``), in UTC."""
    r = t.reminders
    query = (
        select(r.c.plan_code, r.c.action_code, r.c.about, func.max(r.c.recorded_at))
        .where(r.c.rule == "committee_round", r.c.about >= meets_from, r.c.sweep_id.like("chase/%"))
        .group_by(r.c.plan_code, r.c.action_code, r.c.about)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return {(plan, code, about): at if at.tzinfo else at.replace(tzinfo=UTC) for plan, code, about, at in rows}


def raised_keys(engine: Engine, keys: list[str]) -> set[str]:
    found: set[str] = set()
    with engine.connect() as conn:
        for start in range(0, len(keys), 500):
            found.update(conn.execute(select(t.reminders.c.key).where(t.reminders.c.key.in_(keys[start : start + 500]))).scalars())
    return found


def latest_notes(engine: Engine, plan_code: str, codes: set[str], as_of: date) -> dict[str, dict[str, Any]]:
    """The latest overall note on or before ``as_of`` for each given action."""
    if not codes:
        return {}
    a, n = t.actions, t.notes
    found: dict[str, dict[str, Any]] = {}
    with engine.connect() as conn:
        ids = dict(conn.execute(select(a.c.id, a.c.code).where(a.c.plan_code == plan_code)).all())
        wanted = [i for i, c in ids.items() if c in codes]
        for start in range(0, len(wanted), 500):
            query = (
                select(n.c.action_id, n.c.text, n.c.effective_on)
                .where(n.c.action_id.in_(wanted[start : start + 500]), n.c.sub_number == 0, n.c.effective_on <= as_of)
                .order_by(n.c.effective_on, n.c.version)
            )
            for row in conn.execute(query):
                found[ids[row.action_id]] = {"text": row.text, "effective_on": row.effective_on.isoformat()}
    return found


def reminders_after(engine: Engine, position: int) -> list[dict[str, Any]]:
    """Reminders raised after a notification position, oldest first, with recipients decoded."""
    query = select(t.reminders).where(t.reminders.c.position > position).order_by(t.reminders.c.position)
    with engine.connect() as conn:
        return [
            dict(r) | {"recipients": orjson.loads(r["recipients"]), "details": orjson.loads(r["details"])}
            for r in conn.execute(query).mappings()
        ]
