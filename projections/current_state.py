"""How each event changes the read models: current state, bitemporal timeline and audit trail.

Action rows of one page are folded in memory and written back in bulk at the end of the page:
a page of 10,000 events touching 300 actions costs a few hundred row writes, not 10,000.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from projections import sign_off
from projections import tables as t
from projections.action_fold import ACTION_ADDED, ACTION_PREFIX, STATE_FIELDS, TOUCHES, changes
from projections.audit import RECORDED_TIME_TOLERANCE, recorded_time_flag
from projections.bulk import bulk_insert, bulk_insert_rows, bulk_update, date_text, datetime_text
from projections.queries import utc
from projections.timeline import LoadEvents, Timelines

_CHUNK = 500  # bound parameters per IN (...) stay far below every driver's limit
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


def event_type(topic: str) -> str:
    """``plantrail:Action.ProgressUpdated`` -> ``ProgressUpdated``."""
    return topic.rsplit(".", 1)[-1]


def _upsert(conn: Connection, table: Any, values: dict[str, Any]) -> None:
    """Insert or replace one row by primary key, on SQLite and PostgreSQL alike."""
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    stmt = dialect.insert(table).values(**values)
    keys = [c.name for c in table.primary_key.columns]
    stmt = stmt.on_conflict_do_update(index_elements=keys, set_={k: v for k, v in values.items() if k not in keys})
    conn.execute(stmt)


class PageWriter:
    """Applies one page of decoded events to the read models inside the caller's transaction."""

    def __init__(self, conn: Connection, load_events: LoadEvents, first_seen: dict[int, datetime | None] | None = None) -> None:
        self.conn = conn
        self.first_seen = first_seen or {}
        self.previous_recorded: datetime | None = None
        self._previous_loaded = False
        self.timelines = Timelines(conn, load_events)
        self.rows: dict[str, dict[str, Any]] = {}
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
        wanted = sorted(set(action_ids) - self.rows.keys())
        owners: dict[str, list[str]] = defaultdict(list)
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            for action_row in self.conn.execute(select(t.actions).where(t.actions.c.id.in_(chunk))).mappings():
                self.rows[action_row["id"]] = dict(action_row)
            query = select(t.action_owners).where(t.action_owners.c.action_id.in_(chunk)).order_by(t.action_owners.c.position)
            for row in self.conn.execute(query):
                owners[row.action_id].append(row.person_name)
        for action_id in wanted:
            if action_id in self.rows:
                self.rows[action_id]["owners"] = owners.get(action_id, [])
        self.timelines.preload_heads(wanted)

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
        if now["owners"] != row["owners"]:
            self.owners_changed.add(action_id)
        row.update(now)
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
            event_changes=changes(before, after) if after is not before else {},  # not a state event: nothing changed
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
            last = self.conn.execute(
                select(t.events.c.recorded_at).where(t.events.c.position < position).order_by(t.events.c.position.desc()).limit(1)
            ).scalar()
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


# ----- plans and people (few events: written straight away) -----------------------------------

Changes = dict[str, list[Any]]
Handled = tuple[str, str | None, str | None, Changes, str | None]  # subject, plan, action, changes, text


def _plan_code(w: PageWriter, s: dict[str, Any]) -> str:
    # Events after PlanCreated carry only the plan's id; PlanCreated was written before them.
    return w.conn.execute(select(t.plans.c.code).where(t.plans.c.id == s["originator_id"])).scalar_one()


def _plan_created(w: PageWriter, s: dict[str, Any]) -> Handled:
    values = {
        "code": s["code"],
        "id": s["originator_id"],
        "code_key": s["code"].casefold(),
        "title": s["title"],
        "description": s["description"],
        "timezone": s["timezone"],
        "warning_days": s["warning_days"],
        "sponsor": s["sponsor"],
        "created_on": s["effective_on"],
    }
    _upsert(w.conn, t.plans, values)
    return (
        s["code"],
        s["code"],
        None,
        {k: [None, values[k]] for k in ("title", "timezone", "warning_days", "sponsor") if values[k] is not None},
        None,
    )


def _priority_added(w: PageWriter, s: dict[str, Any]) -> Handled:
    code = _plan_code(w, s)
    _upsert(w.conn, t.priorities, {"plan_code": code, "number": s["number"], "name": s["name"], "description": s["description"]})
    return code, code, None, {"priority_area": [None, f"{s['number']}. {s['name']}"]}, None


def _committee_scheduled(w: PageWriter, s: dict[str, Any]) -> Handled:
    code = _plan_code(w, s)
    values = {"plan_code": code, "meets_on": s["meets_on"], "committee": s["committee"], "report_deadline": s["report_deadline"]}
    _upsert(w.conn, t.committee_dates, values)
    return code, code, None, {"committee_date": [None, f"{s['meets_on'].isoformat()} {s['committee']}"]}, None


def _person_registered(w: PageWriter, s: dict[str, Any]) -> Handled:
    fields = ("initials", "email", "role", "manager")
    _upsert(w.conn, t.people, {"id": s["originator_id"], "name": s["name"], **{k: s[k] for k in fields}})
    return s["name"], None, None, {k: [None, s[k]] for k in ("name", *fields) if s[k] is not None}, None


def _person_contact_changed(w: PageWriter, s: dict[str, Any]) -> Handled:
    old = w.conn.execute(select(t.people).where(t.people.c.id == s["originator_id"])).mappings().one()
    w.conn.execute(
        update(t.people).where(t.people.c.id == s["originator_id"]).values(email=s["email"], manager=s["manager"], role=s["role"])
    )
    return old["name"], None, None, {k: [old[k], s[k]] for k in ("email", "manager", "role") if old[k] != s[k]}, None


def _role_changed(granted: bool) -> Callable[[PageWriter, dict[str, Any]], Handled]:
    def handle(w: PageWriter, s: dict[str, Any]) -> Handled:
        name = w.conn.execute(select(t.people.c.name).where(t.people.c.id == s["originator_id"])).scalar_one()
        key = {"person_name": name, "role": s["role"], "plan_code": s["plan_code"] or ""}
        r = t.person_roles
        w.conn.execute(delete(r).where(r.c.person_name == name, r.c.role == key["role"], r.c.plan_code == key["plan_code"]))
        if granted:
            w.conn.execute(insert(r).values(**key))
        label = f"{s['role']} of {s['plan_code']}" if s["plan_code"] else s["role"]
        return name, s["plan_code"], None, {"role": [None, label] if granted else [label, None]}, None

    return handle


def _sign_off_configured(w: PageWriter, s: dict[str, Any]) -> Handled:
    code = _plan_code(w, s)
    fields = ("sign_off", "sign_off_days", "notify_rejection")
    old = sign_off.settings(w.conn, code)
    _upsert(w.conn, t.sign_off_settings, {"plan_code": code, **{k: s[k] for k in fields}})
    return code, code, None, {k: [old[k], s[k]] for k in fields if old[k] != s[k]}, None


RULE_WORDING = {
    "due_soon": "due-date reminder",
    "overdue": "overdue reminder",
    "stale": "no-update reminder",
    "committee_round": "committee update request",
    "committee_escalation": "committee escalation",
    "sign_off_awaiting": "sign-off request",
    "sign_off_escalation": "sign-off escalation",
    "sign_off_rejected": "rejection notice",
}
# Who a reminder reaches, in the trail: owners are reminded, others escalated to; but a sign-off
# request asks its deciders, and a rejection notice tells the claimant.
RECIPIENT_VERBS = {"sign_off_awaiting": "asked to decide", "sign_off_rejected": "told"}


def _reminder_raised(w: PageWriter, s: dict[str, Any]) -> Handled:
    w.inserts[t.reminders].append(
        {
            "key": s["key"],
            "position": s["_position"],
            "rule": s["rule"],
            "plan_code": s["plan_code"],
            "action_code": s["action_code"],
            "about": s["about"],
            "period": s["period"],
            "recipients": orjson.dumps(s["recipients"]).decode(),
            "details": orjson.dumps(s["details"]).decode(),
            "sweep_id": s["sweep_id"],
            "raised_on": s["effective_on"],
            "recorded_at": s["timestamp"],
        }
    )
    if s["rule"] in RECIPIENT_VERBS:
        named = [f"{r['name']} ({r['role']})" for r in s["recipients"]]
        text = RULE_WORDING[s["rule"]] + (f": {RECIPIENT_VERBS[s['rule']]} {', '.join(named)}" if named else "")
    else:
        reminded = [f"{r['name']} ({r['role']})" for r in s["recipients"] if r["role"] == "owner"]
        escalated = [f"{r['name']} ({r['role']})" for r in s["recipients"] if r["role"] != "owner"]
        text = RULE_WORDING[s["rule"]] + (f": reminded {', '.join(reminded)}" if reminded else "")
        text += f"; escalated to {', '.join(escalated)}" if escalated else ""
    return f"{s['plan_code']}/{s['action_code']}", s["plan_code"], s["action_code"], {"reminder": [None, s["key"]]}, text


def _reminder_undeliverable(w: PageWriter, s: dict[str, Any]) -> Handled:
    text = f"reminder could not reach {s['recipient']}"  # the reason is in the reason column
    return f"{s['plan_code']}/{s['action_code']}", s["plan_code"], s["action_code"], {"undeliverable": [None, s["recipient"]]}, text


def _seal_witnessed(w: PageWriter, s: dict[str, Any]) -> Handled:
    where = f" and sent to {s['sent_to']}" if s["sent_to"] else ""
    return "seal", None, None, {"seal": [None, s["seal"]]}, f"seal of the history up to event {s['position']} recorded{where}"


def _mismatch_accepted(w: PageWriter, s: dict[str, Any]) -> Handled:
    listed = "; ".join(f"{p} {problem}" for p, problem in zip(s["positions"], s["problems"], strict=True))
    return "integrity", None, None, {"accepted_mismatches": [None, s["positions"]]}, f"projected despite chain mismatches: {listed}"


OTHER_HANDLERS: dict[str, Callable[[PageWriter, dict[str, Any]], Handled]] = {
    "plantrail:Reminder.ReminderRaised": _reminder_raised,
    "plantrail:Reminder.ReminderUndeliverable": _reminder_undeliverable,
    "plantrail:Plan.PlanCreated": _plan_created,
    "plantrail:Plan.PriorityAdded": _priority_added,
    "plantrail:Plan.CommitteeDateScheduled": _committee_scheduled,
    "plantrail:Plan.SignOffConfigured": _sign_off_configured,
    "plantrail:Person.PersonRegistered": _person_registered,
    "plantrail:Person.PersonContactChanged": _person_contact_changed,
    "plantrail:Person.RoleGranted": _role_changed(granted=True),
    "plantrail:Person.RoleRevoked": _role_changed(granted=False),
    "plantrail:Seal.SealWitnessed": _seal_witnessed,
    "plantrail:Integrity.MismatchAccepted": _mismatch_accepted,
}

assert set(STATE_FIELDS) - {"owners"} <= set(_ACTION_COLUMNS)
assert set(_EVENT_COLUMNS) == {c.name for c in t.events.columns} and set(_NOTE_COLUMNS) == {c.name for c in t.notes.columns}
