"""A person's reminder digest: each action once, with every reason it is there, most urgent first.

A sweep raises one reminder per rule and action (overdue, no update, committee round…); a
person gets one message per sweep. The message lists actions, not reminders: an action that is
both overdue and not updated for the committee appears once with both reasons, and the subject
counts actions. Overdue actions come first (longest overdue first), then the rest by due date.

Sign-off comes before the actions, as claims rather than actions: every claim awaiting the
reader's decision (whichever claim's reminder brought the digest, and those still waiting from
before), claims the reader should follow up because they have waited too long, the reader's
own claims that were not accepted, with the reason given, and the claims on the reader's own
actions still waiting for someone's sign-off (which the reminder rules do not ask them for again:
``scheduler.policy.SETTLED_BY_CLAIM``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from typing import Any

from jinja2 import Environment

from domain.reminder import SIGN_OFF_AWAITING, SIGN_OFF_ESCALATION, SIGN_OFF_REJECTED, SIGN_OFF_RULES
from domain.sign_off import CLAIM_DUE_DATE, proposed_wording
from notifications.links import LinkMaker, web_link
from notifications.render import message_domain, render_message, stable_message_id
from projections.wording import short_day

log = logging.getLogger("plantrail.notifications")

RULE_TITLES = {
    "overdue": "Overdue",
    "due_soon": "Due soon",
    "committee_escalation": "Not updated for the committee report",
    "committee_round": "Update needed for the committee report",
    "stale": "No update recorded recently",
    # Claims have their own sections; these name them where reminders are listed by rule (the
    # administrator's digest of undeliverable ones).
    SIGN_OFF_AWAITING: "Awaiting sign-off",
    SIGN_OFF_ESCALATION: "Waiting too long for sign-off",
    SIGN_OFF_REJECTED: "Claim not accepted",
}
URGENCY = list(RULE_TITLES)  # the order reasons are listed in, most urgent first
# Not a reminder: a claim still waiting on the reader's own action (theirs, role "claimant", or a
# co-owner's), listed beside whatever brought the digest.
OWN_CLAIM = "own_claim"
# Not a reminder either: a claim on a listed action that was not accepted, told before and not
# made again since, repeated beside the action (``scheduler.sign_off_policy.unanswered``).
EARLIER_REJECTION = "earlier_rejection"


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
    """Everything due for one person from one sweep. ``also_awaiting``: claims awaiting the
    reader's decision that no reminder of this sweep is about; ``own_claims``: claims on the
    reader's own actions awaiting someone else's; ``earlier_rejections``: claims not accepted on
    the actions listed, told before (all three listed, never counted as sent)."""

    recipient_name: str
    recipient_email: str
    sweep_id: str
    as_of: date
    items: tuple[DigestItem, ...] = field(default_factory=tuple)
    also_awaiting: tuple[DigestItem, ...] = field(default_factory=tuple)
    own_claims: tuple[DigestItem, ...] = field(default_factory=tuple)
    earlier_rejections: tuple[DigestItem, ...] = field(default_factory=tuple)

    @property
    def keys(self) -> list[str]:
        return sorted({i.reminder_key for i in self.items})

    @property
    def recipient_keys(self) -> list[tuple[str, str]]:
        return sorted({(i.reminder_key, i.recipient) for i in self.items})

    def by_action(self) -> dict[tuple[str, str], list[DigestItem]]:
        return _by_action(self.items)


def _by_action(items: Iterable[DigestItem]) -> dict[tuple[str, str], list[DigestItem]]:
    grouped: dict[tuple[str, str], list[DigestItem]] = {}
    for item in items:
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
    due_date: str | None  # ISO: what urgency sorts by
    due_on: str | None  # the same in words, as the message shows it
    progress: Any
    owners: tuple[str, ...]
    roles: tuple[str, ...]  # how the reader is involved: owner, manager, sponsor
    latest_note: dict[str, Any] | None
    reasons: tuple[Reason, ...]
    overdue: bool
    update_link: str | None
    not_accepted: tuple[str, ...] = ()  # earlier claims on it refused and not made again, in words

    @property
    def shows_owners(self) -> bool:
        return self.roles != ("owner",)


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def in_words(value: Any, as_of: date | None) -> Any:
    """An ISO date ("2015-03-31", nothing more) as the digest of ``as_of`` writes it ("31 Mar",
    the year only when it is not the digest's: ``short_day``); anything else as it is (no date,
    or text a deployment's own data put there)."""
    if not isinstance(value, str) or len(value) != 10:
        return value
    try:
        return short_day(date.fromisoformat(value), as_of)
    except ValueError:
        return value


def proposal(details: dict[str, Any], as_of: date | None) -> str:
    """What a claim proposes, its due date in words ("due date 30 Apr"); as the reminder stored
    it when it names no date (one raised before the date was kept apart, or no due-date claim)."""
    due = details.get("proposed_due")
    if details.get("kind") != CLAIM_DUE_DATE or not isinstance(due, str):
        return str(details.get("proposed") or "")
    try:
        on = date.fromisoformat(due)
    except ValueError:
        return str(details.get("proposed") or "")
    return proposed_wording(CLAIM_DUE_DATE, None, on, show_date=lambda day: short_day(day, as_of))


def what_to_do(item: DigestItem, as_of: date | None = None) -> str:
    """One sentence: why the action is here and what the reader should do about it."""
    d, owner = item.details, item.role == "owner"
    # A progress figure awaiting sign-off has been given: the owners are asked for the rest only.
    progress = "completion" if "progress" in d.get("pending_claims", ()) else "progress"
    match item.rule:
        case "due_soon":
            return f"due in {_days(d['days_left'])}: record {progress}, or agree a revised date and record why."
        case "overdue" if owner and progress == "completion":
            return f"{_days(d['days_overdue'])} past its due date: record completion, or a revised date with a reason."
        case "overdue" if owner:
            return f"{_days(d['days_overdue'])} past its due date: record progress or completion, or a revised date with a reason."
        case "overdue":
            return f"{_days(d['days_overdue'])} past its due date: please follow up with the owner(s)."
        case "stale":
            return f"no progress or note for {_days(d['days_without_update'])}: add a note or a progress figure."
        case "committee_round":
            meets, deadline = in_words(d["meets_on"], as_of), in_words(d["report_deadline"], as_of)
            return f"{d['committee']} meets {meets}: update by the report deadline, {deadline}."
        case "committee_escalation":
            return (
                f"not updated for {d['committee']} (deadline {in_words(d['report_deadline'], as_of)}): please follow up with the owner(s)."
            )
        case "sign_off_awaiting":
            return f"Approve it, or reject it with a reason ({d['claimant']} is told the reason)."
        case "sign_off_escalation":
            why = "the plan's sponsor" if item.role == "sponsor" else "the approver's manager"
            return f"It awaits {d['awaiting']}: please see that it is decided (you receive this as {why})."
        case "sign_off_rejected":
            return "The action stays as last approved: put right what the reason says, then record the change again."
        case "own_claim":
            what = "completion" if d["kind"] == "completion" else proposal(d, as_of)
            whose = "Your" if item.role == "claimant" else f"{d['claimant']}'s"
            return f"{whose} {what} (claimed {in_words(d['claimed_on'], as_of)}) is waiting for sign-off by {d['awaiting']}."
    return "please have a look at it."  # a rule without wording of its own yet


def rule_title(rule: str) -> str:
    return RULE_TITLES.get(rule) or rule.replace("_", " ").capitalize()


def _link(make: Callable[[], str | None]) -> str | None:
    try:
        return web_link(make())
    except Exception:  # a broken link maker must not stop the reminder itself
        log.warning("no link in a digest: the link maker failed", exc_info=True)
        return None


def not_accepted_wording(item: DigestItem, person: str, as_of: date | None = None) -> str:
    """An earlier refusal, as a reminder beside its action: "Liam Purdie did not accept your
    claim (complete) on 26 Mar. Reason given: …" (its decider reads "You did not accept …")."""
    d = item.details
    who = "You" if d["decided_by"] == person else d["decided_by"]
    whose = "your claim" if d["claimant"] == person else f"{d['claimant']}'s claim"
    when = in_words(d["decided_on"], as_of)
    return f"{who} did not accept {whose} ({proposal(d, as_of)}) on {when}. Reason given: {d['decision_reason']}"


def action_entry(
    items: list[DigestItem], as_of: date, person: str, links: LinkMaker | None, refused: Iterable[DigestItem] = ()
) -> ActionEntry:
    first = items[0]
    details = first.details
    due = details.get("due_date")
    ordered = sorted(items, key=lambda i: URGENCY.index(i.rule) if i.rule in URGENCY else len(URGENCY))
    reasons = tuple(Reason(i.rule, rule_title(i.rule), what_to_do(i, as_of)) for i in ordered)
    note = next((i.latest_note for i in items if i.latest_note), None)
    return ActionEntry(
        plan_code=first.plan_code,
        plan_title=first.plan_title,
        code=first.action_code,
        title=details.get("title") or "",
        due_date=due,
        due_on=in_words(due, as_of),
        progress=details.get("progress"),
        owners=first.owners,
        roles=tuple(dict.fromkeys(i.role for i in ordered)),
        latest_note=None if note is None else {**note, "effective_on": in_words(note.get("effective_on"), as_of)},
        reasons=tuple(dict.fromkeys(reasons)),
        overdue=due is not None and due < as_of.isoformat(),
        update_link=_link(lambda: links.action_link(person, first.plan_code, first.action_code)) if links else None,
        not_accepted=tuple(not_accepted_wording(i, person, as_of) for i in refused),
    )


@dataclass(frozen=True)
class ClaimEntry:
    """What the templates show about one claim: awaiting the reader's sign-off, waiting too long
    for someone else's, or the reader's own claim that was not accepted (``rule`` says which)."""

    rule: str
    plan_code: str
    plan_title: str
    action_code: str
    action_title: str
    proposed: str  # "complete", "due date 30 Jun", "progress 80%" (``proposal``)
    claimant: str
    effective_on: str
    since: str  # the day it was made
    evidence: str | None
    reason: str | None  # the claimant's
    decided_by: str | None  # for a claim not accepted: who refused it, when and why
    decided_on: str | None
    decision_reason: str | None
    waiting: str  # "today", "3 days ago"; empty for a claim already decided
    what_to_do: str
    link: str | None

    @property
    def link_label(self) -> str:
        return CLAIM_LINK_LABELS.get(self.rule, "Open the action")


CLAIM_LINK_LABELS = {SIGN_OFF_AWAITING: "Review and decide", SIGN_OFF_ESCALATION: "Look at the claim", SIGN_OFF_REJECTED: "Open the action"}


def _ago(days: Any) -> str:
    if not isinstance(days, int):
        return ""
    return "today" if days == 0 else f"{_days(days)} ago"


def claim_entry(item: DigestItem, person: str, links: LinkMaker | None, as_of: date | None = None) -> ClaimEntry:
    d = item.details
    return ClaimEntry(
        rule=item.rule,
        plan_code=item.plan_code,
        plan_title=item.plan_title,
        action_code=item.action_code,
        action_title=str(d.get("title") or ""),
        proposed=proposal(d, as_of),
        claimant=str(d.get("claimant") or ""),
        effective_on=str(in_words(d.get("effective_on"), as_of) or ""),
        since=str(in_words(d.get("claimed_on"), as_of) or ""),
        evidence=d.get("evidence"),
        reason=d.get("reason"),
        decided_by=d.get("decided_by"),
        decided_on=in_words(d.get("decided_on"), as_of),
        decision_reason=d.get("decision_reason"),
        waiting=_ago(d.get("days_waiting")) if item.rule != SIGN_OFF_REJECTED else "",
        what_to_do=what_to_do(item, as_of),
        link=_claim_link(item, person, links),
    )


def _claim_link(item: DigestItem, person: str, links: LinkMaker | None) -> str | None:
    """An approver decides on their sign-off page (every claim awaiting them, with the forms);
    an escalation or a rejection is about one action, so it opens that action's page."""
    if links is None:
        return None
    if item.rule == SIGN_OFF_AWAITING:
        return _link(lambda: links.sign_off_link(person))
    return _link(lambda: links.action_link(person, item.plan_code, item.action_code))


def sign_off_sections(digest: Digest, links: LinkMaker | None = None) -> dict[str, list[ClaimEntry]]:
    """The digest's claims by rule, each claim once, oldest first."""
    sections: dict[str, list[tuple[tuple, ClaimEntry]]] = {rule: [] for rule in SIGN_OFF_RULES}
    seen: set[tuple] = set()
    for item in (*(i for i in digest.items if i.rule in SIGN_OFF_RULES), *digest.also_awaiting):
        d = item.details
        identity = (item.rule, item.plan_code, item.action_code, d.get("claim_version"))
        if identity in seen:
            continue
        seen.add(identity)
        order = (str(d.get("decided_on") or d.get("since") or ""), item.plan_code, item.action_code)
        sections[item.rule].append((order, claim_entry(item, digest.recipient_name, links, digest.as_of)))
    return {rule: [entry for _, entry in sorted(found, key=lambda pair: pair[0])] for rule, found in sections.items()}


def urgency(entry: ActionEntry) -> tuple:
    """Overdue first, then by due date (soonest first), actions without a due date last."""
    return (not entry.overdue, entry.due_date is None, entry.due_date or "", entry.plan_code, entry.code)


def digest_context(digest: Digest, links: LinkMaker | None = None) -> dict[str, Any]:
    person = digest.recipient_name
    about_actions = _by_action(i for i in digest.items if i.rule not in SIGN_OFF_RULES).values()
    refused = _by_action(digest.earlier_rejections)
    entries = sorted(
        (
            action_entry(items, digest.as_of, person, links, refused.get((items[0].plan_code, items[0].action_code), ()))
            for items in about_actions
        ),
        key=urgency,
    )
    claims = sign_off_sections(digest, links)
    own = sorted(digest.own_claims, key=lambda i: (str(i.details.get("since") or ""), i.plan_code, i.action_code))
    return {
        "name": person,
        "count": len(entries),
        "overdue": sum(e.overdue for e in entries),
        "actions": entries,
        "awaiting": claims[SIGN_OFF_AWAITING],
        "escalated": claims[SIGN_OFF_ESCALATION],
        "rejected": claims[SIGN_OFF_REJECTED],
        "yours_waiting": [claim_entry(i, person, links, digest.as_of) for i in own],
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
