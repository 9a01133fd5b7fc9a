"""The web app: ``create_app(services, settings)`` wires routes, middleware, error pages and the
lifespan. It holds no business rule: handlers parse a form into a command, ask
``domain.access`` whether the signed-in person may, and call the services seam."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from anyio import to_thread
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.application import utc_now
from domain.errors import DomainError, ForbiddenError
from plantrail.bootstrap import policy_for, relay_context, sweep_context
from plantrail.errors import as_domain_error
from plantrail.my_actions import MyActionsCache
from plantrail.services import Services
from plantrail.settings import WebSettings
from scheduler.policy import ReminderPolicy
from scheduler.sweep import SweepContext
from web.auth import Links, NotSignedIn, RateLimiter, Sessions, current_principal
from web.links import reminder_links
from web.mail import Mailer
from web.render import page, templates
from web.routes import audit, calendar, owner, people, plan_admin, plans, sign_off, signin, sso
from web.security import SecurityMiddleware

log = logging.getLogger("plantrail.web")
STATIC = Path(__file__).parent / "static"

Lifespan = Callable[[Starlette], AbstractAsyncContextManager[None]]


@dataclass
class WebState:
    """What the handlers reach through ``request.app.state.web``."""

    services: Services
    settings: WebSettings
    links: Links
    sessions: Sessions
    limiter: RateLimiter
    mailer: Mailer
    templates: Jinja2Templates
    sweep: SweepContext
    policy_for: Callable[[str], ReminderPolicy]
    clock: Callable[[], datetime]
    my_actions: MyActionsCache


# How many requests a web process works on at once (the rest queue, first come first served).
# On SQLite the work is this process's own CPU and one writer at a time: more threads only
# fight over the GIL, and the reads overtook the queued writes (measured, 20 clients: update
# POST p95 203–220 ms with anyio's default 40, 135–179 ms with 6, the pages' p95 still under
# 90 ms). On PostgreSQL a request also waits for the server, so more overlap (6 was worse), but
# not 20: one process saturates its core, and an update, which waits for the server a dozen
# times, then waited for the interpreter behind up to 19 other requests after each (measured
# with one process, 20 clients: update POST p95 198–249 ms with 20 threads, 152–162 with 12,
# the pages' p95 under 90 ms either way; with two processes 153–193 and 153–171).
REQUEST_THREADS = {"sqlite": 6, "postgres": 12}


def create_app(
    services: Services,
    settings: WebSettings,
    *,
    clock: Callable[[], datetime] = utc_now,
    also_run: list[Lifespan] | None = None,
) -> Starlette:
    """``clock``: the wall clock for links and sessions (tests move it). ``also_run``: lifespans
    started with the app and stopped with it (``plantrail serve`` puts the scheduler here)."""
    mail = settings.mail
    state = WebState(
        services=services,
        settings=settings,
        links=Links(services.engine, settings.secret_key, clock),
        sessions=Sessions(services.engine, services.queries, timedelta(hours=settings.session_idle_hours), clock),
        limiter=RateLimiter(services.engine, timedelta(minutes=settings.signin_window_minutes), clock),
        mailer=Mailer(relay_context(services, mail, clock=clock)),
        templates=templates(),
        sweep=sweep_context(services, mail, links=reminder_links(services, settings)),
        policy_for=policy_for(mail),
        clock=clock,
        my_actions=MyActionsCache(),
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(state.sessions.forget_stale)
        to_thread.current_default_thread_limiter().total_tokens = REQUEST_THREADS[services.database.kind]
        async with AsyncExitStack() as stack:
            for extra in also_run or []:
                await stack.enter_async_context(extra(app))
            yield

    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            *signin.routes,
            *owner.routes,
            *sign_off.routes,
            *plans.routes,
            *audit.routes,
            *calendar.routes,
            *people.routes,
            *plan_admin.routes,
            *sso.routes,
            Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
        ],
        exception_handlers={
            NotSignedIn: not_signed_in,
            DomainError: domain_error,
            HTTPException: http_error,
        },
        lifespan=lifespan,
    )
    app.state.web = state
    app.state.sso = sso.oidc_client(settings.oidc) if settings.oidc else None
    if settings.oidc:
        # Authlib keeps the state and nonce of a sign-on in progress in a signed cookie.
        app.add_middleware(
            SessionMiddleware,
            secret_key=settings.secret_key,
            session_cookie=sso.STATE_COOKIE,
            max_age=600,
            same_site="lax",
            https_only=settings.secure_cookies,
        )
    app.add_middleware(UnexpectedErrors)
    # Outermost, so every page, error page and static file gets the headers.
    app.add_middleware(SecurityMiddleware, secure_cookies=settings.secure_cookies)
    return app


class UnexpectedErrors:
    """Errors no handler knew: a database outage becomes its 503 page, anything else a 500 (logged).
    Inside the security middleware, unlike Starlette's own last-resort handler, so even these
    answers carry the security headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            if started or scope["type"] != "http":
                raise
            response = await run_in_threadpool(unexpected_error, Request(scope), exc)
            await response(scope, receive, send)


async def healthz(request: Request) -> Response:
    """A trivial route: the benchmark's baseline."""
    return PlainTextResponse("ok")


async def not_signed_in(request: Request, exc: Exception) -> Response:
    return RedirectResponse(_sign_in_coming_back(request), status_code=303)


def _sign_in_coming_back(request: Request) -> str:
    """The sign-in page, coming back to the page asked for (a GET's; a POST cannot be replayed)."""
    if request.method != "GET":
        return "/sign-in"
    raw_path = request.scope.get("raw_path") or request.url.path.encode()  # as the browser sent it, still %-encoded
    target = raw_path.decode("latin-1") + (f"?{request.url.query}" if request.url.query else "")
    return f"/sign-in?next={_quote(target)}"


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    context: dict[str, object] = {
        "status": exc.http_status,
        "heading": exc.heading,
        "message": str(exc),
        "scoped": None,
        "who_can": getattr(exc, "who_can", None),
        "came_from": came_from(request),
    }
    if isinstance(exc, ForbiddenError):
        principal = current_principal(request)
        log.warning("forbidden: %s %s by %s: %s", request.method, request.url.path, principal.name if principal else "(not signed in)", exc)
        if principal is not None and principal.scoped:
            # Refused because the session came from an emailed link: the way to a full session.
            context["scoped"] = signin.scope_words(principal) | {"sign_in": _sign_in_coming_back(request)}
    return page(request, "error.html", context, status_code=exc.http_status)


def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {404: "There is no page at this address.", 405: "This page does not take that kind of request."}
    message = messages.get(exc.status_code, str(exc.detail))
    context = {"status": exc.status_code, "message": message, "came_from": came_from(request)}
    return page(request, "error.html", context, status_code=exc.status_code)


def came_from(request: Request) -> str | None:
    """The page of this site the person was on (the Referer, sent same-origin only: see
    ``web.security``), for the error page's way back; None when unknown or the page refused."""
    from urllib.parse import urlsplit

    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.url.netloc or not referer.path:
        return None
    target = signin.safe_next(referer.path + (f"?{referer.query}" if referer.query else ""))
    raw_path = request.scope.get("raw_path") or request.url.path.encode()  # still %-encoded, as the Referer is
    here = raw_path.decode("latin-1") + (f"?{request.url.query}" if request.url.query else "")
    return None if target is None or (request.method == "GET" and target == here) else target


def unexpected_error(request: Request, exc: Exception) -> Response:
    mapped = as_domain_error(exc)
    if mapped is not None:
        return domain_error(request, mapped)
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return PlainTextResponse("Something went wrong on our side; nothing was changed. Try again.", status_code=500)
