"""Dates as people type them: ISO (2015-04-30) or Covalent's export style (30-Apr-2015)."""

from __future__ import annotations

from datetime import date, datetime

_FORMATS = ("%Y-%m-%d", "%d-%b-%Y", "%d-%b-%y", "%d/%m/%Y")


class DateFormatError(ValueError):
    pass


def parse_date(text: str) -> date:
    value = text.strip()
    for fmt in _FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise DateFormatError(f"{text!r} is not a date (use 2015-04-30 or 30-Apr-2015)")


def parse_datetime(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise DateFormatError(f"{text!r} is not a date-time (use 2015-03-25T18:00 or 2015-03-25T18:00+00:00)") from None
