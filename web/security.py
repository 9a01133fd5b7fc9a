"""Headers on every response, and CSRF tokens for every form.

CSRF: a random value in an HttpOnly cookie (``pt_csrf``), and in each form a token that is the
HMAC of that value under the secret key. A POST whose token does not match is refused with 403
before its handler reads a single field (``checked_form``). The cookie is replaced at sign-in,
so a token fetched before signing in is useless after it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from starlette.datastructures import FormData, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.errors import ForbiddenError

CSRF_COOKIE = "pt_csrf"
CSRF_FIELD = "csrf_token"

# No script, style, image or frame from anywhere but this server; no inline script or style.
CONTENT_SECURITY_POLICY = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
BASE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# Pages whose URL carries a token must not leak it to the next site in a Referer header.
TOKEN_PAGE_REFERRER_POLICY = "no-referrer"

# Bounds on what a form may carry (our forms have a handful of short fields).
MAX_FORM_FIELDS = 50
MAX_FORM_PART_BYTES = 256 * 1024


class CsrfError(ForbiddenError):
    """The form's CSRF token is missing or does not belong to this browser."""


def csrf_token(secret_key: str, seed: str) -> str:
    return hmac.new(secret_key.encode(), b"csrf|" + seed.encode(), hashlib.sha256).hexdigest()


class SecurityMiddleware:
    """Adds the security headers to every response and gives every browser a CSRF cookie."""

    def __init__(self, app: ASGIApp, *, secure_cookies: bool) -> None:
        self.app = app
        self.secure_cookies = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        seed = request.cookies.get(CSRF_COOKIE)
        state = scope.setdefault("state", {})
        state["csrf_seed"] = seed if seed and len(seed) <= 100 else None
        state["token_page"] = False

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in BASE_HEADERS.items():
                    headers.setdefault(name, value)
                if state.get("token_page"):
                    headers["Referrer-Policy"] = TOKEN_PAGE_REFERRER_POLICY
                headers.setdefault("Cache-Control", "no-store")
                new_seed = state.get("new_csrf_seed")
                if new_seed:
                    headers.append("Set-Cookie", self._cookie(CSRF_COOKIE, new_seed))
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _cookie(self, name: str, value: str) -> str:
        return f"{name}={value}; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if self.secure_cookies else "")


def csrf_seed(request: Request) -> str:
    """This browser's CSRF seed, making one (set on the response) when it has none yet."""
    state: Any = request.state
    seed = getattr(state, "new_csrf_seed", None) or getattr(state, "csrf_seed", None)
    if not seed:
        seed = secrets.token_urlsafe(24)
        state.new_csrf_seed = seed
    return seed


def renew_csrf_seed(request: Request) -> None:
    """At sign-in: a new seed, so tokens handed out before no longer match."""
    request.state.new_csrf_seed = secrets.token_urlsafe(24)


async def checked_form(request: Request, secret_key: str) -> FormData:
    """The POSTed form, once its CSRF token is shown to match this browser's cookie."""
    form = await request.form(max_fields=MAX_FORM_FIELDS, max_part_size=MAX_FORM_PART_BYTES)
    sent = form.get(CSRF_FIELD)
    seed = getattr(request.state, "csrf_seed", None)
    if not isinstance(sent, str) or not seed or not hmac.compare_digest(sent, csrf_token(secret_key, seed)):
        raise CsrfError("the form's security token is missing or out of date: reload the page and try again")
    return form


def mark_token_page(request: Request) -> None:
    request.state.token_page = True
