"""The administrator's digest of messages plantrail could not deliver, and why.

A sweep lists every reminder it could not address or render (one entry per person); the relay
sends one entry when a mail server refuses a message for good or the retries run out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from jinja2 import Environment

from notifications.digest import DigestItem, rule_title
from notifications.render import message_domain, render_message, stable_message_id

ADMINISTRATOR = "plantrail administrator"
NOTICE_KIND = "undeliverable_notice"  # the outbox's kind for these messages


@dataclass(frozen=True)
class AboutAction:
    plan_code: str
    action_code: str
    title: str
    why: str  # the reminder's rule, in words


@dataclass(frozen=True)
class Undeliverable:
    """One message that could not reach its recipient: to whom, why, and what it was about."""

    recipient_name: str
    recipient_email: str | None
    reason: str
    about: tuple[AboutAction, ...] = ()
    subject: str | None = None
    message_id: str | None = None
    attempts: int = 0
    reminder_keys: tuple[tuple[str, str], ...] = ()  # (reminder key, recipient as the reminder names them)


def about_items(items: Iterable[DigestItem]) -> tuple[AboutAction, ...]:
    return tuple(
        AboutAction(i.plan_code, i.action_code, str(i.details.get("title") or ""), rule_title(i.rule))
        for i in sorted(items, key=lambda i: (i.plan_code, i.action_code, i.rule))
    )


def about_keys(recipient_keys: Iterable[tuple[str, str]]) -> tuple[AboutAction, ...]:
    """What a message was about, read from its reminder keys (``rule|plan|action|date|period``)."""
    found = []
    for key, _ in sorted(recipient_keys):
        rule, plan_code, action_code, *_rest = [*key.split("|"), "", ""]
        found.append(AboutAction(plan_code, action_code, "", rule_title(rule)))
    return tuple(dict.fromkeys(found))


def render_undeliverable_notice(
    env: Environment, entries: list[Undeliverable], *, mail_from: str, admin_email: str, now: datetime
) -> EmailMessage:
    identity = sorted(f"{e.recipient_name}|{e.message_id}|{e.reminder_keys}" for e in entries)
    return render_message(
        env,
        "undeliverable",
        {"count": len(entries), "entries": entries},
        mail_from=mail_from,
        to_name=ADMINISTRATOR,
        to_email=admin_email,
        message_id=stable_message_id(["undeliverable", *identity], message_domain(mail_from)),
        date=now,
    )
