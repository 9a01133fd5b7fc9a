"""A person's calendar feed: their open actions as .ics, at a secret address a calendar app subscribes to.

Calendar apps fetch feeds without cookies, so the address itself is the credential: the person's
registered name and an HMAC of it under ``PLANTRAIL_SECRET_KEY``. Nothing is stored; rotating the
secret key revokes every feed address at once. A wrong, tampered or stale address is a plain 404,
so the feed does not tell a guesser which names are registered.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.errors import DomainError, NotFoundError
from web.security import mark_token_page

ICS_MEDIA_TYPE = "text/calendar; charset=utf-8"
NO_FEED = "no calendar at this address: open “My actions” for your current calendar address"


def _mac(secret_key: str, person: str) -> str:
    return hmac.new(secret_key.encode(), b"calendar-feed|" + person.encode(), hashlib.sha256).hexdigest()[:32]


def feed_token(secret_key: str, person: str) -> str:
    name = base64.urlsafe_b64encode(person.encode()).rstrip(b"=").decode()
    return f"{name}.{_mac(secret_key, person)}"


def feed_person(secret_key: str, token: str) -> str | None:
    """The registered name a genuine token was made for; None for anything else."""
    name_part, _, mac = token.partition(".")
    try:
        person = base64.urlsafe_b64decode(name_part + "=" * (-len(name_part) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return person if mac and hmac.compare_digest(mac, _mac(secret_key, person)) else None


def feed_path(secret_key: str, person: str) -> str:
    return f"/calendar/{feed_token(secret_key, person)}.ics"


def calendar_feed(request: Request) -> Response:
    web = request.app.state.web
    mark_token_page(request)
    person = feed_person(web.settings.secret_key, request.path_params["token"])
    if person is None:
        raise NotFoundError(NO_FEED)
    try:
        name, ics = web.services.calendar(person)
    except DomainError:  # no longer registered (or renamed): the old address is dead
        raise NotFoundError(NO_FEED) from None
    if name != person:  # a token is for one exact registered spelling, never a near match
        raise NotFoundError(NO_FEED)
    return Response(ics, media_type=ICS_MEDIA_TYPE, headers={"Cache-Control": "private, no-cache"})


routes = [Route("/calendar/{token}.ics", calendar_feed)]
