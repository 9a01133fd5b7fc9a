"""Single sign-on by OpenID Connect (Entra ID, Google, any provider with a discovery document),
through Authlib. The person is matched by their email address, and only when the provider says
it is verified; the session is then the same kind a sign-in link opens."""

from __future__ import annotations

import logging
import warnings

with warnings.catch_warnings():
    # Authlib warns, on import, of its own move to httpx2 (its code, not ours): every `serve`
    # start printed it to the administrator. Its module that says "always show ours" is loaded
    # first, so that this filter comes before that one.
    import authlib.deprecate  # noqa: F401

    warnings.filterwarnings("ignore", message="The httpx module is deprecated", category=DeprecationWarning)
    from authlib.integrations.base_client.errors import OAuthError
    from authlib.integrations.starlette_client import OAuth
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from domain.errors import NotFoundError
from plantrail.settings import OidcSettings
from web.render import page
from web.routes.signin import HOME, set_session_cookie

log = logging.getLogger("plantrail.web")
STATE_COOKIE = "pt_sso"


def oidc_client(settings: OidcSettings):
    oauth = OAuth()
    # The issuer's own metadata URL: for Entra ID the tenant-specific one (``/common`` fails the
    # ``iss`` check), so the issuer is configured per council, never guessed.
    return oauth.register(
        name="council",
        server_metadata_url=settings.metadata_url,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        client_kwargs={"scope": "openid email profile"},
    )


def _client(request: Request):
    client = request.app.state.sso
    if client is None:
        raise NotFoundError("single sign-on is not set up here")
    return client


async def sso_login(request: Request) -> Response:
    web = request.app.state.web
    return await _client(request).authorize_redirect(request, f"{web.settings.base_url}/sso/callback")


async def sso_callback(request: Request) -> Response:
    web = request.app.state.web
    try:
        token = await _client(request).authorize_access_token(request)
    except OAuthError as error:
        log.warning("single sign-on refused: %s", error)
        return page(request, "error.html", {"status": 400, "message": f"Single sign-on did not complete ({error.error}). Try again."}, 400)
    claims = token.get("userinfo") or {}
    email = claims.get("email")
    if not email or claims.get("email_verified") is not True:
        return page(request, "error.html", {"status": 403, "message": "Your provider did not confirm your email address."}, 403)
    name = await run_in_threadpool(web.services.queries.person_by_email, str(email))
    if name is None:
        log.warning("single sign-on: no one registered with %s", email)
        return page(request, "error.html", {"status": 403, "message": "No one is registered here with that email address."}, 403)
    response = RedirectResponse(HOME, status_code=303)
    set_session_cookie(request, response, await run_in_threadpool(web.sessions.open, name, "sso"))
    return response


routes = [
    Route("/sso/login", sso_login, methods=["GET"]),
    Route("/sso/callback", sso_callback, methods=["GET"]),
]
