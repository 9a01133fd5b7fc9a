"""The web app's side of the digest's links (the ``LinkMaker`` port of ``notifications``).

"Update now" is a signed token bound to one person and one action, valid for 14 days and usable
once; it opens the same "Sign in as …" confirm page as a sign-in link, and its POST opens a
session for that action only. "My actions" is a plain address: it asks whoever opens it to sign
in, then shows their own actions. "Review and decide" (an approver's digest) is a token bound to
that person, with the same lifetime, single use and confirm page; its session lists and decides
the claims awaiting them and does nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine

from domain.access import ActionRef
from domain.application import utc_now
from plantrail.services import Services
from plantrail.settings import WebSettings
from web.auth import ACTION, SIGN_OFF, Links


class ReminderLinks:
    """Implements ``notifications.links.LinkMaker`` (structurally: web imports no port module)."""

    def __init__(self, engine: Engine, secret_key: str, base_url: str, clock: Callable[[], datetime] = utc_now) -> None:
        self.links = Links(engine, secret_key, clock)
        self.base_url = base_url.rstrip("/")

    def action_link(self, person_name: str, plan_code: str, action_code: str) -> str | None:
        token = self.links.make(ACTION, person_name, ActionRef(plan_code, action_code))
        return f"{self.base_url}/sign-in/confirm?token={token}"

    def home_link(self, person_name: str) -> str | None:
        return f"{self.base_url}/my-actions"

    def sign_off_link(self, person_name: str) -> str | None:
        return f"{self.base_url}/sign-in/confirm?token={self.links.make(SIGN_OFF, person_name)}"


def reminder_links(services: Services, settings: WebSettings) -> ReminderLinks:
    """The link maker for digests sent by this deployment (signed with its key, at its address)."""
    return ReminderLinks(services.engine, settings.secret_key, settings.base_url)
