"""The scheduler: APScheduler 3 runs the daily sweep and the delivery relay.

``start(runtime)`` schedules the jobs on the running event loop and returns the scheduler;
``await stop(runtime, scheduler)`` stops them cleanly. ``plantrail serve`` is the two around a
wait for SIGTERM or SIGINT; the web app calls the same two from its lifespan.

The job store is in memory: every instance schedules its own jobs, and correctness never
depends on the scheduler (reminder keys are enforced by the event store, message claims by
the outbox). The sweep runs at start-up when that day's has not run yet (catch-up after
downtime), then daily at the configured hour in the configured time zone.

To add a job, write an ``async def run_x(runtime_id: str)`` that calls ``guarded`` and list it
in ``scheduled_jobs``: ``stop`` then waits for it like the others.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from notifications.relay import RelayContext, relay_once, utc_now
from scheduler.sweep import SweepContext, sweep, swept_on
from scheduler.witness import WitnessContext, witness_today

log = logging.getLogger("plantrail.serve")


@dataclass
class Runtime:
    """What the jobs need; jobs receive only its id (APScheduler jobs take plain values)."""

    context: SweepContext
    relay: RelayContext
    zone: ZoneInfo
    sweep_hour: int = 7
    relay_seconds: float = 30.0
    clock: Callable[[], datetime] = utc_now
    stopping: bool = False
    # One lock per kind of work, made when it first runs: a job holds it while it runs, and
    # stop() waits for each (a job checks ``stopping`` and takes its lock without yielding in between).
    busy: dict[str, asyncio.Lock] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"runtime-{id(self)}"

    witness: WitnessContext | None = None  # the daily seal (scheduler/witness.py)


RUNTIMES: dict[str, Runtime] = {}


@dataclass(frozen=True)
class ScheduledJob:
    id: str
    func: Callable[[str], Awaitable[None]]
    trigger: BaseTrigger
    options: dict[str, Any] = field(default_factory=dict)


async def guarded(runtime_id: str, lock_name: str, work: Callable[[Runtime], Awaitable[None]]) -> None:
    """Run ``work`` unless stopping, one at a time per ``lock_name``; log a failure and carry on
    (the next run, or the next relay pass, catches up)."""
    runtime = RUNTIMES.get(runtime_id)
    if runtime is None or runtime.stopping:
        return
    async with runtime.busy.setdefault(lock_name, asyncio.Lock()):
        if runtime.stopping:
            return
        try:
            await work(runtime)
        except Exception:  # keep serving: the next run catches up
            log.exception("%s failed", lock_name)


async def _sweep_now(runtime: Runtime, *, only_if_missed: bool = False) -> None:
    now = runtime.clock()
    local = now.astimezone(runtime.zone)
    today = local.date()
    loop = asyncio.get_running_loop()
    if only_if_missed and (local.hour < runtime.sweep_hour or await loop.run_in_executor(None, swept_on, runtime.context.engine, today)):
        return
    # The sweep does blocking database work: run it in a thread so the relay keeps going.
    outcome = await loop.run_in_executor(None, partial(sweep, runtime.context, as_of=today, today=today, now=now))
    log.info(
        "sweep %s: %d due, %d raised, %d messages, %d undeliverable%s",
        outcome.sweep_id,
        len(outcome.due),
        len(outcome.raised),
        outcome.messages,
        outcome.undeliverable,
        f" (skipped: {outcome.skipped})" if outcome.skipped else "",
    )


async def _relay_now(runtime: Runtime) -> None:
    report = await relay_once(runtime.relay, stopping=lambda: runtime.stopping)
    if report.sent or report.retrying or report.failed or report.undeliverable:
        log.info(
            "relay: %d sent, %d to retry, %d failed, %d undeliverable",
            len(report.sent),
            len(report.retrying),
            len(report.failed),
            len(report.undeliverable),
        )


async def _seal_now(runtime: Runtime) -> None:
    if runtime.witness is not None:
        await asyncio.get_running_loop().run_in_executor(None, witness_today, runtime.witness)


async def run_sweep(runtime_id: str) -> None:
    await guarded(runtime_id, "sweep", _sweep_now)


async def run_catch_up_sweep(runtime_id: str) -> None:
    await guarded(runtime_id, "sweep", partial(_sweep_now, only_if_missed=True))


async def run_relay(runtime_id: str) -> None:
    await guarded(runtime_id, "relay", _relay_now)


async def run_daily_seal(runtime_id: str) -> None:
    await guarded(runtime_id, "seal", _seal_now)


def scheduled_jobs(runtime: Runtime) -> list[ScheduledJob]:
    # The scheduler runs on the real clock (``runtime.clock`` only says what day a sweep is for):
    # a first run time far in the past would make APScheduler list every interval missed since.
    now = datetime.now(runtime.zone)
    jobs = [
        # A generous grace time: a sweep missed while the machine slept still runs when it wakes.
        ScheduledJob(
            "daily-sweep",
            run_sweep,
            CronTrigger(hour=runtime.sweep_hour, minute=0, timezone=runtime.zone),
            {"misfire_grace_time": 12 * 3600},
        ),
        ScheduledJob("catch-up-sweep", run_catch_up_sweep, DateTrigger(now, timezone=runtime.zone), {"misfire_grace_time": 3600}),
        ScheduledJob(
            "relay",
            run_relay,
            IntervalTrigger(seconds=runtime.relay_seconds, timezone=runtime.zone),
            {"misfire_grace_time": 60, "next_run_time": now},
        ),
    ]
    if runtime.witness is not None:
        # Half an hour after the sweep, so the seal covers the day's reminders.
        seal_at = CronTrigger(hour=runtime.sweep_hour, minute=30, timezone=runtime.zone)
        jobs.append(ScheduledJob("daily-seal", run_daily_seal, seal_at, {"misfire_grace_time": 12 * 3600}))
    return jobs


def start(runtime: Runtime) -> AsyncIOScheduler:
    """Schedule the jobs on the running event loop; keep the scheduler for ``stop``."""
    RUNTIMES[runtime.id] = runtime
    runtime.stopping = False
    scheduler = AsyncIOScheduler(timezone=runtime.zone)
    for job in scheduled_jobs(runtime):
        scheduler.add_job(job.func, job.trigger, args=[runtime.id], id=job.id, coalesce=True, max_instances=1, **job.options)
    scheduler.start()
    log.info("scheduler started: daily sweep at %02d:00 %s, relay every %ss", runtime.sweep_hour, runtime.zone.key, runtime.relay_seconds)
    return scheduler


async def stop(runtime: Runtime, scheduler: AsyncIOScheduler) -> None:
    """Stop cleanly: start no new job; let the relay finish and record the message in hand (it
    claims one at a time, so no other claim is held) and a running sweep finish; then shut the
    scheduler down."""
    log.info("stopping: finishing the message in hand")
    runtime.stopping = True
    if scheduler.running:
        scheduler.pause()
    for lock in list(runtime.busy.values()):
        async with lock:
            pass
    if scheduler.running:
        scheduler.shutdown(wait=False)
        await asyncio.sleep(0)  # AsyncIOScheduler shuts down in a callback on the loop: let it run
    RUNTIMES.pop(runtime.id, None)
    log.info("stopped")


async def serve(runtime: Runtime) -> None:
    """``plantrail serve``: the scheduler until SIGTERM or SIGINT."""
    signalled = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, signalled.set)
    scheduler = start(runtime)
    try:
        await signalled.wait()
    finally:
        await stop(runtime, scheduler)
