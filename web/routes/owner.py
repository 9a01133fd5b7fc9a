"""Owner pages: "My actions" and the action page with its update forms.

Every write: the signed-in person is the actor; ``domain.access`` says whether they may; the
form becomes a ``domain.commands`` command; ``Services.record`` carries it out. A bad field is a
400 with the message beside it and nothing written; a change made by someone else since the form
was loaded is shown instead of being overwritten silently.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from domain.access import (
    ONE_LINK_ONLY,
    Principal,
    may_read_action,
    may_review_sign_off,
    may_update_action,
    may_update_reason,
    require,
    who_may_update,
)
from domain.errors import BadInputError, DomainError, NotFoundError
from domain.lifecycle import offered_changes
from plantrail.my_actions import my_actions
from plantrail.services import ActionRef, Services
from projections.audit import history
from projections.wording import backdated_progress_message
from web.auth import current_principal, signed_in
from web.forms import FORM_COMMANDS, FormErrors, field_of, form_version
from web.render import action_url, page
from web.routes.calendar import feed_path
from web.security import checked_form

SAVED = {
    "progress": "Progress recorded.",
    "sub-note": "Sub-action note recorded.",
    "due-date": "New due date recorded.",
    "complete": "Completion recorded.",
    "note": "Note recorded.",
    "reopen": "Action reopened.",
}


def _saved_message(request: Request, ref: ActionRef) -> str | None:
    message = SAVED.get(request.query_params.get("saved", ""))
    if message and request.query_params.get("as") == "submitted":
        # The plan requires sign-off: a claim, not yet a change (domain.sign_off decides which).
        return message.replace("recorded", "sent for sign-off").rstrip(".") + ": the committee sees it once it is approved."
    on = _query_date(request.query_params.get("on"))
    if message and request.query_params.get("saved") == "progress" and on is not None:
        return backdated_progress_message(request.app.state.web.services.figure_as_recorded(ref, on), on) or message
    return message


def _query_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:  # a hand-edited address: say the plain "recorded"
        return None


def home(request: Request) -> Response:
    who = current_principal(request)
    if who is None:
        return RedirectResponse("/sign-in", status_code=303)
    if who.only_action is not None:
        return RedirectResponse(action_url(who.only_action.plan_code, who.only_action.code), status_code=303)
    return RedirectResponse("/sign-off" if who.sign_off_only else "/my-actions", status_code=303)


def my_actions_page(request: Request) -> Response:
    who = signed_in(request)
    if who.only_action is not None:
        # A reminder-link session is for one action: the sign-in page says so and offers a full session.
        return RedirectResponse("/sign-in?next=%2Fmy-actions", status_code=303)
    if who.sign_off_only:
        return RedirectResponse("/sign-off", status_code=303)  # a sign-off link's session decides claims only
    web = request.app.state.web
    found = my_actions(web.services, web.policy_for, who.name, web.my_actions)
    feed = web.settings.base_url.rstrip("/") + feed_path(web.settings.secret_key, who.name)
    return page(request, "my_actions.html", {"actions": found, "calendar_feed": feed})


def target_action(request: Request) -> ActionRef:
    web = request.app.state.web
    plan, code = request.path_params["plan"], request.path_params["code"]
    try:
        return web.services.resolve(f"{plan}/{code}")
    except NotFoundError:
        raise
    except DomainError as error:  # a malformed reference is as good as unknown
        raise NotFoundError(str(error)) from None


def update_target(request: Request) -> tuple[ActionRef, list[str], int]:
    """The action an update POST names, its owners now and its version (one query)."""
    found = request.app.state.web.services.queries.action_for_update(request.path_params["plan"], request.path_params["code"])
    if found is None:
        target_action(request)  # raises the not-found the address deserves
        raise NotFoundError(f"action {request.path_params['plan']}/{request.path_params['code']} not found")
    plan_code, code, owners, version = found
    return ActionRef(plan_code, code), owners, version


def action_context(request: Request, ref: ActionRef) -> dict[str, Any]:
    web = request.app.state.web
    s = web.services
    action = s.show(ref)
    trail = s.trail(ref)
    who = signed_in(request)
    return {
        **sign_off_context(s, who, ref, action),
        "action": action,
        "history": list(reversed(trail)),
        "version": s.queries.action_version(ref.plan_code, ref.code),
        "today": s.today(ref.plan_code).isoformat(),
        "may_update": may_update_action(who, ref.plan_code, ref.code, action["owners"]),
        "offered": offered_changes(action["lifecycle"]),
        "saved": _saved_message(request, ref),
        "values": {},
        "form": None,
        "conflict": None,
    }


def sign_off_context(services: Services, who: Principal, ref: ActionRef, action: dict[str, Any]) -> dict[str, Any]:
    """What the action page says of sign-off: which pending claims the viewer may decide (they
    decide on their sign-off page), and, for an owner or claimant, the rejections to answer."""
    decidable: set[str] = set()
    if action.get("awaiting_sign_off") and may_review_sign_off(who):
        decidable = {
            c["kind"]
            for c in services.pending(for_person=who.name, roles=who.roles)
            if (c["plan"], c["action"]) == (ref.plan_code, ref.code)
        }
    rejected = [c for c in services.rejections_to_answer(ref) if who.name in action["owners"] or c["claimant"] == who.name]
    awaiting = action.get("awaiting_sign_off") or []
    return {"decidable": decidable, "rejected_claims": rejected, "deciders": services.deciders_of(awaiting)}


def action_page(request: Request) -> Response:
    who = signed_in(request)
    ref = target_action(request)
    require(may_read_action(who, ref.plan_code, ref.code), ONE_LINK_ONLY)
    return page(request, "action.html", action_context(request, ref))


async def record_change(request: Request) -> Response:
    """POST /actions/{plan}/{code}/{form}: one of the update forms."""
    form = await checked_form(request, request.app.state.web.settings.secret_key)
    return await run_in_threadpool(_record_change, request, form)


def _record_change(request: Request, form: FormData) -> Response:
    web = request.app.state.web
    who = signed_in(request)
    kind = request.path_params["form"]
    parse = FORM_COMMANDS.get(kind)
    ref, owners, version = update_target(request)
    if parse is None:
        raise NotFoundError(f"no form {kind!r} on an action")
    if not may_update_action(who, ref.plan_code, ref.code, owners):
        if who.scoped:
            require(False, ONE_LINK_ONLY)
        who_can = who_may_update(ref.plan_code, owners, web.services.clerks_of(ref.plan_code))
        require(False, may_update_reason(ref.code, ref.plan_code), who_can=who_can)
    values = {k: v for k, v in form.items() if k != "csrf_token" and isinstance(v, str)}
    try:
        command = parse(form)
    except FormErrors as errors:
        return _again(request, ref, kind, values, errors.messages, 400)
    loaded = form_version(form)
    if loaded is not None and loaded != version:
        changed = [
            e
            for e in history(web.services.engine, plan_code=ref.plan_code, action_code=ref.code)
            if e["aggregate"] == "action" and e["version"] > loaded
        ]
        return _again(request, ref, kind, values, {}, 409, conflict=changed)
    try:
        shown = web.services.record(ref, command, actor=who.name, read_back=False)
    except BadInputError as error:
        return _again(request, ref, kind, values, {field_of(error, "form"): str(error)}, error.http_status)
    except DomainError as error:
        if error.http_status in (403, 404):
            raise
        return _again(request, ref, kind, values, {"form": str(error)}, error.http_status)
    outcome = "&as=submitted" if shown.get("recorded_as") == "submitted" else ""
    on = getattr(command, "effective_on", None)
    if kind == "progress" and not outcome and on is not None:
        outcome = f"&on={on.isoformat()}"  # the page says how the figure stands as at that date
    return RedirectResponse(action_url(ref.plan_code, ref.code, f"?saved={kind}{outcome}"), status_code=303)


def _again(
    request: Request, ref: ActionRef, kind: str, values: dict[str, str], errors: dict[str, str], status: int, conflict: Any = None
) -> Response:
    """The action page again, the form filled in as sent, each problem next to its field."""
    context = action_context(request, ref) | {"values": values, "form": kind, "errors": errors, "conflict": conflict}
    return page(request, "action.html", context, status_code=status)


routes = [
    Route("/", home, methods=["GET"]),
    Route("/my-actions", my_actions_page, methods=["GET"]),
    Route("/actions/{plan}/{code}", action_page, methods=["GET"]),
    Route("/actions/{plan}/{code}/{form}", record_change, methods=["POST"]),
]
