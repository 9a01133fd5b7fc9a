"""``plantrail serve``: the web app and the scheduler in one process (or either alone).

The composition root's half of serving: it builds the web app over the same services the CLI
uses and puts the scheduler inside the app's lifespan, so uvicorn's handling of SIGTERM and
SIGINT stops both: no new request, no new job, the message in hand finished, then exit.
Several web processes against one PostgreSQL run ``--no-scheduler``; one process sweeps.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass

from domain.access import ActionRef
from domain.application import utc_now
from notifications.links import LinkMaker
from plantrail.bootstrap import reminder_links, scheduler_runtime
from plantrail.services import Services
from plantrail.settings import MailSettings, WebSettings
from scheduler import service as scheduler_service

log = logging.getLogger("plantrail.serve")


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    web: bool = True
    scheduler: bool = True
    relay_seconds: float = 30.0


def scheduler_lifespan(
    services: Services, mail: MailSettings, relay_seconds: float, links: LinkMaker | None
) -> Callable[[object], AbstractAsyncContextManager[None]]:
    """The scheduler (sweeps, daily seal, relay) started with the web app and stopped with it."""

    @asynccontextmanager
    async def running(app: object) -> AsyncIterator[None]:
        runtime = scheduler_runtime(services, mail, relay_seconds=relay_seconds, links=links)
        scheduler = scheduler_service.start(runtime)
        try:
            yield
        finally:
            await scheduler_service.stop(runtime, scheduler)

    return running


def web_app(services: Services, settings: WebSettings, *, with_scheduler: bool, relay_seconds: float = 30.0) -> object:
    from web.app import create_app
    from web.links import reminder_links as web_reminder_links

    # Digests sent by this process link to this web app.
    links = web_reminder_links(services, settings)
    also_run = [scheduler_lifespan(services, settings.mail, relay_seconds, links)] if with_scheduler else []
    return create_app(services, settings, also_run=also_run)  # type: ignore[arg-type]


def serve(
    services: Services, mail: MailSettings, web: Callable[[], WebSettings], options: ServeOptions, database_url: str | None = None
) -> None:
    """Run until SIGTERM or SIGINT. ``web`` reads the web settings (and refuses to start
    without PLANTRAIL_SECRET_KEY outside demo mode); it is not called for ``--no-web``."""
    if not options.web:
        links = reminder_links(services, database_url)
        asyncio.run(scheduler_service.serve(scheduler_runtime(services, mail, relay_seconds=options.relay_seconds, links=links)))
        return
    import uvicorn

    settings = web()
    app = web_app(services, settings, with_scheduler=options.scheduler, relay_seconds=options.relay_seconds)
    config = uvicorn.Config(app, host=options.host, port=options.port, lifespan="on", log_level="info", access_log=False)  # type: ignore[arg-type]
    log.info("web app on http://%s:%s%s", options.host, options.port, "" if options.scheduler else " (no scheduler)")
    log.info("emailed links point at %s (PLANTRAIL_BASE_URL sets the address people use)", settings.base_url)
    # uvicorn catches SIGTERM/SIGINT, shuts down gracefully, then re-raises the signal to the
    # handler that was there before it: make that one a no-op, so a clean stop exits with 0.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: None)
    # Everything loaded so far (modules, the app, the store's objects) lives as long as the
    # process: out of the collector's view, a full collection scans the requests' objects only
    # (measured: 97–140 ms pauses, felt by whatever request was running, down to 4–7 ms on the
    # 10,000-action benchmark store). Here, not in the app's start-up: a test process makes
    # many apps, and objects frozen there would never be collected once their test ended.
    gc.collect()
    gc.freeze()
    uvicorn.Server(config).run()


def signin_link(services: Services, settings: WebSettings, person: str, action: ActionRef | None = None) -> str:
    """A ready sign-in link (or, with ``action``, an "update now" link) for a registered person:
    for first-time set-up and the demo. It works once, within the usual time limit."""
    from web.auth import ACTION, SIGNIN, Links

    name = services.app.get_person(person).name  # refuses someone not registered
    token = Links(services.engine, settings.secret_key, utc_now).make(ACTION if action else SIGNIN, name, action)
    return f"{settings.base_url}/sign-in/confirm?token={token}"
