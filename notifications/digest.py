"""A person's reminder digest: each action once, with every reason it is there, most urgent first.

A sweep raises one reminder per rule and action (overdue, no update, committee round…); a
person gets one message per sweep. The message lists actions, not reminders: an action that is
both overdue and not updated for the committee appears once with both reasons, and the subject
counts actions. Overdue actions come first (longest overdue first), then the rest by due date.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from typing import Any

from jinja2 import Environment

from notifications.links import LinkMaker, web_link
from notifications.render import message_domain, render_message, stable_message_id

log = logging.getLogger("plantrail.notifications")

RULE_TITLES = {
    "overdue": "Overdue",
    "due_soon": "Due soon",
    "committee_escalation": "Not updated for the committee report",
    "committee_round": "Update needed for the committee report",
    "stale": "No update recorded recently",
}
URGENCY = list(RULE_TITLES)  # the order reasons are listed in, most urgent first


@dataclass(frozen=True)
class DigestItem:
    """One raised reminder as it reaches one recipient."""

    reminder_key: str
    recipient: str  # the name the reminder gives, which keys its place in the outbox
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
    as_of: date
    items: tuple[DigestItem, ...] = field(default_factory=tuple)

    @property
    def keys(self) -> list[str]:
        return sorted({i.reminder_key for i in self.items})

    @property
    def recipient_keys(self) -> list[tuple[str, str]]:
        return sorted({(i.reminder_key, i.recipient) for i in self.items})

    def by_action(self) -> dict[tuple[str, str], list[DigestItem]]:
        grouped: dict[tuple[str, str], list[DigestItem]] = {}
        for item in self.items:
            grouped.setdefault((item.plan_code, item.action_code), []).append(item)
        return grouped


@dataclass(frozen=True)
class Reason:
    rule: str
    title: str
    what_to_do: str


@dataclass(frozen=True)
class ActionEntry:
    """What the templates show about one action."""

    plan_code: str
    plan_title: str
    code: str
    title: str
    due_date: str | None
    progress: Any
    owners: tuple[str, ...]
    roles: tuple[str, ...]  # how the reader is involved: owner, manager, sponsor
    latest_note: dict[str, Any] | None
    reasons: tuple[Reason, ...]
    overdue: bool
    update_link: str | None

    @property
    def shows_owners(self) -> bool:
        return self.roles != ("owner",)


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def what_to_do(item: DigestItem) -> str:
    """One sentence: why the action is here and what the reader should do about it."""
    d, owner = item.details, item.role == "owner"
    match item.rule:
        case "due_soon":
            return f"due in {_days(d['days_left'])}: record progress, or agree a revised date and record why."
        case "overdue" if owner:
            return f"{_days(d['days_overdue'])} past its due date: record progress or completion, or a revised date with a reason."
        case "overdue":
            return f"{_days(d['days_overdue'])} past its due date: please follow up with the owner(s)."
        case "stale":
            return f"no progress or note for {_days(d['days_without_update'])}: add a note or a progress figure."
        case "committee_round":
            return f"{d['committee']} meets {d['meets_on']}: update by the report deadline, {d['report_deadline']}."
        case "committee_escalation":
            return f"not updated for {d['committee']} (deadline {d['report_deadline']}): please follow up with the owner(s)."
    return "please have a look at it."  # a rule without wording of its own yet


def rule_title(rule: str) -> str:
    return RULE_TITLES.get(rule) or rule.replace("_", " ").capitalize()


def _link(make: Callable[[], str | None]) -> str | None:
    try:
        return web_link(make())
    except Exception:  # a broken link maker must not stop the reminder itself
        log.warning("no link in a digest: the link maker failed", exc_info=True)
        return None


def action_entry(items: list[DigestItem], as_of: date, person: str, links: LinkMaker | None) -> ActionEntry:
    first = items[0]
    details = first.details
    due = details.get("due_date")
    ordered = sorted(items, key=lambda i: URGENCY.index(i.rule) if i.rule in URGENCY else len(URGENCY))
    reasons = tuple(Reason(i.rule, rule_title(i.rule), what_to_do(i)) for i in ordered)
    return ActionEntry(
        plan_code=first.plan_code,
        plan_title=first.plan_title,
        code=first.action_code,
        title=details.get("title") or "",
        due_date=due,
        progress=details.get("progress"),
        owners=first.owners,
        roles=tuple(dict.fromkeys(i.role for i in ordered)),
        latest_note=next((i.latest_note for i in items if i.latest_note), None),
        reasons=tuple(dict.fromkeys(reasons)),
        overdue=due is not None and due < as_of.isoformat(),
        update_link=_link(lambda: links.action_link(person, first.plan_code, first.action_code)) if links else None,
    )


def urgency(entry: ActionEntry) -> tuple:
    """Overdue first, then by due date (soonest first), actions without a due date last."""
    return (not entry.overdue, entry.due_date is None, entry.due_date or "", entry.plan_code, entry.code)


def digest_context(digest: Digest, links: LinkMaker | None = None) -> dict[str, Any]:
    person = digest.recipient_name
    entries = sorted((action_entry(items, digest.as_of, person, links) for items in digest.by_action().values()), key=urgency)
    return {
        "name": person,
        "count": len(entries),
        "overdue": sum(e.overdue for e in entries),
        "actions": entries,
        "home_link": _link(lambda: links.home_link(person)) if links else None,
    }


def digest_message_id(digest: Digest, mail_from: str) -> str:
    return stable_message_id([digest.sweep_id, digest.recipient_name, *digest.keys], message_domain(mail_from))


def render_digest(env: Environment, digest: Digest, *, mail_from: str, now: datetime, links: LinkMaker | None = None) -> EmailMessage:
    return render_message(
        env,
        "digest",
        digest_context(digest, links),
        mail_from=mail_from,
        to_name=digest.recipient_name,
        to_email=digest.recipient_email,
        message_id=digest_message_id(digest, mail_from),
        date=now,
    )
