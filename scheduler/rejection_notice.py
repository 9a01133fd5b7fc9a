"""Telling a claimant of a rejection at once, for plans with ``notify_rejection = immediate``,
and in any digest that reaches them before the next sweep (a clerk's chase).

The decision raises the very reminder a sweep would (same rule, same key) and hands it to the
outbox straight away; the relay delivers it like any digest. If any step fails, the next sweep
finds the rejection untold and puts it in the claimant's digest: the key makes sure they are
told once either way. With ``notify_rejection = digest`` the decider is told "their next reminder
digest tells them the reason": a chase's digest is a reminder digest too, so it carries the
rejections still untold of the people it goes to (``untold_rejections``), under the same keys.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import uuid4

from domain.ids import normalise_key
from scheduler import facts, sign_off_facts
from scheduler.enqueue import enqueue_pending
from scheduler.policy import DueReminder
from scheduler.sign_off import SignOffFacts
from scheduler.sign_off_policy import rejection_notice
from scheduler.sweep import SweepContext, raise_due


@dataclass(frozen=True)
class RejectionTold:
    """What became of the notice: ``queued`` for the relay, already told before, or why it
    could not be sent (then the administrator hears of it, as of any undeliverable reminder)."""

    key: str
    queued: bool
    already_told: bool = False
    undeliverable: str | None = None


def tell_rejection_now(ctx: SweepContext, plan_code: str, action_code: str, claim_version: int, *, now: datetime) -> RejectionTold:
    """Raise the rejection notice of the claim (``action_code``, ``claim_version``) and queue it."""
    people = facts.directory(ctx.engine)
    plan = SignOffFacts.read(ctx.engine, people).plans[plan_code]
    day = sign_off_facts.local_day(now, plan.timezone)
    [rejection] = sign_off_facts.rejections(ctx.engine, plan, day, people, only=(action_code, claim_version))
    notice = rejection_notice(rejection)
    if not raise_due(ctx, [notice], sweep_id=f"{day.isoformat()}/rejection-{uuid4().hex[:12]}", as_of=day):
        return RejectionTold(notice.key, queued=False, already_told=True)
    enqueued = enqueue_pending(ctx, now)
    reasons = [e.reason for e in enqueued.undeliverable if any(key == notice.key for key, _ in e.reminder_keys)]
    if reasons:
        return RejectionTold(notice.key, queued=False, undeliverable=reasons[0])
    queued = bool(ctx.outbox.enqueued_keys([(notice.key, rejection.claimant)]))
    return RejectionTold(notice.key, queued=queued)


def untold_rejections(ctx: SweepContext, claimants: Iterable[str], *, now: datetime) -> list[DueReminder]:
    """The rejection notices a sweep on the day of ``now`` would raise for these people (in every
    plan: not superseded by a newer claim, decided by then in the plan's time zone) and that no
    sweep, decision or chase has raised yet."""
    wanted = {normalise_key(name) for name in claimants}
    if not wanted:
        return []
    people = facts.directory(ctx.engine)
    notices: list[DueReminder] = []
    for plan in SignOffFacts.read(ctx.engine, people).plans.values():
        day = sign_off_facts.local_day(now, plan.timezone)
        found = sign_off_facts.rejections(ctx.engine, plan, day, people)
        notices.extend(rejection_notice(r) for r in found if not r.superseded and normalise_key(r.claimant) in wanted)
    told = facts.raised_keys(ctx.engine, [n.key for n in notices])
    return [n for n in notices if n.key not in told]
