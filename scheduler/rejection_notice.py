"""Telling a claimant of a rejection at once, for plans with ``notify_rejection = immediate``.

The decision raises the very reminder a sweep would (same rule, same key) and hands it to the
outbox straight away; the relay delivers it like any digest. If any step fails, the next sweep
finds the rejection untold and puts it in the claimant's digest: the key makes sure they are
told once either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import uuid4

from scheduler import facts, sign_off_facts
from scheduler.enqueue import enqueue_pending
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
