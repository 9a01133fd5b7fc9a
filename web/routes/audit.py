"""The audit trail for clerks and auditors: filters by plan, action, person, event type and a
date range on either time axis; paged; the same filters as CSV. A refused filter shows the page
again (400) with its message beside the field and the form as typed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.access import ONE_LINK_ONLY, audit_reason, may_audit, require, who_grants_audit
from domain.errors import BadInputError, DomainError, ForbiddenError
from projections.audit import BACKDATED_AFTER_DAYS, declared_event_types, history, history_csv
from projections.wording import event_words
from web.auth import signed_in
from web.forms import picked_date
from web.render import page

T = TypeVar("T")
PAGE_SIZE = 50
FILTERS = ("plan", "action", "actor", "type", "axis", "since", "until")
# Sent by the form while it shows refusals, so the next good answer replaces the form too.
REFUSED_HEADER = "X-Audit-Refused"
# The domain names a field as the CLI does ("actor: nobody called …"); the page says its label.
# The event filter offers each kind of event in words, alphabetically; its value is the name
# the CSV export and the command line's --type use.
EVENT_CHOICES = sorted(((name, event_words(name)) for name in declared_event_types()), key=lambda choice: choice[1])

LABELS = {"plan": "Plan", "action": "Action code", "actor": "Person", "type": "Event type", "since": "From", "until": "To"}


class _Refusals:
    """Each filter's problem, kept by field so every one is shown at once."""

    def __init__(self) -> None:
        self.messages: dict[str, str] = {}

    def attempt(self, name: str, read: Callable[[], T]) -> T | None:
        try:
            return read()
        except ForbiddenError:
            raise
        except DomainError as error:
            # A name that matches nothing is a mistyped filter (400 beside it), not a missing page.
            field = error.field if error.field in FILTERS else name
            label, message = LABELS.get(field, field), str(error)
            if not message.startswith(f"{label}: "):
                message = f"{label}: {message.removeprefix(f'{field}: ')}"
            self.messages[field] = message
            return None


def _filters(request: Request) -> tuple[dict[str, str], dict[str, Any], dict[str, str]]:
    """The filters as typed (to fill the form again), as ``history`` arguments, and the refusals."""
    typed = {k: request.query_params.get(k, "").strip() for k in FILTERS}
    # A link typed or kept from before the filter was a list ("progressupdated") shows as chosen.
    typed["type"] = next((name for name, _ in EVENT_CHOICES if name.casefold() == typed["type"].casefold()), typed["type"])
    s = request.app.state.web.services
    refused = _Refusals()
    axis = typed["axis"] or "effective"
    if axis not in ("effective", "recorded"):
        refused.messages["axis"] = f"Dates are: must be effective or recorded, got {axis!r}"
    plan = refused.attempt("plan", lambda: s.queries.resolve_plan(typed["plan"])) if typed["plan"] else None
    plan_code = plan["code"] if plan else None
    who = signed_in(request)
    if not may_audit(who, plan_code):
        require(
            False, ONE_LINK_ONLY if who.scoped else audit_reason(plan_code), who_can=None if who.scoped else who_grants_audit(s.admins())
        )
    if plan_code is None and "plan" not in refused.messages and not (who.is_admin or who.is_viewer):
        # A clerk sees the trails of their own plans: the first one until they pick another.
        plan_code = who.clerk_plans[0]
        typed["plan"] = plan_code
    action_code = None
    if typed["action"]:
        ref = refused.attempt("action", lambda: s.resolve(f"{plan_code}/{typed['action']}" if plan_code else typed["action"]))
        if ref is not None:
            plan_code, action_code = ref.plan_code, ref.code
    since = refused.attempt("since", lambda: picked_date(typed["since"], "since", "From"))
    until = refused.attempt("until", lambda: picked_date(typed["until"], "until", "To"))
    if since and until and since > until:
        refused.messages["until"] = f"To: {until.isoformat()} is before From ({since.isoformat()}); pick a later date"
    arguments = {
        "plan_code": plan_code,
        "action_code": action_code,
        "actor": typed["actor"] or None,
        "event_type": typed["type"] or None,
        "axis": axis,
        "since": since,
        "until": until,
    }
    return typed, arguments, refused.messages


def _found(request: Request, arguments: dict[str, Any], refused: dict[str, str], **paging: int) -> list[dict[str, Any]]:
    """The matching events; a person or event type that matches nothing joins the refusals."""
    if refused:
        return []
    checker = _Refusals()
    found = checker.attempt("actor", lambda: history(request.app.state.web.services.engine, **arguments, **paging))
    refused.update(checker.messages)
    return found or []


def _plan_choices(request: Request) -> dict[str, Any]:
    """The plans the viewer may pick: every plan, and "All plans", for an admin or a viewer; a
    clerk's own plans only (the trail of any other is refused)."""
    who = signed_in(request)
    plans = request.app.state.web.services.queries.plans()
    every = who.is_admin or who.is_viewer
    return {"plans": plans if every else [p for p in plans if who.clerk_of(p["code"])], "all_plans": every}


def audit_page(request: Request) -> Response:
    typed, arguments, refused = _filters(request)
    raw_page = request.query_params.get("page", "1")
    number = int(raw_page) if raw_page.isdigit() and int(raw_page) > 0 else 1
    found = _found(request, arguments, refused, limit=PAGE_SIZE + 1, offset=(number - 1) * PAGE_SIZE)
    query = {k: v for k, v in typed.items() if v}
    context = {
        "entries": found[:PAGE_SIZE],
        "filters": typed,
        "errors": refused,
        "page_number": number,
        "previous_url": f"/audit?{urlencode(query | {'page': number - 1})}" if number > 1 else None,
        "next_url": f"/audit?{urlencode(query | {'page': number + 1})}" if len(found) > PAGE_SIZE else None,
        "csv_url": f"/audit.csv?{urlencode(query)}",
        **_plan_choices(request),
        "event_choices": EVENT_CHOICES,
        "refused_header": REFUSED_HEADER,
        "backdated_after_days": BACKDATED_AFTER_DAYS,
    }
    status = 400 if refused else 200
    if request.headers.get("HX-Request") != "true":
        return page(request, "audit.html", context, status_code=status)
    if refused or request.headers.get(REFUSED_HEADER) == "true":
        # The form itself changes (messages appear or go): swap it with the results.
        response = page(request, "_partials/audit_body.html", context, status_code=status)
        response.headers.update({"HX-Retarget": "#audit", "HX-Reswap": "innerHTML"})
        return response
    return page(request, "_partials/audit_results.html", context)


def audit_csv(request: Request) -> Response:
    _, arguments, refused = _filters(request)
    entries = _found(request, arguments, refused)
    if refused:
        raise BadInputError("; ".join(refused.values()), field=next(iter(refused)))
    body = history_csv(entries)
    return Response(body, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": 'attachment; filename="audit-trail.csv"'})


routes = [
    Route("/audit", audit_page, methods=["GET"]),
    Route("/audit.csv", audit_csv, methods=["GET"]),
]
