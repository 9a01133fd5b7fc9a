"""``plantrail serve``: the web app and the scheduler in one process (or either alone).

The composition root's half of serving: it builds the web app over the same services the CLI
uses and puts the scheduler inside the app's lifespan, so uvicorn's handling of SIGTERM and
SIGINT stops both: no new request, no new job, the message in hand finished, then exit.
Several web processes against one PostgreSQL run ``--no-scheduler``; one process sweeps.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from domain.access import ActionRef
from domain.application import utc_now
from plantrail.bootstrap import delivery_policy, sweep_context, transport_for, witness_context
from plantrail.services import Services
from plantrail.settings import MailSettings, WebSettings
from scheduler import service as scheduler_service
from scheduler.sweep import swept_on
from scheduler.witness import schedule_daily_witness as schedule_witness

log = logging.getLogger("plantrail.serve")


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    web: bool = True
    scheduler: bool = True
    relay_seconds: float = 30.0


def scheduler_runtime(services: Services, mail: MailSettings) -> scheduler_service.Runtime:
    return scheduler_service.Runtime(
        context=sweep_context(services, mail),
        transport=transport_for(mail),
        delivery=delivery_policy(mail),
        admin_email=mail.admin_email,
        zone=ZoneInfo(mail.timezone),
        witness=witness_context(services, mail),
    )


def start_scheduler(runtime: scheduler_service.Runtime, *, sweep_hour: int, relay_seconds: float) -> AsyncIOScheduler:
    """The daily sweep, a catch-up sweep when today's has not run, and the relay, on the running
    loop. (Branch ``mail`` turns ``scheduler.service`` into start/stop functions; once it lands,
    this and ``stop_scheduler`` are those.)"""
    runtime_id = f"runtime-{id(runtime)}"
    scheduler_service.RUNTIMES[runtime_id] = runtime
    scheduler = AsyncIOScheduler(timezone=runtime.zone)
    jobs = {"coalesce": True, "max_instances": 1, "args": [runtime_id]}
    cron = CronTrigger(hour=sweep_hour, minute=0, timezone=runtime.zone)
    scheduler.add_job(scheduler_service.run_sweep, cron, id="daily-sweep", misfire_grace_time=12 * 3600, **jobs)
    scheduler.add_job(
        scheduler_service.run_relay,
        "interval",
        seconds=relay_seconds,
        id="relay",
        misfire_grace_time=60,
        next_run_time=datetime.now(runtime.zone),
        **jobs,
    )
    if runtime.witness:
        schedule_witness(scheduler, runtime_id, runtime.witness, hour=sweep_hour, zone=runtime.zone)
    scheduler.start()
    local_now = scheduler_service.today_in(runtime.zone)
    if local_now.hour >= sweep_hour and not swept_on(runtime.context.engine, local_now.date()):
        scheduler.add_job(scheduler_service.run_sweep, id="catch-up-sweep", next_run_time=datetime.now(runtime.zone), **jobs)
    log.info("scheduler started: daily sweep at %02d:00 %s, relay every %ss", sweep_hour, runtime.zone.key, relay_seconds)
    return scheduler


async def stop_scheduler(runtime: scheduler_service.Runtime, scheduler: AsyncIOScheduler) -> None:
    log.info("stopping: finishing the message in hand")
    runtime.stopping = True
    scheduler.shutdown(wait=False)
    async with runtime.relay_lock:  # an in-flight relay finishes its current send and hands back the rest
        pass
    scheduler_service.RUNTIMES.pop(f"runtime-{id(runtime)}", None)
    log.info("scheduler stopped")


def scheduler_lifespan(
    services: Services, mail: MailSettings, relay_seconds: float
) -> Callable[[object], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def running(app: object) -> AsyncIterator[None]:
        runtime = scheduler_runtime(services, mail)
        scheduler = start_scheduler(runtime, sweep_hour=mail.sweep_hour, relay_seconds=relay_seconds)
        try:
            yield
        finally:
            await stop_scheduler(runtime, scheduler)

    return running


def web_app(services: Services, settings: WebSettings, *, with_scheduler: bool, relay_seconds: float = 30.0) -> object:
    from web.app import create_app

    also_run = [scheduler_lifespan(services, settings.mail, relay_seconds)] if with_scheduler else []
    return create_app(services, settings, also_run=also_run)  # type: ignore[arg-type]


def serve(services: Services, mail: MailSettings, web: Callable[[], WebSettings], options: ServeOptions) -> None:
    """Run until SIGTERM or SIGINT. ``web`` reads the web settings (and refuses to start
    without PLANTRAIL_SECRET_KEY outside demo mode); it is not called for ``--no-web``."""
    if not options.web:
        asyncio.run(
            scheduler_service.serve(scheduler_runtime(services, mail), sweep_hour=mail.sweep_hour, relay_seconds=options.relay_seconds)
        )
        return
    import uvicorn

    app = web_app(services, web(), with_scheduler=options.scheduler, relay_seconds=options.relay_seconds)
    config = uvicorn.Config(app, host=options.host, port=options.port, lifespan="on", log_level="info", access_log=False)  # type: ignore[arg-type]
    log.info("web app on http://%s:%s%s", options.host, options.port, "" if options.scheduler else " (no scheduler)")
    # uvicorn catches SIGTERM/SIGINT, shuts down gracefully, then re-raises the signal to the
    # handler that was there before it: make that one a no-op, so a clean stop exits with 0.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: None)
    uvicorn.Server(config).run()


def signin_link(services: Services, settings: WebSettings, person: str, action: ActionRef | None = None) -> str:
    """A ready sign-in link (or, with ``action``, an "update now" link) for a registered person:
    for first-time set-up and the demo. It works once, within the usual time limit."""
    from web.auth import ACTION, SIGNIN, Links

    name = services.app.get_person(person).name  # refuses someone not registered
    token = Links(services.engine, settings.secret_key, utc_now).make(ACTION if action else SIGNIN, name, action)
    return f"{settings.base_url}/sign-in/confirm?token={token}"
