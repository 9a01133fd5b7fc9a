"""How a reminder digest writes a date, worked out here by hand to hold the messages against:
"25 Mar", with the year only when it is not the year of the day the digest was made for."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def mail_day(iso: str, as_of: date) -> str:
    day = date.fromisoformat(iso[:10])
    return f"{day.day} {day:%b}" + ("" if day.year == as_of.year else f" {day.year}")


def local_day(recorded: str, zone: str = "Europe/London") -> str:
    """The day, in the plan's zone, of a time recorded in UTC (a decision's day)."""
    return datetime.fromisoformat(recorded).astimezone(ZoneInfo(zone)).date().isoformat()
