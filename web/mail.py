"""Sign-in emails go through the outbox like every other message, then one relay pass sends
them at once (the scheduler's relay retries any that a passing failure held back)."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from notifications.relay import RelayContext, relay_once
from notifications.render import message_domain, render_message, stable_message_id

log = logging.getLogger("plantrail.web")


@dataclass
class Mailer:
    relay: RelayContext

    def enqueue_signin_link(self, *, name: str, email: str, link: str, minutes: int) -> None:
        r = self.relay
        now = r.now()
        assert r.templates is not None
        message = render_message(
            r.templates,
            "signin_link",
            {"name": name, "link": link, "minutes": minutes},
            mail_from=r.mail_from,
            to_name=name,
            to_email=email,
            message_id=stable_message_id(["signin", name, secrets.token_hex(8)], message_domain(r.mail_from)),
            date=now,
        )
        r.outbox.enqueue(message, kind="signin_link", recipient_name=name, recipient_email=email, sweep_id=None, recipient_keys=[], now=now)

    async def deliver_now(self) -> None:
        """One relay pass; failures stay in the outbox for the scheduler's relay to retry."""
        try:
            await relay_once(self.relay)
        except Exception:
            log.exception("sending mail failed; the relay will retry")
