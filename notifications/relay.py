"""Delivery: send what is due, one claimed message at a time; retry what failed for a passing
reason, give up after an age limit, and tell the administrator.

Exactly once in practice: a relay claims one message for a lease (60 s) longer than a send may
take (the whole send is cut off at 40 s), records the outcome with the attempt's own time, and
only then claims the next. A stopping relay finishes and records the message in hand and
claims nothing more, so a shutdown leaves no claim behind; a killed one leaves one claim, which
lapses within the lease.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from typing import Protocol

from jinja2 import Environment

from domain.email_address import canonical_addr_spec
from notifications.outbox import Claimed, Outbox
from notifications.transports import PermanentDeliveryError, SendResult, TransientDeliveryError, Transport
from notifications.undeliverable import ADMINISTRATOR, NOTICE_KIND, Undeliverable, about_keys, render_undeliverable_notice

log = logging.getLogger("plantrail.relay")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class DeliveryPolicy:
    max_age: timedelta = timedelta(days=3)
    first_retry: timedelta = timedelta(minutes=1)
    longest_wait: timedelta = timedelta(hours=1)
    send_timeout: timedelta = timedelta(seconds=40)  # one whole send: connect, hand over, hear the answer
    lease: timedelta = timedelta(seconds=60)  # how long a claim holds; a killed relay's claim lapses after this

    def __post_init__(self) -> None:
        # The lease must outlast the longest send plus recording it, or a second relay could
        # take over a message that is still being sent.
        if self.lease < self.send_timeout + timedelta(seconds=10):
            raise ValueError(f"delivery lease {self.lease} must exceed the send timeout {self.send_timeout} by at least 10 s")

    def next_attempt(self, attempts_so_far: int, now: datetime) -> datetime:
        return now + min(self.first_retry * (2**attempts_so_far), self.longest_wait)


class UndeliverableHook(Protocol):
    """Records in each reminder's history that it could not reach a recipient (the composition
    root wires it to the domain). ``entries``: (reminder key, recipient, reason)."""

    def __call__(self, entries: list[tuple[str, str, str]], when: datetime) -> None: ...


@dataclass
class RelayContext:
    """What delivery needs, wired by the composition root."""

    outbox: Outbox
    transport: Transport
    mail_from: str
    policy: DeliveryPolicy = field(default_factory=DeliveryPolicy)
    admin_email: str | None = None
    templates: Environment | None = None  # for the administrator's notices
    clock: Callable[[], datetime] = utc_now
    on_undeliverable: UndeliverableHook | None = None

    def now(self) -> datetime:
        return self.clock().astimezone(UTC)


@dataclass
class RelayReport:
    sent: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    undeliverable: list[str] = field(default_factory=list)


async def relay_once(ctx: RelayContext, *, stopping: Callable[[], bool] = lambda: False) -> RelayReport:
    """Send every message due now, each at most once per pass. ``stopping`` is checked before
    each claim: once it is true the relay finishes the message in hand and claims no more."""
    report = RelayReport()
    after = 0
    while not stopping():
        claimed = ctx.outbox.claim_next(ctx.now(), lease=ctx.policy.lease, after_id=after)
        if claimed is None:
            break
        after = claimed.id
        in_hand = asyncio.ensure_future(deliver(ctx, claimed, report))
        try:
            await asyncio.shield(in_hand)
        except asyncio.CancelledError:
            # Cancelled from outside: the message may already be with the server, so finish
            # and record it before giving up, or it would be sent again once the lease lapses.
            await in_hand
            raise
    return report


async def deliver(ctx: RelayContext, claimed: Claimed, report: RelayReport) -> None:
    """One attempt at one claimed message, recorded with its own start time."""
    started = ctx.now()
    try:
        address = canonical_addr_spec(claimed.recipient_email or "")
    except ValueError as problem:
        reason = f"no email address recorded for {claimed.recipient_name}"
        if claimed.recipient_email:
            reason = f"the email address recorded for {claimed.recipient_name}, {claimed.recipient_email!r}, {problem}"
        ctx.outbox.mark_undeliverable(claimed, reason=reason)
        _tell(ctx, claimed, reason, started)
        report.undeliverable.append(claimed.message_id)
        return
    try:
        result = await _send(ctx, claimed, address)
    except TransientDeliveryError as error:
        finished = ctx.now()
        if finished - claimed.created_at >= ctx.policy.max_age:
            _give_up(ctx, claimed, error.code, f"gave up after {ctx.policy.max_age}: {error.detail}", started, finished)
            report.failed.append(claimed.message_id)
            return
        retry_at = ctx.policy.next_attempt(claimed.attempts, finished)
        _record(ctx, claimed, "retry", error.code, error.detail, started, finished, retry_at)
        report.retrying.append(claimed.message_id)
    except PermanentDeliveryError as error:
        _give_up(ctx, claimed, error.code, error.detail, started, ctx.now())
        report.failed.append(claimed.message_id)
    else:
        if result.refused:
            detail = "; ".join(f"{address}: {code} {text}" for address, (code, text) in result.refused.items())
            code = max(code for code, _ in result.refused.values())
            _give_up(ctx, claimed, code, f"refused: {detail}", started, ctx.now())
            report.failed.append(claimed.message_id)
        else:
            _record(ctx, claimed, "sent", result.code, None, started, ctx.now())
            report.sent.append(claimed.message_id)


async def _send(ctx: RelayContext, claimed: Claimed, address: str) -> SendResult:
    sender = parseaddr(ctx.mail_from)[1]
    seconds = ctx.policy.send_timeout.total_seconds()
    try:
        async with asyncio.timeout(seconds):
            return await ctx.transport.send(sender, [address], claimed.content, claimed.message_id)
    except TimeoutError:
        raise TransientDeliveryError(None, f"no answer from the mail server within {seconds:g} s") from None


def _record(
    ctx: RelayContext,
    claimed: Claimed,
    outcome: str,
    code: int | None,
    detail: str | None,
    started: datetime,
    finished: datetime,
    next_attempt_at: datetime | None = None,
) -> None:
    held = ctx.outbox.record(
        claimed, outcome=outcome, code=code, detail=detail, attempted_at=started, finished_at=finished, next_attempt_at=next_attempt_at
    )
    if not held:
        log.warning("the claim on %s lapsed before its %s attempt was recorded", claimed.message_id, outcome)


def _give_up(ctx: RelayContext, claimed: Claimed, code: int | None, detail: str, started: datetime, finished: datetime) -> None:
    _record(ctx, claimed, "failed", code, detail, started, finished)
    _tell(ctx, claimed, detail, finished, attempts=claimed.attempts + 1)


def _tell(ctx: RelayContext, claimed: Claimed, reason: str, when: datetime, attempts: int = 0) -> None:
    """Record the failure in the history of the reminders the message carried, and tell the administrator."""
    keys = ctx.outbox.recipient_keys(claimed.message_id)
    if keys and ctx.on_undeliverable is not None:
        ctx.on_undeliverable([(key, recipient, reason) for key, recipient in keys], when)
    if not ctx.admin_email or ctx.templates is None or claimed.recipient_email == ctx.admin_email:
        return  # nobody to tell, or the notice itself is what failed
    entry = Undeliverable(
        recipient_name=claimed.recipient_name,
        recipient_email=claimed.recipient_email,
        reason=reason,
        subject=claimed.subject or None,
        message_id=claimed.message_id,
        attempts=attempts,
        about=about_keys(keys),
        reminder_keys=tuple(keys),
    )
    notice = render_undeliverable_notice(ctx.templates, [entry], mail_from=ctx.mail_from, admin_email=ctx.admin_email, now=when)
    ctx.outbox.enqueue(
        notice, kind=NOTICE_KIND, recipient_name=ADMINISTRATOR, recipient_email=ctx.admin_email, sweep_id=None, recipient_keys=[], now=when
    )
