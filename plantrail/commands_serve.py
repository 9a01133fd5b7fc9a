"""CLI commands for the long-running service and the web app: serve, signin-link."""

from __future__ import annotations

import logging
import os

import click

from domain.access import ActionRef
from domain.errors import BadInputError
from domain.text import clipped
from plantrail import serving
from plantrail.cli_support import services
from plantrail.settings import mail_settings, served_at, web_settings


def register(cli: click.Group) -> None:
    cli.add_command(serve)
    cli.add_command(signin_link)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the web app listens on.")
@click.option("--port", type=int, default=8000, show_default=True, help="Port the web app listens on.")
@click.option("--no-scheduler", is_flag=True, help="Web app only (run the scheduler in one other process).")
@click.option("--no-web", is_flag=True, help="Scheduler only: the daily sweep and the delivery relay.")
@click.option("--relay-seconds", type=float, default=30.0, show_default=True, help="How often the relay sends what is due.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, no_scheduler: bool, no_web: bool, relay_seconds: float) -> None:
    """Run the web app and the scheduler (daily sweep, catch-up sweep, delivery relay) in one process.

    Stops cleanly on SIGTERM or SIGINT. The web app needs PLANTRAIL_SECRET_KEY (`plantrail keygen`)
    outside demo mode (PLANTRAIL_DEMO=1); PLANTRAIL_BASE_URL is the address used in emailed links."""
    if no_scheduler and no_web:
        raise click.UsageError("--no-scheduler and --no-web together leave nothing to run")
    logging.basicConfig(level=_log_level(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    db = ctx.find_root().params.get("db")
    # Refuses to start without the key before anything opens. Emailed links point at this
    # server unless PLANTRAIL_BASE_URL says where people reach it.
    web = None if no_web else web_settings(db, default_base_url=served_at(host, port))
    options = serving.ServeOptions(host=host, port=port, web=not no_web, scheduler=not no_scheduler, relay_seconds=relay_seconds)
    serving.serve(services(ctx), mail_settings(), lambda: web, options, db)  # type: ignore[arg-type, return-value]


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _log_level() -> str:
    """PLANTRAIL_LOG_LEVEL, checked before anything starts (logging would raise a bare ValueError)."""
    level = os.environ.get("PLANTRAIL_LOG_LEVEL", "INFO").strip().upper()
    if level not in LOG_LEVELS:
        raise BadInputError(
            f"PLANTRAIL_LOG_LEVEL: {clipped(os.environ['PLANTRAIL_LOG_LEVEL'])} is not a log level; use one of {', '.join(LOG_LEVELS)}",
            field="PLANTRAIL_LOG_LEVEL",
        )
    return level


@click.command("signin-link")
@click.argument("person")
@click.option("--action", "action_ref", metavar="ACTION", help="An 'update now' link for this action only.")
@click.pass_context
def signin_link(ctx: click.Context, person: str, action_ref: str | None) -> None:
    """Print a sign-in link for PERSON (first-time set-up, the demo). It works once."""
    s = services(ctx)
    target = None
    if action_ref:
        ref = s.resolve(action_ref)
        target = ActionRef(ref.plan_code, ref.code)
    click.echo(serving.signin_link(s, web_settings(ctx.find_root().params.get("db")), person, target))
