"""A clerk's plan settings page: the committee calendar, the sign-off setting, and importing an
action list (CSV or XLSX, as exported from Excel) into the plan.

Each form calls the ``Services`` method the CLI's ``plan committee add``, ``sign-off`` and
``import --plan`` call, with the signed-in clerk as actor. A refused field is a 400 with the
message beside it, a summary at the top linking to it, and nothing written; an import is atomic
and lists every problem at once. Success is Post/Redirect/Get: back to the settings page, the
outcome said at its top (an import's counts and notices carried in a signed query parameter).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from domain.errors import DomainError, NotFoundError
from domain.problems import InputProblemsError
from domain.sign_off import NOTIFY_REJECTION_CHOICES, SIGN_OFF_MODES
from plantrail.dates import parse_date
from plantrail.imports import SHEETS, SheetTarget, import_files
from web.auth import require_clerk, signed_in
from web.forms import FieldReader, FormErrors, form_text, refused_field
from web.render import page, plan_url
from web.routes.plans import plan_for_request
from web.security import checked_form

SAVED = {"committee": "Committee date added.", "sign-off": "Sign-off setting changed.", "unchanged": "The sign-off setting was already so."}
# An uploaded action list is read from a temporary folder under its own name (so messages name
# the clerk's file); at most this many bytes are kept (a council's action list is far smaller).
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# An import's outcome rides the redirect to the settings page signed (so no link can make the page
# claim an import that did not happen), with at most this many notices (the URL stays short).
OUTCOME_SALT = "plantrail-import-outcome"
MAX_NOTICES_SHOWN = 10


def _clerk_plan(request: Request) -> tuple[str, dict[str, Any]]:
    plan = plan_for_request(request)
    who = signed_in(request)
    require_clerk(request, who, plan["code"])
    return who.name, plan


def settings_page(request: Request) -> Response:
    _, plan = _clerk_plan(request)
    return _settings(request, plan, {}, {}, None, 200, imported=_import_outcome(request))


def settings_form_page(request: Request) -> Response:
    """GET of a form's address (a reload or a bookmark after a refused POST): the settings page."""
    _clerk_plan(request)
    return RedirectResponse(plan_url(request.path_params["plan"], "/settings"), status_code=303)


def _outcome_signer(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(request.app.state.web.settings.secret_key, salt=OUTCOME_SALT)


def _import_outcome(request: Request) -> dict[str, Any] | None:
    token = request.query_params.get("imported")
    if not token:
        return None
    try:
        outcome = _outcome_signer(request).loads(token)
    except BadSignature:
        return None
    return outcome if isinstance(outcome, dict) else None


def _settings(
    request: Request, plan: dict[str, Any], values: dict[str, str], errors: dict[str, str], form: str | None, status: int, **extra: Any
) -> Response:
    s = request.app.state.web.services
    context = {
        "plan": s.queries.plan(plan["code"]),
        "sign_off": s.sign_off_settings(plan["code"]),
        "mode_choices": [(m, m) for m in SIGN_OFF_MODES],
        "notify_choices": [(n, n) for n in NOTIFY_REJECTION_CHOICES],
        "values": values,
        "errors": errors,
        "form": form,
        "saved": SAVED.get(request.query_params.get("saved", "")),
        "problems": [],
        "imported": None,
        "today": s.today(plan["code"]).isoformat(),
        **extra,
    }
    return page(request, "plan_settings.html", context, status_code=status)


async def change_settings(request: Request) -> Response:
    """POST /plans/{plan}/settings/{form}: "committee", "sign-off" or "import"."""
    form = await checked_form(request, request.app.state.web.settings.secret_key)
    upload = form.get("file")
    content = await upload.read(MAX_UPLOAD_BYTES + 1) if isinstance(upload, UploadFile) else None
    return await run_in_threadpool(_change_settings, request, form, content)


def _change_settings(request: Request, form: FormData, content: bytes | None) -> Response:
    actor, plan = _clerk_plan(request)
    kind = request.path_params["form"]
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    try:
        if kind == "committee":
            return _add_committee(request, plan, form, actor)
        if kind == "sign-off":
            return _configure_sign_off(request, plan, form, actor)
        if kind == "import":
            return _import(request, plan, form, content, actor)
    except FormErrors as errors:
        return _settings(request, plan, values, errors.messages, kind, 400)
    except DomainError as error:
        beside_field, status = refused_field(error, "form")
        return _settings(request, plan, values, beside_field, kind, status)
    raise NotFoundError(f"no settings form {kind!r} on a plan")


def _add_committee(request: Request, plan: dict[str, Any], form: FormData, actor: str) -> Response:
    r = FieldReader(form)
    meets_on = r.parsed("meets_on", parse_date, required=True, what="meeting date")
    deadline = r.parsed("report_deadline", parse_date)
    r.done()
    assert meets_on is not None
    if deadline is not None and deadline > meets_on:
        raise FormErrors({"report_deadline": "report deadline: must be on or before the meeting date"})
    s = request.app.state.web.services
    s.schedule_committee(
        plan["code"], meets_on=meets_on, report_deadline=deadline, committee=form_text(form, "committee") or None, actor=actor
    )
    return RedirectResponse(plan_url(plan["code"], "/settings", saved="committee"), status_code=303)


def _configure_sign_off(request: Request, plan: dict[str, Any], form: FormData, actor: str) -> Response:
    r = FieldReader(form)
    days = r.parsed("sign_off_days", _whole_days, required=True, what="days before escalation")
    r.done()
    s = request.app.state.web.services
    chosen = {"sign_off": form_text(form, "sign_off"), "sign_off_days": days, "notify_rejection": form_text(form, "notify_rejection")}
    result = s.configure_sign_off(plan["code"], chosen, actor=actor, roles=s.app.roles_of(actor), reason=form_text(form, "reason") or None)
    outcome = "sign-off" if result.get("changed", True) else "unchanged"
    return RedirectResponse(plan_url(plan["code"], "/settings", saved=outcome), status_code=303)


def _whole_days(text: str) -> int:
    if not text.isdigit():
        raise ValueError(f"days before escalation: a whole number of days, got {text!r}")
    return int(text)


def _import(request: Request, plan: dict[str, Any], form: FormData, content: bytes | None, actor: str) -> Response:
    upload = form.get("file")
    name = _safe_name(upload.filename if isinstance(upload, UploadFile) else None)
    r = FieldReader(form)
    exported_on = r.parsed("exported_on", parse_date)
    if not name or content is None:
        r.errors.messages["file"] = "file: choose the action list to import (a .csv or .xlsx file)"
    elif not content:
        # A file was chosen: saying "choose a file" would send the clerk looking for the button.
        r.errors.messages["file"] = f"{name} is empty: there is nothing in it to import"
    elif Path(name).suffix.lower() not in SHEETS:
        r.errors.messages["file"] = f"file: {name} is not an action list; save it from Excel as .csv or .xlsx"
    elif len(content) > MAX_UPLOAD_BYTES:
        r.errors.messages["file"] = f"file: {name} is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB"
    r.done()
    assert content is not None and name is not None
    s = request.app.state.web.services
    with tempfile.TemporaryDirectory(prefix="plantrail-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        try:
            outcome = import_files(s, [path], SheetTarget(plan["code"], exported_on=exported_on), actor=actor)
        except InputProblemsError as error:
            # The importer names the file by its path; the clerk knows it by its own name.
            problems = [p.replace(str(path), name) for p in error.problems]
            return _settings(request, plan, {}, {"file": f"{name}: nothing was imported"}, "import", 400, problems=problems)
    notices = [n.replace(str(path), name) for n in outcome.notices]
    said = {"file": name, "summary": outcome.summary, "notices": notices[:MAX_NOTICES_SHOWN], "more": len(notices) - MAX_NOTICES_SHOWN}
    return RedirectResponse(plan_url(plan["code"], "/settings", imported=_outcome_signer(request).dumps(said)), status_code=303)


def _safe_name(filename: str | None) -> str | None:
    """The upload's own file name without any folder part or characters a file system refuses."""
    if not filename:
        return None
    base = re.split(r"[\\/]", filename)[-1]
    cleaned = re.sub(r"[^\w .,()&'+-]", "_", base).strip(" .")
    return cleaned[:120] or None


routes = [
    Route("/plans/{plan}/settings", settings_page, methods=["GET"]),
    Route("/plans/{plan}/settings/{form}", change_settings, methods=["POST"]),
    Route("/plans/{plan}/settings/{form}", settings_form_page, methods=["GET"]),
]
