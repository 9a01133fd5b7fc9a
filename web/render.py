"""Pages: the jinja2 environment (autoescaped, StrictUndefined) and what every page is given."""

from __future__ import annotations

import functools
import logging
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from domain.access import Principal, may_approve_anything, may_audit, may_review_sign_off
from projections.statuses import RULE_LABELS, STATUS_KEY, status_mark
from projections.wording import changes_text, event_heading, proposal_in_words, shown_changes, shown_day, shown_time
from web.auth import current_principal
from web.forms import beside_field
from web.security import CSRF_FIELD, csrf_seed, csrf_token

log = logging.getLogger("plantrail.web")

HTMX_FILE = "htmx-2.0.11.min.js"


def action_url(plan_code: str, code: str, suffix: str = "") -> str:
    return f"/actions/{quote(plan_code, safe='')}/{quote(code, safe='')}{suffix}"


def decision_url(plan_code: str, code: str, decision: str) -> str:
    """Where a sign-off form posts: approve or reject the claim on one action."""
    return f"/sign-off/{quote(plan_code, safe='')}/{quote(code, safe='')}/{decision}"


def plan_url(plan_code: str, suffix: str = "", **query: Any) -> str:
    params = {k: v.isoformat() if isinstance(v, date) else v for k, v in query.items() if v not in (None, "")}
    return f"/plans/{quote(plan_code, safe='')}{suffix}" + (f"?{urlencode(params)}" if params else "")


@functools.lru_cache(maxsize=64)
def status_badge(value: str) -> Markup:
    """A status as every page shows it: icon and word in a span its class colours. A function,
    not a template macro: a jinja2 macro call costs more than the rest of a table row, and My
    actions has a row per action (five statuses, so each is made once)."""
    return Markup('<span class="status status-{}">{}</span>').format(value.lower(), status_mark(value))


def templates() -> Jinja2Templates:
    env = Environment(
        loader=PackageLoader("web", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # The templates ship with the code: no stat of every template file on every page.
        auto_reload=False,
    )
    env.globals.update(
        action_url=action_url,
        decision_url=decision_url,
        plan_url=plan_url,
        status_mark=status_mark,
        status_badge=status_badge,
        status_key=STATUS_KEY,
        rule_labels=RULE_LABELS,
        htmx_file=HTMX_FILE,
        csrf_field=CSRF_FIELD,
        event_heading=event_heading,
        shown_changes=functools.partial(shown_changes, dates_in_words=True),
        # The audit page's "What changed" says what its CSV export says, cell for cell (ISO dates).
        changes_text=changes_text,
        beside_field=beside_field,
    )
    # Dates as people write them ("2 Apr 2015"), recorded times in UTC to the minute; values in
    # links, form fields and downloads stay ISO.
    env.filters.update(day=shown_day, when=shown_time, proposal=proposal_in_words)
    return Jinja2Templates(env=env)


def page(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    """Render ``name`` with what every page needs: who is signed in and this browser's CSRF token."""
    web = request.app.state.web
    principal = current_principal(request)
    values = {
        "principal": principal,
        "sign_off_count": _sign_off_count(web.services, principal),
        # The navigation offers only what the person may open: no link that leads to a 403.
        "may_audit": principal is not None and may_audit(principal),
        "csrf_token": csrf_token(web.settings.secret_key, csrf_seed(request)),
        "sso_label": web.settings.oidc.label if web.settings.oidc else None,
        "errors": {},
        **(context or {}),
    }
    return web.templates.TemplateResponse(request, name, values, status_code=status_code)


def _sign_off_count(services: Any, principal: Principal | None) -> int | None:
    """How many claims the signed-in person may decide, for the navigation (None: no link)."""
    if principal is None or not may_review_sign_off(principal) or not may_approve_anything(principal):
        return None
    try:
        return len(services.pending(for_person=principal.name, roles=principal.roles))
    except Exception:  # a count in the navigation must never cost the page (an error page above all)
        log.debug("no sign-off count for the navigation", exc_info=True)
        return None
