"""Sign-off in the browser: "Waiting for my sign-off" and its Approve / Reject forms.

The list is ``Services.sign_off_queue`` (the claims ``domain.sign_off`` says the signed-in person
may decide); a decision is ``Services.approve`` / ``reject`` with the claim's kind and the
version the decider saw. Every refusal is the domain's: a blank reason is a 400 beside the
reason field, a claim decided or replaced meanwhile a 409 saying what became of it, deciding
one's own claim or one they may not decide a 403 page. Nothing is written by any of them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from domain.access import ONE_LINK_ONLY, Principal, may_review_sign_off, require
from domain.errors import BadInputError, ConflictError, DomainError, NotFoundError, RuleViolation
from plantrail.services import ActionRef, Services
from web.auth import signed_in
from web.forms import field_of
from web.render import page
from web.routes.owner import target_action
from web.security import checked_form

PAGE = "/sign-off"
DECISIONS = {"approve": "comment", "reject": "reason"}
# What became of telling the claimant (``Services.reject``'s ``claimant_told``), as it is: a
# "next digest" is the daily reminder digest, or a clerk's chase if one reaches them first (both
# carry a rejection not yet told: ``scheduler.rejection_notice``).
TOLD = {
    "now": "they have been emailed the reason",
    "next digest": "their next reminder email tells them the reason (the daily reminder digest, or a clerk's chase if that comes first)",
    "never": "they cannot be told by email; the administrator is told why",
}


def claim_key(plan_code: str, action_code: str, kind: str) -> str:
    return f"{plan_code}/{action_code}/{kind}"


def _done(request: Request) -> str | None:
    """The flash message after a decision (Post/Redirect/Get): from fixed wordings only."""
    q = request.query_params
    decided, plan, action = q.get("decided"), q.get("plan", ""), q.get("action", "")
    if decided == "approved":
        return f"Approved: {plan}/{action}. The change is recorded, effective on the date the owner gave."
    if decided == "rejected":
        told = TOLD.get(q.get("told", ""), "they could not be told by email")
        return f"Rejected: {plan}/{action}. The action stays as last approved; {told}."
    return None


def _queue_page(request: Request, who: Principal, status_code: int = 200, **context: Any) -> Response:
    web = request.app.state.web
    claims = web.services.sign_off_queue(who.name)
    for index, claim in enumerate(claims, start=1):
        claim["key"] = claim_key(claim["plan"], claim["action"], claim["kind"])
        claim["n"], claim["anchor"] = index, f"claim-{index}"
    values = {"claims": claims, "done": _done(request), "claim_errors": {}, "typed": {}, "problem": None} | context
    return page(request, "sign_off.html", values, status_code=status_code)


def sign_off_page(request: Request) -> Response:
    who = signed_in(request)
    require(may_review_sign_off(who), ONE_LINK_ONLY)
    return _queue_page(request, who)


async def decide(request: Request) -> Response:
    """POST /sign-off/{plan}/{code}/{approve|reject}: fields ``kind``, ``claim`` (the version
    seen) and ``comment`` or ``reason``."""
    form = await checked_form(request, request.app.state.web.settings.secret_key)
    return await run_in_threadpool(_decide, request, form)


def _decide(request: Request, form: FormData) -> Response:
    web = request.app.state.web
    who = signed_in(request)
    require(may_review_sign_off(who), ONE_LINK_ONLY)
    decision = request.path_params["decision"]
    if decision not in DECISIONS:
        raise NotFoundError(f"no decision {decision!r} on a claim")
    ref = target_action(request)
    kind = _text(form, "kind") or None
    version = _version(form)
    text_field = DECISIONS[decision]
    text = _text(form, text_field)
    key = claim_key(ref.plan_code, ref.code, kind or "")
    try:
        if decision == "approve":
            shown = web.services.approve(ref, actor=who.name, comment=text or None, kind=kind, claim=version)
        else:
            shown = web.services.reject(ref, actor=who.name, reason=text, kind=kind, claim=version)
    # ForbiddenError (one's own claim, not an approver) and NotFoundError go on to the 403 / 404 page.
    except BadInputError as error:
        field = field_of(error, text_field)
        if field != text_field:  # not about what they typed (a kind or claim the form never sends)
            return _queue_page(request, who, error.http_status, problem=_problem(web.services, ref, version, error))
        errors = {key: {"decision": decision, "field": field, "message": str(error)}}
        return _queue_page(request, who, error.http_status, claim_errors=errors, typed={key: text})
    except (ConflictError, RuleViolation) as error:  # decided or replaced meanwhile; nothing left to decide
        return _queue_page(request, who, error.http_status, problem=_problem(web.services, ref, version, error))
    told = (shown.get("claimant_told") or {}).get("when", "")
    query = {"decided": shown["recorded_as"], "plan": ref.plan_code, "action": ref.code} | ({"told": told} if told else {})
    return RedirectResponse(f"{PAGE}?{urlencode(query)}", status_code=303)


def _problem(services: Services, ref: ActionRef, version: int | None, error: DomainError) -> dict[str, Any]:
    """The refusal, and what became of the claim the decider saw (from the read model)."""
    seen = next((c for c in services.claims(ref) if c["version"] == version), None)
    return {"message": str(error), "action": f"{ref.plan_code}/{ref.code}", "claim": seen}


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _version(form: FormData) -> int | None:
    raw = _text(form, "claim").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise BadInputError(f"claim: the claim's version must be a whole number, got {raw[:20]!r}", field="claim")
    return int(raw)


routes = [
    Route(PAGE, sign_off_page, methods=["GET"]),
    Route(PAGE + "/{plan}/{code}/{decision}", decide, methods=["POST"]),
]
