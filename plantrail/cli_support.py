"""Pieces every CLI command module shares: option types, common options, the services."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import click

from domain.errors import InvalidProgressError, InvalidTextError, ReasonRequiredError
from domain.importing import InvalidImportError
from plantrail.bootstrap import Services, bootstrap
from plantrail.dates import DateFormatError, parse_date, parse_datetime
from plantrail.importers import ImportFileError
from plantrail.settings import SettingsError

# Errors about the shape of what was typed or supplied: exit 2, like a usage error.
BAD_INPUT = (
    InvalidImportError,
    ImportFileError,
    InvalidTextError,
    InvalidProgressError,
    ReasonRequiredError,
    SettingsError,
    DateFormatError,
)


class DateParam(click.ParamType):
    name = "DATE"

    def convert(self, value: Any, param: Any, ctx: Any) -> date:
        if isinstance(value, date):
            return value
        try:
            return parse_date(value)
        except DateFormatError as error:
            self.fail(str(error), param, ctx)


DATE = DateParam()
format_option = click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True, help="Output format."
)
by_option = click.option(
    "--by", "actor", metavar="PERSON", default=None, help="Who is recording this (default: $PLANTRAIL_USER or your login)."
)
on_option = click.option(
    "--on", "effective_on", type=DATE, default=None, help="Date the change is true (effective date); default today in the plan's time zone."
)


class DateTimeParam(click.ParamType):
    """A moment on the recorded axis. Without a time zone it is read in the plan's; a date
    alone means the end of that day (everything recorded that day counts as known)."""

    name = "DATETIME"

    def convert(self, value: Any, param: Any, ctx: Any) -> str | datetime:
        if isinstance(value, datetime):
            return value
        try:
            parse_date(value) if _date_only(value) else parse_datetime(value)
        except DateFormatError as error:
            self.fail(str(error), param, ctx)
        return value  # resolved against the plan's time zone by known_at()


def _date_only(text: str) -> bool:
    # "2015-04-02" and "02-Apr-2015" are at most 11 characters; any time makes it longer.
    return len(text.strip()) <= 11


def known_at(text: str | None, timezone_name: str) -> datetime | None:
    if text is None:
        return None
    zone = ZoneInfo(timezone_name)
    if _date_only(text):
        return datetime.combine(parse_date(text), time.max, tzinfo=zone)
    moment = parse_datetime(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


DATETIME = DateTimeParam()
as_at_option = click.option(
    "--as-at", "as_at", type=DATE, default=None, help="Effective date: the plan as it was true on DATE (default today)."
)
known_at_option = click.option(
    "--known-at",
    "known_at_text",
    type=DATETIME,
    default=None,
    help="Recorded time: the plan as plantrail showed it then (a date alone means the end of that day).",
)


def services(ctx: click.Context) -> Services:
    root = ctx.find_root()
    if "services" not in root.meta:
        root.meta["services"] = bootstrap(root.params.get("db"))
        root.call_on_close(root.meta["services"].close)
    return root.meta["services"]
