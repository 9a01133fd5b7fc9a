"""Rendering messages from jinja2 templates into one multipart/alternative EmailMessage. Pure.

Each kind of message has three templates: ``KIND.subject.txt.j2``, ``KIND.txt.j2`` and
``KIND.html.j2``. A deployment can override any of them from a folder of its own.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined, select_autoescape

RULE_TITLES = {
    "due_soon": "Due soon",
    "overdue": "Overdue",
    "stale": "No update recorded recently",
    "committee_round": "Update needed for the committee report",
    "committee_escalation": "Not updated for the committee report",
}
ORDER = list(RULE_TITLES)


@dataclass(frozen=True)
class DigestItem:
    reminder_key: str
    rule: str
    role: str  # why this person gets it: owner, manager or sponsor
    plan_code: str
    plan_title: str
    action_code: str
    details: dict[str, Any]
    owners: tuple[str, ...] = ()
    latest_note: dict[str, Any] | None = None


@dataclass(frozen=True)
class Digest:
    """Everything due for one person from one sweep."""

    recipient_name: str
    recipient_email: str
    sweep_id: str
    items: tuple[DigestItem, ...] = field(default_factory=tuple)

    @property
    def keys(self) -> list[str]:
        return sorted({i.reminder_key for i in self.items})


def one_line(text: str) -> str:
    """Header text may never carry CR or LF: that is how headers get injected."""
    return " ".join(str(text).split())


def environment(override_folder: Path | None = None) -> Environment:
    loaders: list[Any] = [PackageLoader("notifications", "templates")]
    if override_folder is not None:
        loaders.insert(0, FileSystemLoader(str(override_folder)))
    return Environment(
        loader=ChoiceLoader(loaders),
        # "*.html.j2" is only escaped when listed with its double suffix.
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def message_domain(mail_from: str) -> str:
    """The domain Message-IDs are made under: the sender's."""
    return parseaddr(mail_from)[1].rpartition("@")[2] or "plantrail.invalid"


def stable_message_id(parts: list[str], domain: str) -> str:
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def render_message(
    env: Environment, kind: str, context: dict[str, Any], *, mail_from: str, to_name: str, to_email: str, message_id: str, date: datetime
) -> EmailMessage:
    subject = one_line(env.get_template(f"{kind}.subject.txt.j2").render(**context))
    text = env.get_template(f"{kind}.txt.j2").render(**context)
    html = env.get_template(f"{kind}.html.j2").render(**context)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = mail_from
    message["To"] = Address(display_name=one_line(to_name), addr_spec=one_line(to_email))
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # tells mail systems not to auto-reply
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def digest_context(digest: Digest) -> dict[str, Any]:
    sections = []
    for rule in ORDER:
        in_rule = [i for i in digest.items if i.rule == rule]
        if not in_rule:
            continue
        plans: dict[str, dict[str, Any]] = {}
        for item in sorted(in_rule, key=lambda i: (i.plan_code, i.details.get("due_date") or "", i.action_code)):
            plans.setdefault(item.plan_code, {"code": item.plan_code, "title": item.plan_title, "items": []})["items"].append(item)
        sections.append({"rule": rule, "title": RULE_TITLES[rule], "plans": list(plans.values())})
    return {"name": digest.recipient_name, "sections": sections, "count": len(digest.items)}


def render_digest(env: Environment, digest: Digest, *, mail_from: str, now: datetime) -> EmailMessage:
    message_id = stable_message_id([digest.sweep_id, digest.recipient_name, *digest.keys], message_domain(mail_from))
    return render_message(
        env,
        "digest",
        digest_context(digest),
        mail_from=mail_from,
        to_name=digest.recipient_name,
        to_email=digest.recipient_email,
        message_id=message_id,
        date=now,
    )
