"""How each event changes the current-state read models.

Action rows of one page are folded in memory and written back in bulk at the end of the page:
a page of 5,000 events touching 300 actions costs a few hundred row writes, not 5,000.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from projections import tables as t
from projections.bulk import bulk_insert, bulk_update

ACTION_PREFIX = "plantrail:Action."
ACTION_ADDED = "plantrail:Action.ActionAdded"
_CHUNK = 500  # bound parameters per IN (...) stay far below every driver's limit


def _upsert(conn: Connection, table: Any, values: dict[str, Any]) -> None:
    """Insert or replace one row by primary key, on SQLite and PostgreSQL alike."""
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    stmt = dialect.insert(table).values(**values)
    keys = [c.name for c in table.primary_key.columns]
    stmt = stmt.on_conflict_do_update(index_elements=keys, set_={k: v for k, v in values.items() if k not in keys})
    conn.execute(stmt)


class PageWriter:
    """Applies one page of decoded events to the read models inside the caller's transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.rows: dict[str, dict[str, Any]] = {}
        self.new_ids: set[str] = set()
        self.changed_ids: set[str] = set()
        self.owners: dict[str, list[str]] = {}
        self.inserts: dict[Any, list[dict[str, Any]]] = defaultdict(list)

    # ----- page life cycle --------------------------------------------------------------

    def preload(self, action_ids: Iterable[str]) -> None:
        wanted = sorted(set(action_ids) - self.rows.keys())
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            for row in self.conn.execute(select(t.actions).where(t.actions.c.id.in_(chunk))).mappings():
                self.rows[row["id"]] = dict(row)

    def apply(self, topic: str, state: dict[str, Any]) -> None:
        handler = HANDLERS.get(topic)
        if handler is None:
            return  # events this projection does not show (e.g. reminders) pass by
        if topic.startswith(ACTION_PREFIX) and topic != ACTION_ADDED:
            row = self.rows[state["originator_id"]]
            row["version"] = state["originator_version"]
            row["last_recorded_at"] = state["timestamp"]
            self.changed_ids.add(row["id"])
        handler(self, state)

    def flush(self) -> None:
        conn = self.conn
        bulk_insert(conn, t.actions, [self.rows[i] for i in self.new_ids])
        bulk_update(conn, t.actions, "id", [self.rows[i] for i in self.changed_ids - self.new_ids])
        owner_ids = list(self.owners)
        for start in range(0, len(owner_ids), _CHUNK):
            chunk = owner_ids[start : start + _CHUNK]
            conn.execute(delete(t.action_owners).where(t.action_owners.c.action_id.in_(chunk)))
        owner_rows = [
            {"action_id": i, "position": n, "person_name": name} for i, names in self.owners.items() for n, name in enumerate(names)
        ]
        bulk_insert(conn, t.action_owners, owner_rows)
        for table, rows in self.inserts.items():
            bulk_insert(conn, table, rows)

    # ----- helpers for handlers ---------------------------------------------------------

    def row(self, state: dict[str, Any]) -> dict[str, Any]:
        return self.rows[state["originator_id"]]


def _action_added(w: PageWriter, s: dict[str, Any]) -> None:
    action_id = s["originator_id"]
    w.rows[action_id] = {
        "id": action_id,
        "plan_code": s["plan_code"],
        "code": s["code"],
        "code_key": s["code"].casefold(),
        "title": s["title"],
        "description": s["description"],
        "priority_number": s["priority_number"],
        "priority": s["priority"],
        "due_date": s["due_date"],
        "original_due_date": s["due_date"],
        "due_date_revisions": 0,
        "progress": 0,
        "lifecycle": "open",
        "added_on": s["effective_on"],
        "last_update_on": None,
        "last_recorded_at": s["timestamp"],
        "version": s["originator_version"],
    }
    w.new_ids.add(action_id)
    w.owners[action_id] = list(s["owners"])


def _touch(row: dict[str, Any], on: date) -> None:
    if row["last_update_on"] is None or on > row["last_update_on"]:
        row["last_update_on"] = on


def _progress_updated(w: PageWriter, s: dict[str, Any]) -> None:
    row = w.row(s)
    row["progress"] = s["progress"]
    _touch(row, s["effective_on"])


def _note_row(s: dict[str, Any], sub_number: int) -> dict[str, Any]:
    return {
        "action_id": s["originator_id"],
        "sub_number": sub_number,
        "version": s["originator_version"],
        "text": s["text"],
        "author": s["author"],
        "effective_on": s["effective_on"],
        "recorded_at": s["timestamp"],
    }


def _note_added(w: PageWriter, s: dict[str, Any]) -> None:
    _touch(w.row(s), s["effective_on"])
    w.inserts[t.notes].append(_note_row(s, 0))


def _sub_action_added(w: PageWriter, s: dict[str, Any]) -> None:
    w.inserts[t.sub_actions].append({"action_id": s["originator_id"], "number": s["number"], "details": s["details"]})


def _sub_action_note_added(w: PageWriter, s: dict[str, Any]) -> None:
    _touch(w.row(s), s["effective_on"])
    w.inserts[t.notes].append(_note_row(s, s["number"]))


def _due_date_revised(w: PageWriter, s: dict[str, Any]) -> None:
    row = w.row(s)
    if row["original_due_date"] is None:
        row["original_due_date"] = s["due_date"]
    row["due_date"] = s["due_date"]
    row["due_date_revisions"] += 1


def _owners_changed(w: PageWriter, s: dict[str, Any]) -> None:
    w.owners[s["originator_id"]] = list(s["owners"])


def _setter(**fields: Callable[[dict[str, Any]], Any]) -> Callable[[PageWriter, dict[str, Any]], None]:
    def handle(w: PageWriter, s: dict[str, Any]) -> None:
        w.row(s).update({name: get(s) for name, get in fields.items()})

    return handle


def _text_added(kind: str) -> Callable[[PageWriter, dict[str, Any]], None]:
    def handle(w: PageWriter, s: dict[str, Any]) -> None:
        w.inserts[t.action_texts].append(
            {"action_id": s["originator_id"], "kind": kind, "version": s["originator_version"], "text": s["text"]}
        )

    return handle


def _plan_created(w: PageWriter, s: dict[str, Any]) -> None:
    _upsert(
        w.conn,
        t.plans,
        {
            "code": s["code"],
            "id": s["originator_id"],
            "code_key": s["code"].casefold(),
            "title": s["title"],
            "description": s["description"],
            "timezone": s["timezone"],
            "warning_days": s["warning_days"],
            "sponsor": s["sponsor"],
            "created_on": s["effective_on"],
        },
    )


def _plan_code(w: PageWriter, s: dict[str, Any]) -> str:
    # Events after PlanCreated carry only the plan's id; PlanCreated was written before them.
    return w.conn.execute(select(t.plans.c.code).where(t.plans.c.id == s["originator_id"])).scalar_one()


def _priority_added(w: PageWriter, s: dict[str, Any]) -> None:
    _upsert(w.conn, t.priorities, {"plan_code": _plan_code(w, s), "number": s["number"], "name": s["name"], "description": s["description"]})


def _committee_scheduled(w: PageWriter, s: dict[str, Any]) -> None:
    _upsert(
        w.conn,
        t.committee_dates,
        {"plan_code": _plan_code(w, s), "meets_on": s["meets_on"], "committee": s["committee"], "report_deadline": s["report_deadline"]},
    )


def _person_registered(w: PageWriter, s: dict[str, Any]) -> None:
    _upsert(
        w.conn,
        t.people,
        {"id": s["originator_id"], "name": s["name"], "initials": s["initials"], "email": s["email"], "role": s["role"], "manager": s["manager"]},
    )


def _person_contact_changed(w: PageWriter, s: dict[str, Any]) -> None:
    w.conn.execute(
        update(t.people)
        .where(t.people.c.id == s["originator_id"])
        .values(email=s["email"], manager=s["manager"], role=s["role"])
    )


HANDLERS: dict[str, Callable[[PageWriter, dict[str, Any]], None]] = {
    ACTION_ADDED: _action_added,
    "plantrail:Action.ProgressUpdated": _progress_updated,
    "plantrail:Action.NoteAdded": _note_added,
    "plantrail:Action.SubActionAdded": _sub_action_added,
    "plantrail:Action.SubActionNoteAdded": _sub_action_note_added,
    "plantrail:Action.DueDateRevised": _due_date_revised,
    "plantrail:Action.OwnersChanged": _owners_changed,
    "plantrail:Action.PriorityChanged": _setter(priority=lambda s: s["priority"]),
    "plantrail:Action.ActionCompleted": _setter(lifecycle=lambda s: "completed", progress=lambda s: 100),
    "plantrail:Action.ActionCancelled": _setter(lifecycle=lambda s: "cancelled"),
    "plantrail:Action.ActionReopened": _setter(lifecycle=lambda s: "open"),
    "plantrail:Action.ActionPutOnHold": _setter(lifecycle=lambda s: "on_hold"),
    "plantrail:Action.DescriptionRevised": _setter(title=lambda s: s["title"], description=lambda s: s["description"]),
    "plantrail:Action.SuccessMeasureAdded": _text_added("success_measure"),
    "plantrail:Action.EvidenceAdded": _text_added("evidence"),
    "plantrail:Plan.PlanCreated": _plan_created,
    "plantrail:Plan.PriorityAdded": _priority_added,
    "plantrail:Plan.CommitteeDateScheduled": _committee_scheduled,
    "plantrail:Person.PersonRegistered": _person_registered,
    "plantrail:Person.PersonContactChanged": _person_contact_changed,
}
