"""The audit trail for clerks and auditors: filters by plan, action, person, event type and a
date range on either time axis; paged; the same filters as CSV."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.access import may_audit, require
from domain.errors import BadInputError
from projections.audit import history, history_csv
from web.auth import signed_in
from web.forms import optional_date
from web.render import page

PAGE_SIZE = 50
FILTERS = ("plan", "action", "actor", "type", "axis", "since", "until")


def _filters(request: Request) -> tuple[dict[str, str], dict[str, Any]]:
    """The filters as typed (to fill the form again) and as ``history`` arguments."""
    typed = {k: request.query_params.get(k, "").strip() for k in FILTERS}
    s = request.app.state.web.services
    axis = typed["axis"] or "effective"
    if axis not in ("effective", "recorded"):
        raise BadInputError(f"axis: must be effective or recorded, got {axis!r}", field="axis")
    plan_code = s.queries.resolve_plan(typed["plan"])["code"] if typed["plan"] else None
    who = signed_in(request)
    require(may_audit(who, plan_code), f"{who.name} may not read the audit trail" + (f" of {plan_code}" if plan_code else ""))
    if plan_code is None and not (who.is_admin or who.is_viewer):
        # A clerk sees the trails of their own plans: the first one until they pick another.
        plan_code = who.clerk_plans[0]
        typed["plan"] = plan_code
    action_code = None
    if typed["action"]:
        ref = s.resolve(f"{plan_code}/{typed['action']}" if plan_code else typed["action"])
        plan_code, action_code = ref.plan_code, ref.code
    arguments = {
        "plan_code": plan_code,
        "action_code": action_code,
        "actor": typed["actor"] or None,
        "event_type": typed["type"] or None,
        "axis": axis,
        "since": optional_date(typed["since"]),
        "until": optional_date(typed["until"]),
    }
    return typed, arguments


def audit_page(request: Request) -> Response:
    typed, arguments = _filters(request)
    raw_page = request.query_params.get("page", "1")
    number = int(raw_page) if raw_page.isdigit() and int(raw_page) > 0 else 1
    found = history(request.app.state.web.services.engine, **arguments, limit=PAGE_SIZE + 1, offset=(number - 1) * PAGE_SIZE)
    query = {k: v for k, v in typed.items() if v}
    context = {
        "entries": found[:PAGE_SIZE],
        "filters": typed,
        "page_number": number,
        "previous_url": f"/audit?{urlencode(query | {'page': number - 1})}" if number > 1 else None,
        "next_url": f"/audit?{urlencode(query | {'page': number + 1})}" if len(found) > PAGE_SIZE else None,
        "csv_url": f"/audit.csv?{urlencode(query)}",
        "plans": request.app.state.web.services.queries.plans(),
    }
    partial = request.headers.get("HX-Request") == "true"
    return page(request, "_partials/audit_results.html" if partial else "audit.html", context)


def audit_csv(request: Request) -> Response:
    _, arguments = _filters(request)
    body = history_csv(history(request.app.state.web.services.engine, **arguments))
    return Response(body, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": 'attachment; filename="audit-trail.csv"'})


routes = [
    Route("/audit", audit_page, methods=["GET"]),
    Route("/audit.csv", audit_csv, methods=["GET"]),
]
