"""Dates as people type them, shared by every date option, importer and web form.

Accepted: ISO (``2015-04-30``), Covalent's export style (``30-Apr-2015``, ``30-Apr-15``), the
forms councils type (``31/03/2015``, ``31.03.2015``, ``31 March 2015``, ``31st Mar 2015``) and,
where a person would type them, relative days (``today``, ``yesterday``, ``tomorrow``, ``-7d``,
``+2w``). Numeric dates are read day first, as in the UK; a sheet whose dates are not
consistently day-first is refused rather than guessed (``SheetDateOrder``). Partial dates
(``Mar 2015``) are refused with what to write instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.errors import BadInputError
from domain.text import clipped

_NAMED_FORMATS = ("%Y-%m-%d", "%d-%b-%Y", "%d-%b-%y", "%d %B %Y", "%d %b %Y", "%d-%B-%Y", "%d %b %y", "%d %B %y")
_NUMERIC = re.compile(r"(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})")
_ORDINAL = re.compile(r"(?<=\d)(st|nd|rd|th)\b", re.IGNORECASE)
_RELATIVE = re.compile(r"([+-])\s*(\d{1,4})\s*([dw])")
_PARTIAL = re.compile(r"[A-Za-z]{3,9}\.?\s*[-/ ]?\s*(\d{4}|\d{2})|\d{1,2}[/.-]\d{4}|\d{4}[/.-]\d{1,2}")
_WORDS = {"today": 0, "yesterday": -1, "tomorrow": 1}
WRITE_INSTEAD = "write 31-Mar-2015, 31/03/2015 or 2015-03-31"


class DateFormatError(BadInputError, ValueError):
    """A date typed in a form no council would mean unambiguously."""


def parse_date(text: str, *, today: date | None = None, day_first: bool = True) -> date:
    """``text`` as a date. Relative forms need ``today``; without it they are refused (a file
    has no "today" of its own). ``day_first=False`` reads ``04/30/2015`` (a US-ordered sheet)."""
    value = _ORDINAL.sub("", " ".join(str(text).split()))
    lowered = value.casefold()
    if today is not None:
        if lowered in _WORDS:
            return today + timedelta(days=_WORDS[lowered])
        relative = _RELATIVE.fullmatch(lowered)
        if relative:
            sign, count, unit = relative.groups()
            days = int(count) * (7 if unit == "w" else 1)
            return today + timedelta(days=days if sign == "+" else -days)
    for fmt in _NAMED_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", value):
        raise DateFormatError(f"{clipped(text)} is not a real date ({WRITE_INSTEAD})")
    numeric = _NUMERIC.fullmatch(value)
    if numeric:
        first, _, second, year = numeric.groups()
        day, month = (first, second) if day_first else (second, first)
        full_year = int(year) + (2000 if len(year) == 2 else 0)
        try:
            return date(full_year, int(month), int(day))
        except ValueError:
            raise DateFormatError(f"{clipped(text)} is not a real date ({WRITE_INSTEAD})") from None
    if _PARTIAL.fullmatch(value):
        raise DateFormatError(f"{clipped(text)} is not a whole date: give the day too ({WRITE_INSTEAD})")
    if lowered in _WORDS or _RELATIVE.fullmatch(lowered):
        raise DateFormatError(f"{clipped(text)}: a relative date is not accepted here ({WRITE_INSTEAD})")
    raise DateFormatError(f"{clipped(text)} is not a date ({WRITE_INSTEAD}{', today, yesterday or -7d' if today else ''})")


def local_today(timezone_name: str) -> date:
    return datetime.now(ZoneInfo(timezone_name)).date()


class SheetDateOrder:
    """Which way round a sheet writes numeric dates, judged from all of them at once.

    ``03/04/2015`` alone could be 3 April or 4 March. A sheet that anywhere writes a first
    number above 12 (``31/03/2015``) is day-first; one that writes a second number above 12
    (``04/30/2015``) is month-first. A sheet showing both, or month-first at all, is "not
    consistently day-first": its ambiguous dates are refused, not guessed."""

    def __init__(self, values: Iterable[str]) -> None:
        self.day_first_seen = False
        self.month_first_example: str | None = None
        for value in values:
            match = _NUMERIC.fullmatch(" ".join(str(value).split()))
            if not match:
                continue
            first, second = int(match.group(1)), int(match.group(3))
            if first > 12 >= second:
                self.day_first_seen = True
            elif second > 12 >= first and self.month_first_example is None:
                self.month_first_example = str(value).strip()

    def parse(self, text: str) -> date:
        value = " ".join(str(text).split())
        match = _NUMERIC.fullmatch(value)
        if match and self.month_first_example is not None:
            mixed = " and day first elsewhere" if self.day_first_seen else ""
            if int(match.group(1)) <= 12:  # ambiguous, or month first: only a day above 12 reads safely
                raise DateFormatError(
                    f"{text!r} is ambiguous: this sheet writes dates month first ({self.month_first_example}){mixed}, "
                    f"so it cannot be read safely; {WRITE_INSTEAD}"
                )
        return parse_date(value)


def parse_datetime(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise DateFormatError(f"{clipped(text)} is not a date-time (use 2015-03-25T18:00 or 2015-03-25T18:00+00:00)") from None


def _date_only(text: str) -> bool:
    # A time has a colon ("2015-03-25T18:00", "2015-03-25 18:00"); a date never has.
    return ":" not in text


def resolve_known_at(text: str | None, timezone_name: str, *, today: date | None = None) -> datetime | None:
    """A moment on the recorded axis. Without a zone it is read in the plan's; a date alone
    means the end of that day (everything recorded that day counts as known)."""
    if text is None:
        return None
    zone = ZoneInfo(timezone_name)
    if _date_only(text):
        return datetime.combine(parse_date(text, today=today or local_today(timezone_name)), time.max, tzinfo=zone)
    moment = parse_datetime(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)
