"""How each event changes the read models: current state, bitemporal timeline and audit trail.

Action rows of one page are folded in memory and written back in bulk at the end of the page:
a page of 10,000 events touching 300 actions costs a few hundred row writes, not 10,000.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import Connection, bindparam, delete, select, update

from projections import sign_off
from projections import tables as t
from projections.action_fold import ACTION_ADDED, ACTION_PREFIX, STATE_FIELDS, TOUCHES, event_changes
from projections.audit import RECORDED_TIME_TOLERANCE, recorded_time_flag
from projections.bulk import bulk_insert, bulk_insert_rows, bulk_update, date_text, datetime_text
from projections.other_events import OTHER_HANDLERS
from projections.queries import utc
from projections.timeline import LoadEvents, Timelines, is_head

_CHUNK = 500  # bound parameters per IN (...) stay far below every driver's limit
_HEAD = "head_"  # the prefix of the head's columns in ACTIONS_WITH_HEADS


def _actions_with_heads() -> Any:
    """The actions by id, each with its timeline's head (``projections.timeline``), its
    columns named head_…: one query where there were three (the actions, their owners, their
    heads). The owners are the head's: the projector writes view_action_owners from the very
    state it writes into the head."""
    a, s = t.actions, t.action_states
    head = [column.label(_HEAD + column.name) for column in s.columns if column.name != "id"]
    return select(a, *head).select_from(a.outerjoin(s, is_head(a.c.id))).where(a.c.id.in_(bindparam("ids", expanding=True)))


# Built once (a statement's construction costs more than running it for the one action of a
# web update).
ACTIONS_WITH_HEADS = _actions_with_heads()
PREVIOUS_RECORDED = (
    select(t.events.c.recorded_at).where(t.events.c.position < bindparam("position")).order_by(t.events.c.position.desc()).limit(1)
)
_ACTION_COLUMNS = [c.name for c in t.actions.columns]
_EVENT_COLUMNS = [
    "position",
    "originator_id",
    "version",
    "aggregate",
    "plan_code",
    "action_code",
    "subject",
    "type",
    "actor",
    "effective_on",
    "recorded_at",
    "reason",
    "changes",
    "text",
    "source",
    "first_seen_at",
    "time_flag",
]


class NotRead:
    """Marks a value not read yet (where None is a value: no event before the page)."""


NOT_READ = NotRead()


@lru_cache(maxsize=512)  # a few dozen topics, met once per event
def event_type(topic: str) -> str:
    """``plantrail:Action.ProgressUpdated`` -> ``ProgressUpdated``."""
    return topic.rsplit(".", 1)[-1]


class PageWriter:
    """Applies one page of decoded events to the read models inside the caller's transaction."""

    def __init__(
        self,
        conn: Connection,
        load_events: LoadEvents,
        first_seen: dict[int, datetime | None] | None = None,
        *,
        previous_recorded: datetime | NotRead | None = NOT_READ,
    ) -> None:
        """``previous_recorded``: the recorded time of the event stored before the page, when
        the caller has read it (``PREVIOUS_RECORDED``); otherwise the first event reads it."""
        self.conn = conn
        self.first_seen = first_seen or {}
        self._previous_loaded = not isinstance(previous_recorded, NotRead)
        self.previous_recorded: datetime | None = None if isinstance(previous_recorded, NotRead) else previous_recorded
        self.timelines = Timelines(conn, load_events)
        self.rows: dict[str, dict[str, Any]] = {}
        self.applied: dict[str, dict[str, Any]] = {}  # the state last copied into each row (states are never changed in place)
        self.new_ids: set[str] = set()
        self.changed_ids: set[str] = set()
        self.owners_changed: set[str] = set()
        self.actions_added: dict[str, int] = defaultdict(int)  # plan code -> actions added in this page
        self.inserts: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        self.event_rows: list[tuple[Any, ...]] = []
        self.note_rows: list[tuple[Any, ...]] = []
        self.as_text = conn.dialect.name == "sqlite"
        self._seen_for: datetime | None = None
        self._seen_limit = datetime.min

    # ----- page life cycle --------------------------------------------------------------

    def preload(self, action_ids: Iterable[str]) -> None:
        """Read the rows and timeline heads of the actions the page changes."""
        wanted = sorted(set(action_ids) - self.rows.keys())
        for start in range(0, len(wanted), _CHUNK):
            for found in self.conn.execute(ACTIONS_WITH_HEADS, {"ids": wanted[start : start + _CHUNK]}).mappings():
                row = {name: found[name] for name in _ACTION_COLUMNS}
                row["owners"] = []
                if found[_HEAD + "action_id"] is not None:
                    row["owners"] = list(self.timelines.adopt_head(found, _HEAD)["state"]["owners"])
                self.rows[row["id"]] = row

    def apply(self, position: int, topic: str, s: dict[str, Any]) -> None:
        if topic.startswith(ACTION_PREFIX):
            self._apply_action_event(position, topic, s)
            return
        handler = OTHER_HANDLERS.get(topic)
        if handler is not None:  # an unknown topic (from a newer plantrail) passes by
            s["_position"] = position
            subject, plan_code, action_code, event_changes, text = handler(self, s)
            aggregate = topic.split(":", 1)[1].split(".", 1)[0].lower()  # plan, person or reminder
            self._history(
                position,
                topic,
                s,
                aggregate=aggregate,
                subject=subject,
                plan_code=plan_code,
                action_code=action_code,
                event_changes=event_changes,
                text=text,
            )

    def flush(self) -> None:
        conn = self.conn
        self.timelines.flush()
        bulk_insert(conn, t.actions, [{c: self.rows[i][c] for c in _ACTION_COLUMNS} for i in self.new_ids])
        bulk_update(conn, t.actions, "id", [{c: self.rows[i][c] for c in _ACTION_COLUMNS} for i in self.changed_ids - self.new_ids])
        owner_ids = sorted(self.owners_changed - self.new_ids)
        for start in range(0, len(owner_ids), _CHUNK):
            conn.execute(delete(t.action_owners).where(t.action_owners.c.action_id.in_(owner_ids[start : start + _CHUNK])))
        bulk_insert(
            conn,
            t.action_owners,
            [
                {"action_id": i, "position": n, "person_name": name}
                for i in self.owners_changed
                for n, name in enumerate(self.rows[i]["owners"])
            ],
        )
        bulk_insert_rows(conn, t.events, _EVENT_COLUMNS, self.event_rows, converted=True)
        bulk_insert_rows(conn, t.notes, _NOTE_COLUMNS, self.note_rows, converted=True)
        for table, rows in self.inserts.items():
            bulk_insert(conn, table, rows)
        for plan_code, added in self.actions_added.items():
            conn.execute(update(t.plans).where(t.plans.c.code == plan_code).values(action_count=t.plans.c.action_count + added))

    # ----- actions ----------------------------------------------------------------------

    def _apply_action_event(self, position: int, topic: str, s: dict[str, Any]) -> None:
        action_id = s["originator_id"]
        if topic == ACTION_ADDED:
            self.rows[action_id] = {
                "id": action_id,
                "plan_code": s["plan_code"],
                "code": s["code"],
                "code_key": s["code"].casefold(),
                "added_on": s["effective_on"],
                "owners": [],
                "last_update_on": None,
            }
            self.new_ids.add(action_id)
            self.actions_added[s["plan_code"]] += 1
        row = self.rows[action_id]
        before, after, now = self.timelines.apply(action_id, row["plan_code"], topic, s)
        if self.applied.get(action_id) is not now:  # a note leaves the state object as it was
            if now["owners"] != row["owners"]:
                self.owners_changed.add(action_id)
            row.update(now)
            self.applied[action_id] = now
        if topic in TOUCHES and (row["last_update_on"] is None or s["effective_on"] > row["last_update_on"]):
            row["last_update_on"] = s["effective_on"]
        row["version"] = s["originator_version"]
        row["last_recorded_at"] = s["timestamp"]
        self.changed_ids.add(action_id)
        side_effect = ACTION_SIDE_TABLES.get(topic)
        described = side_effect(self, s) if side_effect else None  # sign-off events describe themselves
        self._history(
            position,
            topic,
            s,
            aggregate="action",
            subject=None,  # "plan/action": derived when read (tables.subject_of), not stored per event
            plan_code=row["plan_code"],
            action_code=row["code"],
            event_changes=event_changes(topic, s, before, after),
            # A note's text is kept once, in view_notes; the trail reads it from there (audit.py).
            text=None if topic in NOTE_TOPICS else described or s.get("text") or s.get("details"),
        )

    def _history(
        self,
        position: int,
        topic: str,
        s: dict[str, Any],
        *,
        aggregate: str,
        subject: str | None,
        plan_code: str | None,
        action_code: str | None,
        event_changes: dict[str, list[Any]],
        text: str | None,
    ) -> None:
        recorded = s["timestamp"]
        if not self._previous_loaded:  # the event stored before this page's first
            last = self.conn.execute(PREVIOUS_RECORDED, {"position": position}).scalar()
            self.previous_recorded = utc(last) if last is not None else None
            self._previous_loaded = True
        seen = self.first_seen.get(position)
        previous = self.previous_recorded
        flag = None
        # Honest events are recorded after the one before them and before the projector sees
        # them: only a recorded time earlier than either is worth the full (tolerant) check.
        if (previous is not None and recorded < previous) or (seen is not None and recorded < self._tolerated(seen)):
            flag = recorded_time_flag(recorded, previous, seen)
        self.previous_recorded = recorded
        on = s["effective_on"]
        if self.as_text:  # SQLite: dates as the text SQLAlchemy reads back, converted here once
            on, recorded, seen = date_text(on), datetime_text(recorded), datetime_text(seen)  # type: ignore[assignment]
        # A tuple in _EVENT_COLUMNS' order: one row per event, so no dict to build and unpack.
        self.event_rows.append(
            (
                position,
                s["originator_id"],
                s["originator_version"],
                aggregate,
                plan_code,
                action_code,
                subject,
                event_type(topic),
                s["actor"],
                on,
                recorded,
                s.get("reason"),
                orjson.dumps(event_changes).decode() if event_changes else "{}",
                text,
                s.get("source"),
                seen,
                flag,
            )
        )

    def _tolerated(self, seen: datetime) -> datetime:
        """The earliest recorded time not flagged against ``seen`` (one first-seen time per page)."""
        if seen is not self._seen_for:
            self._seen_for, self._seen_limit = seen, seen - RECORDED_TIME_TOLERANCE
        return self._seen_limit


# ----- side tables of actions ---------------------------------------------------------------


NOTE_TOPICS = frozenset({"plantrail:Action.NoteAdded", "plantrail:Action.SubActionNoteAdded"})
_NOTE_COLUMNS = ["action_id", "sub_number", "version", "text", "author", "effective_on", "recorded_at"]


def _note(w: PageWriter, s: dict[str, Any], sub_number: int) -> None:
    """A note (half of all events) as a tuple in _NOTE_COLUMNS' order, its dates as stored."""
    on, recorded = s["effective_on"], s["timestamp"]
    if w.as_text:
        on, recorded = date_text(on), datetime_text(recorded)
    w.note_rows.append((s["originator_id"], sub_number, s["originator_version"], s["text"], s["author"], on, recorded))


def _text_added(kind: str) -> Callable[[PageWriter, dict[str, Any]], None]:
    def add(w: PageWriter, s: dict[str, Any]) -> None:
        w.inserts[t.action_texts].append(
            {
                "action_id": s["originator_id"],
                "kind": kind,
                "version": s["originator_version"],
                "text": s["text"],
                "effective_on": s["effective_on"],
                "recorded_at": s["timestamp"],
            }
        )

    return add


ACTION_SIDE_TABLES: dict[str, Callable[[PageWriter, dict[str, Any]], str | None]] = {
    "plantrail:Action.NoteAdded": lambda w, s: _note(w, s, 0),
    "plantrail:Action.SubActionNoteAdded": lambda w, s: _note(w, s, s["number"]),
    "plantrail:Action.SubActionAdded": lambda w, s: w.inserts[t.sub_actions].append(
        {
            "action_id": s["originator_id"],
            "number": s["number"],
            "details": s["details"],
            "effective_on": s["effective_on"],
            "recorded_at": s["timestamp"],
        }
    ),
    "plantrail:Action.SuccessMeasureAdded": _text_added("success_measure"),
    "plantrail:Action.EvidenceAdded": _text_added("evidence"),
    "plantrail:Action.ChangeSubmitted": sign_off.claim_submitted,
    "plantrail:Action.ChangeApproved": sign_off.claim_approved,
    "plantrail:Action.ChangeRejected": sign_off.claim_rejected,
}


assert set(STATE_FIELDS) - {"owners"} <= set(_ACTION_COLUMNS)
assert set(_EVENT_COLUMNS) == {c.name for c in t.events.columns} and set(_NOTE_COLUMNS) == {c.name for c in t.notes.columns}
