"""A person's open actions as an iCalendar file (RFC 5545): one all-day event per action on its
due date, with a reminder 7 days before. The web's per-person feed serves the same bytes.

Each event's UID is the action's own id, so a calendar that subscribes (or imports the file
again) moves the existing event when the due date is revised instead of adding a second one;
SEQUENCE counts the revisions, as RFC 5545 asks of a changed event.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from icalendar import Alarm, Calendar, Event

from domain.ids import action_id

ALARM_BEFORE = timedelta(days=7)
PRODUCT_ID = "-//plantrail//action plans//EN"


def action_uid(plan_code: str, code: str) -> str:
    return f"{action_id(plan_code, code)}@plantrail"


def calendar_ics(person: str, actions: list[dict[str, Any]], *, now: datetime) -> bytes:
    """``actions`` as shown by the queries; those without a due date are left out."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Actions owned by {person}")
    for a in actions:
        if not a["due_date"]:
            continue
        due = date.fromisoformat(a["due_date"])
        event = Event()
        event.add("uid", action_uid(a["plan"], a["code"]))
        event.add("dtstamp", now)
        event.add("sequence", a["due_date_revisions"])
        event.add("dtstart", due)
        event.add("dtend", due + timedelta(days=1))
        event.add("summary", f"Due: {a['code']} {a['title']}")
        event.add(
            "description",
            f"{a['plan']} / {a['code']}: {a['title']}\nProgress {a['progress']}%, status {a['status']} as at {a['status_as_at']}.",
        )
        event.add("transp", "TRANSPARENT")  # a due date, not a meeting: the day stays free
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", -ALARM_BEFORE)
        alarm.add("description", f"{a['code']} is due in 7 days ({a['due_date']})")
        event.add_component(alarm)
        calendar.add_component(event)
    return calendar.to_ical()
