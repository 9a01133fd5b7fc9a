"""The audit trail: who changed what, when, why — filtered in SQL over ``view_events``."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import orjson
from sqlalchemy import Engine, and_, func, select

from domain.action_rules import FROM_IMPORT
from domain.errors import BadInputError, NotFoundError
from domain.names import name_key, suggestion, tidy
from projections import tables as t
from projections.csv_out import csv_text
from projections.queries import iso, utc, utc_iso
from projections.sign_off import APPROVED
from projections.wording import changes_text, event_heading

# An entry first stated more than this long after the date it is true is flagged as backdated
# (the rule in full: ``entry``).
BACKDATED_AFTER_DAYS = 7
# An approval and the changes it applies are saved together: recorded within this of each other.
APPROVAL_SAVE = timedelta(seconds=1)
# Decisions true from the moment they are made, whatever date they carry: never backdated. A
# rejection is dated the day it is made (domain.claims.reject_change), but before that rule it
# took the claim's date, and those stored rejections would otherwise read "backdated".
NEVER_BACKDATED = frozenset({"ChangeRejected"})
# A recorded time this much earlier than the event stored before it, or than when the projector
# first saw it, is flagged. Honest writers stay well inside it: timestamps are taken just before
# a save that may wait up to 30 s for a lock, and every command catches the projector up at once;
# a forged event dated years back is far outside it.
RECORDED_TIME_TOLERANCE = timedelta(minutes=15)


def recorded_time_flag(recorded: datetime, previous_recorded: datetime | None, first_seen: datetime | None) -> str | None:
    """Why an event's recorded time cannot be right, or None."""
    if previous_recorded is not None and recorded < previous_recorded - RECORDED_TIME_TOLERANCE:
        return f"recorded time is earlier than the event stored before it ({utc_iso(previous_recorded)})"
    if first_seen is not None and recorded < first_seen - RECORDED_TIME_TOLERANCE:
        return f"recorded time is earlier than when plantrail first saw it ({utc_iso(first_seen)})"
    return None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


class UnknownActorError(NotFoundError):
    """``--actor`` names nobody who has recorded anything."""


def actor_spellings(engine: Engine, name: str) -> list[str]:
    """Every stored spelling of the actor ``name`` (``domain.names``: case and spaces aside).
    Older events may carry a name as it was typed; newer ones the registered spelling."""
    with engine.connect() as conn:
        actors = list(conn.execute(select(t.events.c.actor).distinct()).scalars())
    found = [a for a in actors if name_key(a) == name_key(name)]
    if not found:
        raise UnknownActorError(f"actor: nobody called {tidy(name)!r} has recorded anything{suggestion(name, actors)}", field="actor")
    return found


class UnknownEventTypeError(BadInputError):
    """``--type`` names no kind of event that history shows."""


def declared_event_types() -> set[str]:
    """Every kind of event the domain records, by class name (``ProgressUpdated``)."""
    from domain.action import Action
    from domain.person import Person
    from domain.plan import Plan
    from domain.reminder import Reminder

    names = set()
    for aggregate in (Action, Plan, Person, Reminder):
        for name, member in vars(aggregate).items():
            if isinstance(member, type) and getattr(member, "TOPIC", "").endswith("." + name) and name != "Event":
                names.add(name)
    return names


def event_type_name(engine: Engine, typed: str) -> str:
    """The event type as history shows it (``ProgressUpdated``) for a name typed in any case;
    an unknown one is refused with the list of valid ones."""
    with engine.connect() as conn:
        stored = set(conn.execute(select(t.events.c.type).distinct()).scalars())
    known = sorted(declared_event_types() | stored)
    for name in known:
        if name.casefold() == "".join(typed.split()).casefold():
            return name
    raise UnknownEventTypeError(
        f"type: {typed.strip()!r} is not a kind of event{suggestion(typed, known)} (one of: {', '.join(known)})", field="type"
    )


def _conditions(
    engine: Engine,
    *,
    originator_id: str | None = None,
    plan_code: str | None = None,
    action_code: str | None = None,
    since: date | None = None,
    until: date | None = None,
    actor: str | None = None,
    event_type: str | None = None,
    axis: str = "effective",
) -> tuple[list[Any], list[Any]]:
    """The where clauses on ``view_events`` for these filters, and the order on the chosen axis
    (``effective`` or ``recorded``), oldest first."""
    e = t.events
    where: list[Any] = []
    if originator_id is not None:
        where.append(e.c.originator_id == originator_id)
    if plan_code is not None:
        where.append(e.c.plan_code == plan_code)
    if action_code is not None:
        where.append(e.c.action_code == action_code)
    if actor is not None:
        where.append(e.c.actor.in_(actor_spellings(engine, actor)))
    if event_type is not None:
        where.append(e.c.type == event_type_name(engine, event_type))
    if axis == "effective":
        if since is not None:
            where.append(e.c.effective_on >= since)
        if until is not None:
            where.append(e.c.effective_on <= until)
        return where, [e.c.effective_on, e.c.position]
    if axis == "recorded":
        if since is not None:
            where.append(e.c.recorded_at >= _day_start(since))
        if until is not None:
            where.append(e.c.recorded_at < _day_start(until + timedelta(days=1)))
        return where, [e.c.position]
    raise ValueError(f"axis: must be effective or recorded, got {axis!r}")


def history(engine: Engine, *, limit: int | None = None, offset: int = 0, **filters: Any) -> list[dict[str, Any]]:
    """Every matching event (``_conditions``' filters), oldest first; ``limit`` and ``offset``
    page through them in SQL."""
    e, n = t.events, t.notes
    where, order = _conditions(engine, **filters)
    if limit is not None or offset:
        # The page is found on view_events alone (its index walked, the rows before it skipped),
        # then only its events meet view_notes: joining first would join every skipped event.
        page = select(e.c.position).where(*where).order_by(*order).limit(limit).offset(offset or None)
        where = [e.c.position.in_(page.scalar_subquery())]
    # A note's text is kept once, in view_notes (the projector leaves it out of the trail's row).
    text = func.coalesce(e.c.text, n.c.text).label("text")
    noted = and_(n.c.action_id == e.c.originator_id, n.c.version == e.c.version)
    shown = [c for c in e.c if c.name not in ("text", "subject")]
    query = select(*shown, t.subject_of(), text).select_from(e.outerjoin(n, noted)).where(*where).order_by(*order)
    with engine.connect() as conn:
        rows = list(conn.execute(query).mappings())
        claimed = _claimed_at(conn, rows)
    return [entry(row, claimed.get(row["position"])) for row in rows]


def _late(recorded: datetime, effective_on: date) -> int:
    return (recorded.date() - effective_on).days


def _claimed_at(conn: Any, rows: list[Any]) -> dict[int, datetime]:
    """For an approval and the changes it applied (by position), when the approved claim was
    recorded. Only entries recorded late, not by an import, are looked up: no other can be
    backdated (an imported plan's whole history is late)."""
    late = [
        r
        for r in rows
        if r["aggregate"] == "action"
        and r["source"] != FROM_IMPORT
        and _late(utc(r["recorded_at"]), r["effective_on"]) > BACKDATED_AFTER_DAYS
    ]
    ids = sorted({r["originator_id"] for r in late})
    c = t.claims.c
    claims: dict[str, list[Any]] = {}
    for start in range(0, len(ids), 500):
        query = select(c.action_id, c.effective_on, c.claimed_at, c.closed_at).where(
            c.action_id.in_(ids[start : start + 500]), c.outcome == APPROVED
        )
        for claim in conn.execute(query).mappings():
            claims.setdefault(claim["action_id"], []).append(claim)
    found = {}
    for r in late:
        recorded = utc(r["recorded_at"])
        for claim in claims.get(r["originator_id"], ()):
            decided = utc(claim["closed_at"])
            if claim["effective_on"] == r["effective_on"] and decided <= recorded < decided + APPROVAL_SAVE:
                found[r["position"]] = utc(claim["claimed_at"])
    return found


def history_count(engine: Engine, **filters: Any) -> int:
    """How many events ``history`` with these filters would list unpaged."""
    where, _ = _conditions(engine, **filters)
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.events).where(*where)).scalar_one())


def entry(row: Any, claimed_at: datetime | None = None) -> dict[str, Any]:
    """One event of the trail. ``backdated`` is true when the entry was first stated more than
    ``BACKDATED_AFTER_DAYS`` after the date it is true: first stated is when it was recorded,
    except for an approved claim (the approval and the changes it applies, ``claimed_at``),
    which was stated when the claim was made: the decider only agrees to the claimant's date,
    so an approval is backdated exactly when its claim was. Never backdated: a rejection (a
    decision, dated the day it is made) and an import (``from_import``: the file states the
    plan's history as it was, so every entry of it is late; the trail says where it came from)."""
    recorded = utc(row["recorded_at"])
    late_by = _late(recorded, row["effective_on"])
    stated_late_by = late_by if claimed_at is None else _late(claimed_at, row["effective_on"])
    from_import = row["source"] == FROM_IMPORT
    return {
        "position": row["position"],
        "aggregate": row.get("aggregate"),
        "version": row.get("version"),
        "type": row["type"],
        "plan": row["plan_code"],
        "action": row["action_code"],
        "subject": row["subject"],
        "actor": row["actor"],
        "effective_on": iso(row["effective_on"]),
        "recorded_at": utc_iso(recorded),
        "reason": row["reason"],
        "changes": orjson.loads(row["changes"]),  # 4× json.loads, a row per event of a whole plan
        "text": row["text"],
        "backdated": stated_late_by > BACKDATED_AFTER_DAYS and row["type"] not in NEVER_BACKDATED and not from_import,
        "from_import": from_import,
        "recorded_days_after_effective": late_by,
        "source": row["source"],
        "first_seen_at": utc_iso(row["first_seen_at"]) if row["first_seen_at"] else None,
        "time_flag": row["time_flag"],
    }


HISTORY_CSV_COLUMNS = [
    "position",
    "type",
    "event",
    "plan",
    "action",
    "subject",
    "actor",
    "effective_on",
    "recorded_at",
    "reason",
    "changes",
    "text",
    "backdated",
    "from_import",
]


def _history_rows(entries: list[dict]) -> list[dict]:
    """What the audit page says: the event and its changes in plain words (``projections.wording``:
    "Progress confirmed at 80%", "owners: — → Christine Sutton"), never JSON or a Python list."""
    return [{**e, "event": event_heading(e), "changes": changes_text(e["changes"])} for e in entries]


def history_csv(entries: list[dict[str, Any]]) -> str:
    """The audit trail as CSV (the CLI's ``history --format csv`` and the web's export)."""
    return csv_text(_history_rows(entries), HISTORY_CSV_COLUMNS)
