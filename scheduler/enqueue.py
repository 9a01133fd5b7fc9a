"""From raised reminders to the outbox: one digest per person per sweep, with every recipient
and every action isolated, so that one that cannot be addressed or rendered never holds up
anyone else's mail.

A reminder that cannot reach a recipient is recorded as undeliverable with its reason three
times over: in the outbox (status ``undeliverable``), in the action's history (an event on the
reminder) and in the administrator's digest. Each record is idempotent, and they are made in
that order of safety (history, notice, outbox), so a sweep that dies half-way is completed by
the next one without repeating anything.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from domain.email_address import canonical_addr_spec
from domain.reminder import SIGN_OFF_AWAITING, SIGN_OFF_ESCALATION, SIGN_OFF_REJECTED, SIGN_OFF_RULES
from domain.reminder_use_cases import record_undeliverable
from notifications.digest import EARLIER_REJECTION, OWN_CLAIM, Digest, DigestItem, render_digest
from notifications.render import message_domain, one_line, stable_message_id
from notifications.undeliverable import ADMINISTRATOR, NOTICE_KIND, Undeliverable, about_items, render_undeliverable_notice
from scheduler import facts, sign_off
from scheduler.sign_off_policy import RejectionFacts, rejection_notice

if TYPE_CHECKING:
    from scheduler.sweep import SweepContext

log = logging.getLogger("plantrail.sweep")

SCHEDULER_ACTOR = "plantrail scheduler"
NOBODY = "nobody"


@dataclass
class EnqueueOutcome:
    messages: int = 0
    undeliverable: list[Undeliverable] = field(default_factory=list)

    @property
    def undeliverable_reminders(self) -> int:
        """(reminder, recipient) pairs that could not be delivered."""
        return sum(len(e.reminder_keys) for e in self.undeliverable)


@dataclass(frozen=True)
class Group:
    """The reminders of one sweep for one person (by registered name, or as given)."""

    sweep_id: str
    raised_on: date
    name: str
    items: tuple[DigestItem, ...]
    also_awaiting: tuple[DigestItem, ...] = ()  # claims awaiting this person that no reminder here is about
    own_claims: tuple[DigestItem, ...] = ()  # claims on this person's actions awaiting someone else's sign-off
    earlier_rejections: tuple[DigestItem, ...] = ()  # claims not accepted and not made again, on the actions listed

    def undeliverable(self, reason: str, email: str | None = None, items: tuple[DigestItem, ...] | None = None) -> Undeliverable:
        chosen = self.items if items is None else items
        return Undeliverable(
            recipient_name=self.name or NOBODY,
            recipient_email=email,
            reason=reason,
            about=about_items(chosen),
            reminder_keys=tuple(sorted({(i.reminder_key, i.recipient) for i in chosen})),
        )


def enqueue_pending(ctx: SweepContext, now: datetime) -> EnqueueOutcome:
    """Turn raised reminders not yet in the outbox into digests (or undeliverable records).

    Also picks up reminders whose sweep died between raising and enqueueing."""
    outcome = EnqueueOutcome()
    reminders = facts.reminders_after(ctx.engine, ctx.outbox.cursor())
    if not reminders:
        return outcome
    people = facts.directory(ctx.engine)
    for group in _with_sign_off_context(ctx, _groups(ctx, reminders, people), people):
        try:
            _enqueue_group(ctx, group, people, now, outcome)
        except Exception as error:  # whatever went wrong for one person must not stop everyone else's mail
            log.exception("could not prepare the digest for %s", group.name)
            outcome.undeliverable.append(group.undeliverable(f"the digest could not be prepared: {describe(error)}"))
    _record_undeliverable(ctx, outcome.undeliverable, reminders, now)
    ctx.outbox.advance_cursor(max(r["position"] for r in reminders))
    return outcome


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {one_line(error)[:200]}"


def _groups(ctx: SweepContext, reminders: list[dict[str, Any]], people: facts.Directory) -> list[Group]:
    titles = {p.code: p.title for p in facts.plans(ctx.engine)}
    grouped: dict[tuple[str, date, str], list[DigestItem]] = defaultdict(list)
    for r in reminders:
        # A reminder with nobody to send it to still gets a record: the administrator hears of it.
        for recipient in r["recipients"] or [{"name": "", "role": NOBODY}]:
            name = recipient["name"]
            grouped[(r["sweep_id"], r["raised_on"], people.canonical(name) if name else "")].append(
                DigestItem(
                    reminder_key=r["key"],
                    recipient=name,
                    rule=r["rule"],
                    role=recipient["role"],
                    plan_code=r["plan_code"],
                    plan_title=titles.get(r["plan_code"], ""),
                    action_code=r["action_code"],
                    details=r["details"],
                    owners=tuple(r["details"].get("owners", [])),
                    latest_note=r["details"].get("latest_note"),
                )
            )
    done = ctx.outbox.enqueued_keys([(i.reminder_key, i.recipient) for items in grouped.values() for i in items])
    groups = []
    for (sweep_id, raised_on, name), items in grouped.items():
        waiting = tuple(i for i in items if (i.reminder_key, i.recipient) not in done)
        if waiting:
            groups.append(Group(sweep_id, raised_on, name, waiting))
    return groups


def _with_sign_off_context(ctx: SweepContext, groups: list[Group], people: facts.Directory) -> list[Group]:
    """Each digest lists every claim awaiting its reader's decision, not only the claims a
    reminder of this sweep is about (a claim is asked about once per period, but stays waiting),
    the claims still waiting on the reader's own actions, which no rule asks them for again, and,
    beside each action it lists, the claims on it not accepted and not made again since. Each is
    read once per day swept; if one cannot be read, the reminders still go out without it."""
    waiting: dict[date, dict[str, list[sign_off.WaitingClaim]]] = {}
    rejected: dict[date, dict[tuple[str, str], list[RejectionFacts]]] = {}
    found = []
    for group in groups:
        if group.name:
            day = group.raised_on
            if day not in waiting:
                waiting[day] = _or_nothing("the claims awaiting sign-off", sign_off.waiting_by_person, ctx.engine, people, day)
                rejected[day] = _or_nothing("the claims not accepted", sign_off.unanswered_by_action, ctx.engine, people, day)
            listed = [
                DigestItem(
                    "",
                    group.name,
                    OWN_CLAIM if w.role in sign_off.AS_OWNER else SIGN_OFF_AWAITING,
                    w.role,
                    w.plan_code,
                    w.plan_title,
                    w.action_code,
                    w.details,
                )
                for w in waiting[day].get(group.name, [])
            ]
            also = tuple(i for i in listed if i.rule == SIGN_OFF_AWAITING)
            own = tuple(i for i in listed if i.rule == OWN_CLAIM)
            group = replace(group, also_awaiting=also, own_claims=own, earlier_rejections=_earlier_rejections(group, rejected[day]))
        found.append(group)
    return found


def _or_nothing(what: str, read: Callable[..., dict[Any, Any]], *args: Any) -> dict[Any, Any]:
    try:
        return read(*args)
    except Exception:  # the reminders themselves still go out, without the list
        log.exception("could not list %s", what)
        return {}


def _earlier_rejections(group: Group, unanswered: dict[tuple[str, str], list[RejectionFacts]]) -> tuple[DigestItem, ...]:
    """The unanswered rejections of the actions the group's reminders are about, decided before
    the day of the digest (one decided that day is news, told by its own notice, at once or in
    the digest that carries it in full, never repeated the same day)."""
    told_here = {(i.plan_code, i.action_code, i.details.get("claim_version")) for i in group.items if i.rule == SIGN_OFF_REJECTED}
    listed = {(i.plan_code, i.action_code): i for i in group.items if i.rule not in SIGN_OFF_RULES}
    return tuple(
        DigestItem("", group.name, EARLIER_REJECTION, item.role, r.plan_code, item.plan_title, r.action_code, rejection_notice(r).extra)
        for key, item in listed.items()
        for r in unanswered.get(key, [])
        if (r.plan_code, r.action_code, r.version) not in told_here and r.decided_on < group.raised_on
    )


class Unaddressable(Exception):
    """A reminder cannot be addressed to its recipient; the message says why, in words an
    administrator can act on."""


def address_of(name: str, person: facts.Person | None) -> str:
    """The one address to send ``name``'s digest to, or Unaddressable."""
    if not name:
        raise Unaddressable("nobody to send it to: the action has no owner, and no manager or plan sponsor to escalate to")
    if person is None:
        raise Unaddressable(f"{name} is not a registered person, so plantrail has no email address for them")
    if not person.email:
        raise Unaddressable(f"no email address recorded for {person.name}")
    try:
        return canonical_addr_spec(person.email)
    except ValueError as problem:
        raise Unaddressable(f"the email address recorded for {person.name}, {person.email!r}, {problem}") from None


# Why a reminder that names nobody cannot be sent, by rule (the default is address_of's).
NOBODY_REASONS = {
    SIGN_OFF_AWAITING: (
        "nobody to send it to: nobody but the claimant may decide the claim"
        " (they have no manager, and the plan has no other clerk and there is no other admin)"
    ),
    SIGN_OFF_ESCALATION: "nobody to send it to: the claimant's manager has no manager to escalate to, and the plan has no sponsor",
}


def _enqueue_group(ctx: SweepContext, group: Group, people: facts.Directory, now: datetime, outcome: EnqueueOutcome) -> None:
    if not group.name:
        by_reason: dict[str | None, list[DigestItem]] = defaultdict(list)
        for item in group.items:
            by_reason[NOBODY_REASONS.get(item.rule)].append(item)
        for reason, items in by_reason.items():
            if reason is not None:
                outcome.undeliverable.append(group.undeliverable(reason, None, tuple(items)))
        group = replace(group, items=tuple(by_reason.get(None, ())))
        if not group.items:
            return
    person = people.find(group.name) if group.name else None
    try:
        email = address_of(group.name, person)
    except Unaddressable as problem:
        outcome.undeliverable.append(group.undeliverable(str(problem), person.email if person else None))
        return
    assert person is not None  # address_of found them
    digest = Digest(
        person.name, email, group.sweep_id, group.raised_on, group.items, group.also_awaiting, group.own_claims, group.earlier_rejections
    )
    message, sent_digest, broken = render_isolating(ctx, digest, now)
    outcome.undeliverable.extend(group.undeliverable(reason, email, items) for reason, items in broken)
    if message is not None and sent_digest is not None:
        queued = ctx.outbox.enqueue(
            message,
            kind="digest",
            recipient_name=person.name,
            recipient_email=email,
            sweep_id=group.sweep_id,
            recipient_keys=sent_digest.recipient_keys,
            now=now,
        )
        outcome.messages += queued


def render_isolating(
    ctx: SweepContext, digest: Digest, now: datetime
) -> tuple[EmailMessage | None, Digest | None, list[tuple[str, tuple[DigestItem, ...]]]]:
    """Render the digest; if that fails, find the actions that will not render, report them, and
    send the rest. Returns (message, the digest it holds, [(reason, items that would not render)])."""

    def render(d: Digest) -> EmailMessage:
        return render_digest(ctx.templates, d, mail_from=ctx.mail_from, now=now, links=ctx.links)

    try:
        return render(digest), digest, []
    except Exception as error:  # noqa: BLE001 - a template (perhaps a deployment's own) failed on this data
        first_error = error
    if digest.also_awaiting or digest.own_claims or digest.earlier_rejections:  # what is listed beside the reminders goes first
        digest = replace(digest, also_awaiting=(), own_claims=(), earlier_rejections=())
        try:
            return render(digest), digest, []
        except Exception:  # as above; the actions are tried one by one below
            log.warning("a digest would not render with the claims awaiting sign-off, nor without them", exc_info=True)
    per_action = list(digest.by_action().values())
    if len(per_action) == 1:
        return None, None, [(f"the message could not be rendered: {describe(first_error)}", digest.items)]
    good: list[DigestItem] = []
    broken: list[tuple[str, tuple[DigestItem, ...]]] = []
    for items in per_action:
        try:
            render(replace(digest, items=tuple(items)))
            good.extend(items)
        except Exception as error:  # noqa: BLE001 - as above, for one action alone
            broken.append((f"the message could not be rendered: {describe(error)}", tuple(items)))
    if not good:
        return None, None, broken
    kept = replace(digest, items=tuple(good))
    try:
        return render(kept), kept, broken
    except Exception as error:  # noqa: BLE001 - the actions render alone but not together
        return None, None, [*broken, (f"the message could not be rendered: {describe(error)}", kept.items)]


def _record_undeliverable(ctx: SweepContext, entries: list[Undeliverable], reminders: list[dict[str, Any]], now: datetime) -> None:
    if not entries:
        return
    raised_on = {r["key"]: r["raised_on"] for r in reminders}
    by_day: dict[date, list[tuple[str, str, str]]] = defaultdict(list)
    for entry in entries:
        for key, recipient in entry.reminder_keys:
            by_day[raised_on[key]].append((key, recipient, entry.reason))
    for day, found in by_day.items():
        record_undeliverable(ctx.app, found, actor=SCHEDULER_ACTOR, effective_on=day)
    ctx.catch_up()  # the action histories show it straight away
    _tell_administrator(ctx, entries, now)
    sweep_of = {r["key"]: r["sweep_id"] for r in reminders}
    for entry in entries:
        keys = list(entry.reminder_keys)
        sweep_id = sweep_of[keys[0][0]]
        ctx.outbox.enqueue_undeliverable(
            message_id=stable_message_id(["undeliverable", sweep_id, entry.recipient_name, *map(str, keys)], message_domain(ctx.mail_from)),
            kind="digest",
            recipient_name=entry.recipient_name,
            recipient_email=entry.recipient_email,
            sweep_id=sweep_id,
            recipient_keys=keys,
            reason=entry.reason,
            now=now,
        )


def _tell_administrator(ctx: SweepContext, entries: list[Undeliverable], now: datetime) -> None:
    if not ctx.admin_email:
        log.warning("%d reminder message(s) undeliverable; set PLANTRAIL_ADMIN_EMAIL to hear about them by email", len(entries))
        return
    try:
        notice = render_undeliverable_notice(ctx.templates, entries, mail_from=ctx.mail_from, admin_email=ctx.admin_email, now=now)
    except Exception:  # the outbox and the action histories still hold every reason
        log.exception("could not render the administrator's digest of undeliverable reminders")
        return
    ctx.outbox.enqueue(
        notice, kind=NOTICE_KIND, recipient_name=ADMINISTRATOR, recipient_email=ctx.admin_email, sweep_id=None, recipient_keys=[], now=now
    )
