"""CLI commands for reminders: one sweep (remind), the outbox, and the long-running service."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import click

from notifications.outbox import STATUSES
from notifications.relay import relay_once
from plantrail import output
from plantrail.bootstrap import relay_context, reminder_links, sweep_context
from plantrail.cli_support import DATE, services
from plantrail.settings import mail_settings
from scheduler.sweep import sweep


def register(cli: click.Group) -> None:
    cli.add_command(remind)
    cli.add_command(outbox)


@click.command()
@click.option("--as-at", "as_at", type=DATE, help="Sweep as of this day (default: today in PLANTRAIL_TIMEZONE).")
@click.option("--dry-run", is_flag=True, help="Show what would be raised; raise and send nothing.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def remind(ctx: click.Context, as_at: date | None, dry_run: bool, fmt: str) -> None:
    """Raise the reminders and escalations due, then deliver what is waiting in the outbox.

    Safe to repeat: a reminder is raised once per rule, action, date and period, whoever runs it."""
    settings = mail_settings()
    s = services(ctx)
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo(settings.timezone)).date()
    context = sweep_context(s, settings, links=reminder_links(s, ctx.find_root().params.get("db")))
    outcome = sweep(context, as_of=as_at or today, today=today, now=now, dry_run=dry_run)
    delivery = None
    if not dry_run:
        report = asyncio.run(relay_once(relay_context(s, settings)))
        delivery = {
            "sent": len(report.sent),
            "retrying": len(report.retrying),
            "failed": len(report.failed),
            "undeliverable": len(report.undeliverable),
        }
    result = {
        "as_of": outcome.as_of.isoformat(),
        "sweep_id": outcome.sweep_id,
        "dry_run": dry_run,
        "skipped": outcome.skipped,
        "due": [
            {
                "key": d.key,
                "rule": d.rule,
                "plan_code": d.plan_code,
                "action_code": d.action_code,
                "about": d.about.isoformat(),
                "period": d.period,
                "recipients": [{"name": n, "role": r} for n, r in d.recipients],
                "details": d.details,
                "raised_now": d.key in outcome.raised,
            }
            for d in outcome.due
        ],
        "raised": len(outcome.raised),
        "already_raised": outcome.already_raised,
        "messages_queued": outcome.messages,
        "undeliverable": outcome.undeliverable,
        "failed_plans": outcome.failed_plans,
        "delivery": delivery,
        "transport": settings.transport,
        "outbox_dir": str(settings.outbox_dir) if settings.transport == "file" else None,
    }
    if fmt == "json":
        output.emit_json(result)
    else:
        output.remind_summary(result)


@click.command()
@click.option("--status", type=click.Choice(STATUSES), help="Only messages in this state.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.pass_context
def outbox(ctx: click.Context, status: str | None, fmt: str) -> None:
    """Messages waiting, sent, failed and undeliverable, with every delivery attempt and every reason."""
    found = services(ctx).outbox.listing(status)
    output.emit_json(found) if fmt == "json" else output.outbox_table(found)
