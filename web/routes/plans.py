"""Clerk pages: the plans, a plan's dashboard as at any date, the actions behind each count, the
committee report to download, and the update round with its "chase now" button."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from domain.access import ONE_LINK_ONLY, may_read_plan, may_run_committee, require
from domain.errors import BadInputError, NotFoundError
from domain.rounds import last_committee_before
from plantrail.rounds import chase, committee_dates, round_status
from projections.report import change_phrases, render_csv, render_html, render_xlsx, report_data
from projections.statuses import COUNT_STATUS
from projections.summary import changes, summary
from web.auth import require_clerk, signed_in
from web.chart import status_chart
from web.forms import optional_date, picked_date
from web.render import page, plan_url
from web.security import checked_form


def plan_for_request(request: Request) -> dict[str, Any]:
    who = signed_in(request)
    plan = request.app.state.web.services.queries.resolve_plan(request.path_params["plan"])
    require(may_read_plan(who, plan["code"]), ONE_LINK_ONLY)
    return plan


def _as_at(request: Request, plan_code: str, label: str = "As at") -> date:
    return picked_date(request.query_params.get("as_at"), "as_at", label) or request.app.state.web.services.today(plan_code)


def _dates(request: Request, plan_code: str, labels: dict[str, str]) -> tuple[dict[str, date | None], dict[str, str]]:
    """The date fields of a GET form ({name: label}), each refused beside its field in the words
    of its label; an as-at date that is refused or left empty is the plan's today."""
    picked: dict[str, date | None] = {}
    refused: dict[str, str] = {}
    for name, label in labels.items():
        try:
            picked[name] = picked_date(request.query_params.get(name), name, label)
        except BadInputError as error:
            picked[name], refused[name] = None, str(error)
    picked["as_at"] = picked.get("as_at") or request.app.state.web.services.today(plan_code)
    return picked, refused


def plans_page(request: Request) -> Response:
    who = signed_in(request)
    require(not who.scoped, ONE_LINK_ONLY)
    return page(request, "plans.html", {"plans": request.app.state.web.services.queries.plans()})


def dashboard(request: Request) -> Response:
    plan = plan_for_request(request)
    web = request.app.state.web
    s = web.services
    picked, refused = _dates(request, plan["code"], {"as_at": "Show the plan as at"})
    as_at = picked["as_at"]
    assert as_at is not None
    committees = committee_dates(s, plan["code"])
    last = last_committee_before(committees, as_at)
    # Meetings that have happened: a count "as at" a future meeting would only repeat today's.
    today = s.today(plan["code"])
    over_time = [
        (c["meets_on"], summary(s.queries, plan["code"], as_at=c["meets_on"])["totals"]) for c in committees if c["meets_on"] <= today
    ]
    who = signed_in(request)
    context = {
        "plan": plan,
        "as_at": as_at,
        "summary": summary(s.queries, plan["code"], as_at=as_at),
        "count_status": COUNT_STATUS,
        "committees": committees,
        "last_committee": last,
        "over_time": over_time,
        "chart": status_chart(over_time),
        "runs_committee": may_run_committee(who, plan["code"]),
        "errors": refused,
        "typed": dict(request.query_params),
    }
    return page(request, "dashboard.html", context, status_code=400 if refused else 200)


def plan_changes(request: Request) -> Response:
    """What moved between two dates (by default: the last committee before the as-at date, and it)."""
    plan = plan_for_request(request)
    s = request.app.state.web.services
    picked, refused = _dates(request, plan["code"], {"since": "From", "as_at": "To"})
    as_at = picked["as_at"]
    assert as_at is not None
    since = picked["since"] or (last_committee_before(committee_dates(s, plan["code"]), as_at) if "since" not in refused else None)
    if since is not None and since > as_at and "as_at" not in refused:
        refused["since"] = f"From: {since.isoformat()} is after To ({as_at.isoformat()}); pick an earlier date"
    moved = changes(s.queries, s.engine, plan["code"], from_date=since, to_date=as_at) if since and not refused else None
    context = {
        "plan": plan,
        "as_at": as_at,
        "since": since,
        "moved": [(m, change_phrases(m)) for m in moved["actions"]] if moved else [],
        "priorities": moved["priorities"] if moved else [],
        "count_status": COUNT_STATUS,
        "errors": refused,
        "typed": dict(request.query_params),
    }
    return page(request, "changes.html", context, status_code=400 if refused else 200)


def plan_actions(request: Request) -> Response:
    """The actions behind one count of the dashboard."""
    plan = plan_for_request(request)
    s = request.app.state.web.services
    as_at = _as_at(request, plan["code"])
    wanted = request.query_params.get("status", "")
    if wanted and wanted not in COUNT_STATUS:
        raise BadInputError(f"status: must be one of {', '.join(COUNT_STATUS)}, got {wanted!r}", field="status")
    raw_priority = request.query_params.get("priority", "")
    try:
        priority = int(raw_priority) if raw_priority else None
    except ValueError:
        raise BadInputError(f"priority: must be a priority number, got {raw_priority!r}", field="priority") from None
    found = s.queries.actions(plan["code"], as_at=as_at, priority_number=priority, with_children=False)
    if wanted:
        found = [a for a in found if a["status"] == COUNT_STATUS[wanted]]
    named = {p["number"]: p["name"] for p in s.queries.priorities(plan["code"])}
    context = {
        "plan": plan,
        "as_at": as_at,
        "actions": found,
        "status": COUNT_STATUS.get(wanted),
        "priority": f"{priority}: {named[priority]}" if priority in named else priority,
    }
    return page(request, "plan_actions.html", context)


REPORT_TYPES = {
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def report(request: Request) -> Response:
    plan = plan_for_request(request)
    s = request.app.state.web.services
    fmt = request.path_params["fmt"]
    if fmt not in REPORT_TYPES:
        *others, last = REPORT_TYPES
        raise NotFoundError(f"no report format {fmt!r} ({', '.join(others)} or {last})")
    as_at = _as_at(request, plan["code"])
    since = optional_date(request.query_params.get("since"))
    if since and since > as_at:
        raise BadInputError("since: must not be after the as-at date", field="since")
    data = report_data(s.queries, s.engine, plan["code"], as_at=as_at, since=since)
    renderers = {"html": render_html, "csv": render_csv, "xlsx": render_xlsx, "json": lambda d: json.dumps(d, indent=2, ensure_ascii=False)}
    body = renderers[fmt](data)
    filename = f"{plan['code'].replace(' ', '-').lower()}-report-{as_at.isoformat()}.{fmt}"
    return Response(body, media_type=REPORT_TYPES[fmt], headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def round_page(request: Request) -> Response:
    plan = plan_for_request(request)
    who = signed_in(request)
    require_clerk(request, who, plan["code"])
    web = request.app.state.web
    status = round_status(web.services, web.policy_for, plan["code"])
    chased, emails, sent = (request.query_params.get(k, "") for k in ("chased", "emails", "sent"))
    may_chase = status.last_chase is None or web.clock() >= status.last_chase.again_from
    context = {
        "plan": plan,
        "status": status,
        "chased": int(chased) if chased.isdigit() else None,
        "emails": int(emails) if emails.isdigit() else None,
        "sent": int(sent) if sent.isdigit() else None,
        "may_chase": may_chase,
    }
    return page(request, "round.html", context)


async def chase_now(request: Request) -> Response:
    web = request.app.state.web
    await checked_form(request, web.settings.secret_key)
    plan, raised = await run_in_threadpool(_chase, request)
    await web.mailer.deliver_now()
    # Said as it is: a mail server that refused or did not answer leaves the rest to the relay.
    sent = await run_in_threadpool(web.services.outbox.sent_reminders, raised)
    emails = await run_in_threadpool(web.services.outbox.message_count, raised)
    return RedirectResponse(plan_url(plan["code"], "/round", chased=len(raised), emails=emails, sent=len(sent)), status_code=303)


def _chase(request: Request) -> tuple[dict[str, Any], list[str]]:
    web = request.app.state.web
    plan = plan_for_request(request)
    who = signed_in(request)
    require_clerk(request, who, plan["code"])
    return plan, chase(web.services, web.policy_for, web.sweep, plan["code"], actor=who.name, now=web.clock())


routes = [
    Route("/plans", plans_page, methods=["GET"]),
    Route("/plans/{plan}", dashboard, methods=["GET"]),
    Route("/plans/{plan}/actions", plan_actions, methods=["GET"]),
    Route("/plans/{plan}/changes", plan_changes, methods=["GET"]),
    Route("/plans/{plan}/report.{fmt}", report, methods=["GET"]),
    Route("/plans/{plan}/round", round_page, methods=["GET"]),
    Route("/plans/{plan}/round/chase", chase_now, methods=["POST"]),
]
