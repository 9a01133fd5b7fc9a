"""Sign-in by emailed link, its confirm step, signing out (here, and everywhere)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from domain.access import Principal
from web.auth import (
    ACTION,
    SESSION_COOKIE,
    SIGN_OFF,
    SIGNIN,
    LinkClaim,
    LinkRefusedError,
    address_bucket,
    client_bucket,
    current_principal,
    signed_in,
)
from web.render import action_url, page
from web.security import checked_form, mark_token_page, renew_csrf_seed

HOME = "/my-actions"
SIGN_OFF_PAGE = "/sign-off"


def safe_next(target: object) -> str | None:
    """Only a path on this site: never another host (``//evil``) or a scheme."""
    if isinstance(target, str) and target.startswith("/") and not target.startswith("//") and "\\" not in target and len(target) < 500:
        return target
    return None


# What the sign-in page confirms after "Sign out" (``?signed_out=here``) and "Sign out
# everywhere" (``?signed_out=everywhere``).
SIGNED_OUT = {"here": "You are signed out.", "everywhere": "Signed out on every device."}


def sign_in_page(request: Request) -> Response:
    """The sign-in form; for a session opened from an emailed link (one action, or deciding
    claims), the way out of it: the same form, their address filled in, saying why."""
    who = current_principal(request)
    if who is not None and not who.scoped:
        return RedirectResponse(HOME, status_code=303)
    context: dict[str, object] = {
        "next": safe_next(request.query_params.get("next")) or "",
        "email": "",
        "scoped": None,
        # A fixed flag, never text from the address: nobody can make this page say anything else.
        "signed_out": SIGNED_OUT.get(request.query_params.get("signed_out", "")),
    }
    if who is not None:
        context |= {"email": request.app.state.web.services.queries.person(who.name).get("email") or "", "scoped": scope_words(who)}
    return page(request, "sign_in.html", context)


def scope_words(who: Principal) -> dict[str, str]:
    """Why a link's session stops here, and where it does go: for the sign-in and error pages."""
    if who.only_action is not None:
        ref = who.only_action
        return {"why": "This link opened one action only", "back": action_url(ref.plan_code, ref.code), "back_label": f"Back to {ref.code}"}
    return {"why": "This link is for deciding claims only", "back": SIGN_OFF_PAGE, "back_label": "Back to the claims awaiting you"}


async def sign_in_request(request: Request) -> Response:
    form = await checked_form(request, request.app.state.web.settings.secret_key)
    return await run_in_threadpool(_sign_in_request, request, form)


def _sign_in_request(request: Request, form: FormData) -> Response:
    web = request.app.state.web
    email = str(form.get("email") or "").strip()
    next_path = safe_next(form.get("next"))
    if "@" not in email or len(email) > 200:
        errors = {"email": "email: type the address your council uses for you, e.g. name@council.gov.uk"}
        return page(request, "sign_in.html", {"errors": errors, "next": next_path or "", "email": email[:200]}, status_code=400)
    if not web.limiter.allow(client_bucket(request), web.settings.signin_per_client):
        return page(request, "error.html", {"status": 429, "message": "Too many sign-in requests from here; wait a few minutes."}, 429)
    # Whether or not the address is known, the answer is the same redirect, and the looking up
    # and sending happen after it has gone: nothing in the reply, or its timing, tells them apart.
    return RedirectResponse("/sign-in/sent", status_code=303, background=BackgroundTask(_send_link, request, email, next_path))


async def _send_link(request: Request, email: str, next_path: str | None) -> None:
    if await run_in_threadpool(_enqueue_link, request, email, next_path):
        await request.app.state.web.mailer.deliver_now()


def _enqueue_link(request: Request, email: str, next_path: str | None) -> bool:
    web = request.app.state.web
    if not web.limiter.allow(address_bucket(email), web.settings.signin_per_address):
        return False
    name = web.services.queries.person_by_email(email)
    if name is None:
        return False
    person = web.services.queries.person(name)
    token = web.links.make(SIGNIN, name)
    link = f"{web.settings.base_url}/sign-in/confirm?token={token}" + (f"&next={quote(next_path, safe='')}" if next_path else "")
    web.mailer.enqueue_signin_link(name=name, email=person["email"], link=link, minutes=web.settings.signin_link_minutes)
    return True


def sign_in_sent(request: Request) -> Response:
    return page(request, "sign_in_sent.html", {"minutes": request.app.state.web.settings.signin_link_minutes})


def _max_age(request: Request) -> dict[str, timedelta]:
    settings = request.app.state.web.settings
    reminder = timedelta(days=settings.reminder_link_days)
    return {SIGNIN: timedelta(minutes=settings.signin_link_minutes), ACTION: reminder, SIGN_OFF: reminder}


def _checked(request: Request, token: str) -> LinkClaim:
    web = request.app.state.web
    claim = web.links.check(token, _max_age(request))
    if claim.action is not None:
        web.services.resolve(f"{claim.action.plan_code}/{claim.action.code}")  # the action must still exist
    return claim


def _refused(request: Request, error: LinkRefusedError) -> Response:
    """The refusal with a form for a fresh link: addressed to whom a genuine link was for (the
    link names them, and they were mailed it), empty for a link that fails its signature."""
    email = ""
    if error.person is not None:
        found = [p for p in request.app.state.web.services.queries.people() if p["name"] == error.person]
        email = (found[0].get("email") or "") if found else ""
    return page(request, "link_refused.html", {"message": str(error), "email": email, "next": ""}, status_code=400)


def confirm_page(request: Request) -> Response:
    """GET only shows who the link is for: mail scanners that open links sign nobody in."""
    mark_token_page(request)
    token = request.query_params.get("token", "")
    try:
        claim = _checked(request, token)
    except LinkRefusedError as error:
        return _refused(request, error)
    context = {"claim": claim, "token": token, "next": safe_next(request.query_params.get("next")) or ""}
    return page(request, "confirm.html", context)


async def confirm(request: Request) -> Response:
    mark_token_page(request)
    form = await checked_form(request, request.app.state.web.settings.secret_key)
    return await run_in_threadpool(_confirm, request, form)


def _confirm(request: Request, form: FormData) -> Response:
    web = request.app.state.web
    try:
        claim = _checked(request, str(form.get("token") or ""))
        web.links.use(claim)
    except LinkRefusedError as error:
        return _refused(request, error)
    web.sessions.close(request.cookies.get(SESSION_COOKIE))
    method = {ACTION: "reminder", SIGN_OFF: SIGN_OFF}.get(claim.kind, "link")
    cookie = web.sessions.open(claim.person, method, claim.action)
    if claim.action is not None:
        target = action_url(claim.action.plan_code, claim.action.code)
    elif claim.kind == SIGN_OFF:
        target = SIGN_OFF_PAGE
    else:
        target = safe_next(form.get("next")) or HOME
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(request, response, cookie)
    return response


def set_session_cookie(request: Request, response: Response, value: str) -> None:
    renew_csrf_seed(request)
    secure = request.app.state.web.settings.secure_cookies
    response.set_cookie(SESSION_COOKIE, value, httponly=True, samesite="lax", secure=secure, path="/")


async def sign_out(request: Request) -> Response:
    web = request.app.state.web
    await checked_form(request, web.settings.secret_key)
    await run_in_threadpool(web.sessions.close, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/sign-in?signed_out=here", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def sign_out_everywhere(request: Request) -> Response:
    web = request.app.state.web
    await checked_form(request, web.settings.secret_key)
    who = await run_in_threadpool(signed_in, request)
    await run_in_threadpool(web.sessions.close_all, who.name)
    response = RedirectResponse("/sign-in?signed_out=everywhere", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


routes = [
    Route("/sign-in", sign_in_page, methods=["GET"]),
    Route("/sign-in", sign_in_request, methods=["POST"]),
    Route("/sign-in/sent", sign_in_sent, methods=["GET"]),
    Route("/sign-in/confirm", confirm_page, methods=["GET"]),
    Route("/sign-in/confirm", confirm, methods=["POST"]),
    Route("/sign-out", sign_out, methods=["POST"]),
    Route("/sign-out/everywhere", sign_out_everywhere, methods=["POST"]),
]
