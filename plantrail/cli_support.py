"""Pieces every CLI command module shares: option types, common options, the services."""

from __future__ import annotations

import importlib
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import click

from plantrail.dates import DateFormatError, local_today, parse_date, resolve_known_at
from plantrail.errors import as_domain_error, clip_message
from plantrail.settings import local_timezone

if TYPE_CHECKING:
    from plantrail.reading import ReadServices
    from plantrail.services import Services


class PlantrailGroup(click.Group):
    """The command group, mapping every error to its exit code by class (``domain.errors``).

    The mapping lives here rather than in ``main`` so that click's ``CliRunner`` runs exactly
    the production path: 0 success, 1 a domain error (not found, conflict, a rule broken, a
    service unavailable), 2 bad input; the message is one line on stderr.

    ``lazy`` names, for each command not defined with the group, the module whose
    ``register(group)`` adds it: a command's module (and what it imports: reports, importers,
    mail, the scheduler) is loaded only when that command runs, or when help lists them all.
    Measured: loading every command module took most of a `plans` run."""

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            importlib.import_module(self.lazy[cmd_name]).register(self)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.ClickException as error:
            error.message = clip_message(error.message)  # type: ignore[misc]  # click echoes the bad value whole
            raise
        except (click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as error:
            mapped = as_domain_error(error)
            if mapped is None:
                raise
            message = clip_message(str(mapped))
            # After a list of problems, on a line of its own: at the end of the last one it reads as about that one.
            hint = f"{chr(10) if chr(10) in message else ' '}({mapped.cli_hint})" if mapped.cli_hint else ""
            who_can = getattr(mapped, "who_can", None)  # a refusal that knows who may: say so, as a sentence of its own
            if who_can:
                message = f"{message}{'' if message.endswith(('.', '?', '!')) else '.'} {who_can}"
            click.echo(f"plantrail: error: {message}{hint}", err=True)
            ctx.exit(mapped.exit_code)


class DateParam(click.ParamType):
    name = "DATE"

    def convert(self, value: Any, param: Any, ctx: Any) -> date:
        if isinstance(value, date):
            return value
        try:
            return parse_date(value, today=today())
        except DateFormatError as error:
            self.fail(str(error), param, ctx)


def today() -> date:
    """Today where the user is: what "today", "yesterday" and "-7d" count from."""
    return local_today(local_timezone())


DATE = DateParam()
format_option = click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True, help="Output format."
)
verbose_option = click.option("--verbose", "-v", is_flag=True, help="Print the whole action after the change, not just what changed.")
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
            resolve_known_at(value, "UTC")  # checks the form; the plan's zone is applied later
        except DateFormatError as error:
            self.fail(str(error), param, ctx)
        return value  # resolved against the plan's time zone by known_at()


def known_at(text: str | None, timezone_name: str) -> datetime | None:
    return resolve_known_at(text, timezone_name)


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
    """Everything: the event store, the projector, the queries (the commands that change things)."""
    root = ctx.find_root()
    if "services" not in root.meta:
        from plantrail.bootstrap import bootstrap
        from plantrail.output import progress_bar

        root.meta["services"] = bootstrap(root.params.get("db"), progress=progress_bar)
        root.call_on_close(root.meta["services"].close)
    return root.meta["services"]


def readers(ctx: click.Context) -> ReadServices:
    """What a read command needs: the read models over a plain database connection when they
    are up to date (no event store, no SQLAlchemy loaded), else ``services`` after catching
    the projector up (``plantrail.reading``)."""
    root = ctx.find_root()
    if "services" in root.meta:
        return root.meta["services"]
    if "readers" not in root.meta:
        from plantrail.reading import open_reads

        found = open_reads(root.params.get("db"))
        if found is None:
            s = services(ctx)
            s.projector.catch_up()
            return s
        root.meta["readers"] = found
        root.call_on_close(found.close)
    return root.meta["readers"]
