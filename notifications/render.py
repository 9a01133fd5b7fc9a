"""Rendering messages from jinja2 templates into one multipart/alternative EmailMessage. Pure.

Each kind of message has three templates: ``KIND.subject.txt.j2``, ``KIND.txt.j2`` and
``KIND.html.j2``. A deployment can override any of them from a folder of its own.

Escaping happens where a value is written: the HTML templates are autoescaped (every ``{{ }}``
escapes its value; no template marks anything safe or includes a plain-text template), the
plain-text part stays plain, and header values pass through ``one_line`` so no CR or LF can
start a header of its own.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime
from email import message_from_bytes
from email import policy as email_policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, StrictUndefined, select_autoescape


def one_line(text: object) -> str:
    """Header text may never carry CR, LF or any other control character: that is how headers get injected."""
    cleaned = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in str(text))
    return " ".join(cleaned.split())


# RFC 5322 "specials": a display name holding them must be quoted, which the standard library
# gets wrong when it folds a long one (``"<b> <b> <b>…" <a@x.org>`` came back as a second address).
_SPECIALS = re.compile(r'["()<>\[\]:;@\\,.]')


def display_names(name: str) -> list[str]:
    """The To header's name as given (on one line), then without its specials, then none."""
    given = one_line(name)
    return [given, " ".join(_SPECIALS.sub(" ", given).split()), ""]


def _reads_back(mailbox: Address) -> bool:
    probe = EmailMessage()
    probe["To"] = mailbox
    try:
        reread = message_from_bytes(probe.as_bytes(policy=email_policy.SMTP), policy=email_policy.default)["To"].addresses
    except (AttributeError, IndexError, ValueError):  # the library trips over its own output
        return False
    return len(reread) == 1 and (reread[0].display_name, reread[0].addr_spec) == (mailbox.display_name, mailbox.addr_spec)


def recipient(name: str, address: str) -> Address:
    """The To header's mailbox: the first of ``display_names`` that reads back as exactly this one
    mailbox (the library folds long names badly: specials unquoted, spaces added to encoded words)."""
    for display_name in display_names(name):
        mailbox = Address(display_name=display_name, addr_spec=address)
        if _reads_back(mailbox):
            return mailbox
    return Address(addr_spec=address)


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
    message["To"] = recipient(to_name, one_line(to_email))
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # tells mail systems not to auto-reply
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message
