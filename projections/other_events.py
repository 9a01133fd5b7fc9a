"""How plan, person, reminder, seal and integrity events change the read models.

These are few beside the action events (PageWriter in ``projections.current_state`` folds those
in memory per page), so each is written straight away; each handler returns what the audit
trail records of it: subject, plan, action, changes and text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from projections import sign_off
from projections import tables as t

if TYPE_CHECKING:
    from projections.current_state import PageWriter


def _upsert(conn: Connection, table: Any, values: dict[str, Any]) -> None:
    """Insert or replace one row by primary key, on SQLite and PostgreSQL alike."""
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    stmt = dialect.insert(table).values(**values)
    keys = [c.name for c in table.primary_key.columns]
    stmt = stmt.on_conflict_do_update(index_elements=keys, set_={k: v for k, v in values.items() if k not in keys})
    conn.execute(stmt)


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
    # The reason is in the reason column. A reminder with nobody to go to (no owner, nobody who
    # may decide a claim) names no recipient: it says so, with no empty change beside it.
    if not s["recipient"]:
        return f"{s['plan_code']}/{s['action_code']}", s["plan_code"], s["action_code"], {}, "reminder had nobody to go to"
    text = f"reminder could not reach {s['recipient']}"
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
