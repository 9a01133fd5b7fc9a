"""``plantrail serve``: APScheduler 3 runs the daily sweep and the delivery relay.

The job store is in memory: every instance schedules its own jobs, and correctness never
depends on the scheduler (reminder keys are enforced by the event store, message claims by
the outbox). The sweep runs at start-up when that day's has not run yet (catch-up after
downtime), then daily at the configured hour in the configured time zone.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from notifications.relay import DeliveryPolicy, relay_once
from notifications.transports import Transport
from scheduler.sweep import SweepContext, sweep, swept_on
from scheduler.witness import WitnessContext, schedule_daily_witness

log = logging.getLogger("plantrail.serve")


@dataclass
class Runtime:
    """What the jobs need; jobs receive only its id (APScheduler jobs take plain values)."""

    context: SweepContext
    transport: Transport
    delivery: DeliveryPolicy
    admin_email: str | None
    zone: ZoneInfo
    stopping: bool = False
    relay_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    witness: WitnessContext | None = None  # the daily seal (scheduler/witness.py)


RUNTIMES: dict[str, Runtime] = {}


def today_in(zone: ZoneInfo) -> datetime:
    return datetime.now(UTC).astimezone(zone)


def run_sweep(runtime_id: str) -> None:
    runtime = RUNTIMES[runtime_id]
    if runtime.stopping:
        return
    now = datetime.now(UTC)
    today = now.astimezone(runtime.zone).date()
    try:
        outcome = sweep(runtime.context, as_of=today, today=today, now=now)
    except Exception:  # keep serving: the next run, or the relay, catches up
        log.exception("sweep failed")
        return
    log.info(
        "sweep %s: %d due, %d raised, %d messages%s",
        outcome.sweep_id,
        len(outcome.due),
        len(outcome.raised),
        outcome.messages,
        f" (skipped: {outcome.skipped})" if outcome.skipped else "",
    )


async def run_relay(runtime_id: str) -> None:
    runtime = RUNTIMES[runtime_id]
    if runtime.stopping:
        return
    async with runtime.relay_lock:
        try:
            report = await relay_once(
                runtime.context.outbox,
                runtime.transport,
                mail_from=runtime.context.mail_from,
                now=datetime.now(UTC),
                policy=runtime.delivery,
                admin_email=runtime.admin_email,
                env=runtime.context.templates,
                stopping=lambda: runtime.stopping,
            )
        except Exception:
            log.exception("relay failed")
            return
    if report.sent or report.retrying or report.failed:
        log.info("relay: %d sent, %d to retry, %d failed", len(report.sent), len(report.retrying), len(report.failed))


async def serve(runtime: Runtime, *, sweep_hour: int, relay_seconds: float) -> None:
    runtime_id = f"runtime-{id(runtime)}"
    RUNTIMES[runtime_id] = runtime
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    scheduler = AsyncIOScheduler(timezone=runtime.zone)
    # A generous grace time: a sweep missed while the machine slept still runs when it wakes.
    scheduler.add_job(
        run_sweep,
        CronTrigger(hour=sweep_hour, minute=0, timezone=runtime.zone),
        args=[runtime_id],
        id="daily-sweep",
        misfire_grace_time=12 * 3600,
        coalesce=True,
        max_instances=1,
    )
    scheduler.add_job(
        run_relay,
        "interval",
        seconds=relay_seconds,
        args=[runtime_id],
        id="relay",
        misfire_grace_time=60,
        coalesce=True,
        max_instances=1,
        next_run_time=datetime.now(runtime.zone),
    )
    if runtime.witness:
        schedule_daily_witness(scheduler, runtime_id, runtime.witness, hour=sweep_hour, zone=runtime.zone)
    scheduler.start()
    local_now = today_in(runtime.zone)
    if local_now.hour >= sweep_hour and not await loop.run_in_executor(None, swept_on, runtime.context.engine, local_now.date()):
        scheduler.add_job(run_sweep, args=[runtime_id], id="catch-up-sweep", next_run_time=datetime.now(runtime.zone))
    log.info("serving: daily sweep at %02d:00 %s, relay every %ss", sweep_hour, runtime.zone.key, relay_seconds)
    await stop.wait()
    log.info("stopping: finishing the message in hand")
    runtime.stopping = True
    scheduler.shutdown(wait=False)
    async with runtime.relay_lock:  # an in-flight relay finishes its current send and hands back the rest
        pass
    RUNTIMES.pop(runtime_id, None)
