"""Sign-in emails go through the outbox like every other message, then one relay pass sends
them at once (the scheduler's relay retries any that a passing failure held back)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from jinja2 import Environment

from notifications.outbox import Outbox
from notifications.relay import DeliveryPolicy, relay_once
from notifications.render import message_domain, render_message, stable_message_id
from notifications.transports import Transport

log = logging.getLogger("plantrail.web")


@dataclass
class Mailer:
    outbox: Outbox
    transport: Transport
    templates: Environment
    mail_from: str
    delivery: DeliveryPolicy
    admin_email: str | None
    clock: Callable[[], datetime]

    def enqueue_signin_link(self, *, name: str, email: str, link: str, minutes: int) -> None:
        now = self.clock()
        message = render_message(
            self.templates,
            "signin_link",
            {"name": name, "link": link, "minutes": minutes},
            mail_from=self.mail_from,
            to_name=name,
            to_email=email,
            message_id=stable_message_id(["signin", name, secrets.token_hex(8)], message_domain(self.mail_from)),
            date=now,
        )
        self.outbox.enqueue(
            message, kind="signin_link", recipient_name=name, recipient_email=email, sweep_id=None, reminder_keys=[], now=now
        )

    async def deliver_now(self) -> None:
        """One relay pass; failures stay in the outbox for the scheduler's relay to retry."""
        try:
            await relay_once(
                self.outbox,
                self.transport,
                mail_from=self.mail_from,
                now=self.clock(),
                policy=self.delivery,
                admin_email=self.admin_email,
                env=self.templates,
            )
        except Exception:
            log.exception("sending sign-in mail failed; the relay will retry")
