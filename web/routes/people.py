"""Admin pages: people (register, change email or manager) and their roles (grant, revoke).

Each change is an event on ``Person`` with the signed-in admin as actor and a reason where the
domain asks for one; the forms call the same ``Services`` methods as ``plantrail person`` and
``plantrail grant``. A refused field is a 400 with the message beside it and nothing written.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from domain.access import GRANTABLE_ROLES, ONE_LINK_ONLY, PEOPLE_REASON, may_manage_people, require, who_manages_people
from domain.errors import DomainError, NotFoundError
from web.auth import signed_in
from web.forms import form_text, refused_field
from web.render import page
from web.security import checked_form

PERSON_FIELDS = ("name", "email", "manager", "initials")
SAVED = {"added": "Person registered.", "edited": "Details changed.", "granted": "Role granted.", "revoked": "Role revoked."}
# Each change's past tense, as ``SAVED`` keys it ("revoke" + "ed" is no word, and matched nothing).
CHANGED = {"edit": "edited", "grant": "granted", "revoke": "revoked"}


def person_url(name: str, query: str = "") -> str:
    return f"/people/{quote(name, safe='')}" + (f"?{query}" if query else "")


def _admin(request: Request) -> str:
    who = signed_in(request)
    if not may_manage_people(who):
        who_can = who_manages_people(request.app.state.web.services.admins())
        require(False, ONE_LINK_ONLY if who.scoped else PEOPLE_REASON, who_can=None if who.scoped else who_can)
    return who.name


def people_page(request: Request) -> Response:
    _admin(request)
    return _people(request, {}, {}, 200)


def _people(request: Request, values: dict[str, str], errors: dict[str, str], status: int) -> Response:
    s = request.app.state.web.services
    context = {"people": s.queries.people(), "values": values, "errors": errors, "saved": SAVED.get(request.query_params.get("saved", ""))}
    return page(request, "people.html", context, status_code=status)


def person_page(request: Request) -> Response:
    _admin(request)
    return _person(request, _registered(request), {}, {}, None, 200)


def _registered(request: Request) -> str:
    s = request.app.state.web.services
    try:
        return s.person_name(request.path_params["name"], field="person")
    except DomainError:
        raise NotFoundError(f"no person registered as {request.path_params['name']!r}") from None


def _person(request: Request, name: str, values: dict[str, str], errors: dict[str, str], form: str | None, status: int) -> Response:
    s = request.app.state.web.services
    context = {
        "person": s.person_with_roles(name),
        "manager_choices": [(n, n) for n in s.queries.person_names() if n != name],
        "plan_choices": [(p["code"], f"{p['code']} {p['title']}") for p in s.queries.plans()],
        "role_choices": [(r, r) for r in GRANTABLE_ROLES],
        "values": values,
        "errors": errors,
        "form": form,
        "saved": SAVED.get(request.query_params.get("saved", "")),
    }
    return page(request, "person.html", context, status_code=status)


async def add_person(request: Request) -> Response:
    form = await checked_form(request, request.app.state.web.settings.secret_key)
    return await run_in_threadpool(_add_person, request, form)


def _add_person(request: Request, form: FormData) -> Response:
    actor = _admin(request)
    s = request.app.state.web.services
    values = {k: form_text(form, k) or "" for k in PERSON_FIELDS}
    if not values["name"].strip():
        return _people(request, values, {"name": "name: this is needed"}, 400)
    details = {k: values[k].strip() or None for k in ("email", "manager", "initials")}
    try:
        added = s.register_person(name=values["name"], actor=actor, **details)
    except DomainError as error:
        return _people(request, values, *refused_field(error, "name"))
    return RedirectResponse(person_url(added["name"], "saved=added"), status_code=303)


async def change_person(request: Request) -> Response:
    """POST /people/{name}/{change}: "edit" (email, manager), "grant" or "revoke" a role."""
    form = await checked_form(request, request.app.state.web.settings.secret_key)
    return await run_in_threadpool(_change_person, request, form)


def _change_person(request: Request, form: FormData) -> Response:
    actor = _admin(request)
    name = _registered(request)
    s = request.app.state.web.services
    change = request.path_params["change"]
    values = {k: form_text(form, k) or "" for k in ("email", "manager", "reason", "role", "plan")}
    try:
        if change == "edit":
            s.edit_person(name, changes={"email": values["email"], "manager": values["manager"]}, reason=values["reason"], actor=actor)
        elif change in ("grant", "revoke"):
            s.change_role(change, name, values["role"], values["plan"], reason=values["reason"], actor=actor)
        else:
            raise NotFoundError(f"no change {change!r} on a person")
    except DomainError as error:
        errors, status = refused_field(error, "reason")
        return _person(request, name, values, errors, change, status)
    return RedirectResponse(person_url(name, f"saved={CHANGED[change]}"), status_code=303)


routes = [
    Route("/people", people_page, methods=["GET"]),
    Route("/people", add_person, methods=["POST"]),
    Route("/people/{name}", person_page, methods=["GET"]),
    Route("/people/{name}/{change}", change_person, methods=["POST"]),
]
