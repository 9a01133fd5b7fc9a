"""Dates as people type them: ISO (2015-04-30) or Covalent's export style (30-Apr-2015)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from domain.errors import BadInputError
from domain.text import clipped

_FORMATS = ("%Y-%m-%d", "%d-%b-%Y", "%d-%b-%y", "%d/%m/%Y")


class DateFormatError(BadInputError, ValueError):
    """A date typed in a form no council would mean unambiguously."""


def parse_date(text: str) -> date:
    value = text.strip()
    for fmt in _FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise DateFormatError(f"{clipped(text)} is not a date (use 2015-04-30 or 30-Apr-2015)")


def parse_datetime(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise DateFormatError(f"{clipped(text)} is not a date-time (use 2015-03-25T18:00 or 2015-03-25T18:00+00:00)") from None


def _date_only(text: str) -> bool:
    # "2015-04-02" and "02-Apr-2015" are at most 11 characters; any time makes it longer.
    return len(text.strip()) <= 11


def resolve_known_at(text: str | None, timezone_name: str) -> datetime | None:
    """A moment on the recorded axis. Without a zone it is read in the plan's; a date alone
    means the end of that day (everything recorded that day counts as known)."""
    if text is None:
        return None
    zone = ZoneInfo(timezone_name)
    if _date_only(text):
        return datetime.combine(parse_date(text), time.max, tzinfo=zone)
    moment = parse_datetime(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)
