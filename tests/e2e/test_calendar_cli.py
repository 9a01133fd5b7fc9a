"""A person's open actions as an .ics calendar, parsed back with icalendar."""

from datetime import date, timedelta
from pathlib import Path

from icalendar import Calendar

from tests.e2e.conftest import as_json


def events_of(path: Path) -> dict[str, object]:
    calendar = Calendar.from_ical(path.read_bytes())
    return {str(e["summary"]).split(" ")[1]: e for e in calendar.walk("VEVENT")}


def test_a_calendar_has_one_all_day_event_per_open_action_with_a_stable_uid_and_a_week_alarm(recording_directly, tmp_path: Path):
    imported = recording_directly
    out = tmp_path / "liam.ics"
    imported("calendar", "liam purdie", "--out", str(out))
    owned = as_json(imported("actions", "--owner", "Liam Purdie", "--format", "json"))
    open_ones = {a["code"]: a for a in owned if a["status"] not in ("Complete", "Cancelled") and a["due_date"]}
    events = events_of(out)
    assert set(events) == set(open_ones) and events
    for code, event in events.items():
        due = date.fromisoformat(open_ones[code]["due_date"])
        assert event.decoded("dtstart") == due and event.decoded("dtend") == due + timedelta(days=1)
        assert "VALUE=DATE" in event["dtstart"].to_ical().decode() or event["dtstart"].params.get("VALUE") == "DATE"
        (alarm,) = event.walk("VALARM")
        assert alarm.decoded("trigger") == -timedelta(days=7) and str(alarm["action"]) == "DISPLAY"
    code = "SS_ICSAP_TRAN3"
    uid = str(events[code]["uid"])
    imported("redate", code, "--due", "2015-06-30", "--reason", "workshops moved")
    imported("calendar", "Liam Purdie", "--out", str(out))
    moved = events_of(out)[code]
    assert str(moved["uid"]) == uid and moved.decoded("dtstart") == date(2015, 6, 30) and int(moved["sequence"]) == 1
    imported("calendar", "Liam Purdy", "--out", str(out), expect=1)
