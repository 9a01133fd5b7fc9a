"""Delivery: send what is due, retry what failed for a passing reason, give up after an age limit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr

from jinja2 import Environment

from notifications.outbox import Claimed, Outbox
from notifications.render import message_domain, render_message, stable_message_id
from notifications.transports import PermanentDeliveryError, TransientDeliveryError, Transport


@dataclass(frozen=True)
class DeliveryPolicy:
    max_age: timedelta = timedelta(days=3)
    first_retry: timedelta = timedelta(minutes=1)
    longest_wait: timedelta = timedelta(hours=1)

    def next_attempt(self, attempts_so_far: int, now: datetime) -> datetime:
        return now + min(self.first_retry * (2**attempts_so_far), self.longest_wait)


@dataclass
class RelayReport:
    sent: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


async def relay_once(
    outbox: Outbox,
    transport: Transport,
    *,
    mail_from: str,
    now: datetime,
    policy: DeliveryPolicy = DeliveryPolicy(),
    admin_email: str | None = None,
    env: Environment | None = None,
    stopping: Callable[[], bool] = lambda: False,
) -> RelayReport:
    """Send every message that is due. ``stopping``: checked before each send; when it turns
    true the remaining claims are handed back untouched, so a shutdown loses nothing."""
    report = RelayReport()
    sender = parseaddr(mail_from)[1]
    claims = outbox.claim_due(now)
    for index, claimed in enumerate(claims):
        if stopping():
            for unsent in claims[index:]:
                outbox.release(unsent)
            break
        if not claimed.recipient_email:
            outbox.record(claimed, outcome="failed", code=None, detail="no email address recorded for this person", now=now)
            report.failed.append(claimed.message_id)
            continue
        try:
            result = await transport.send(sender, [claimed.recipient_email], claimed.content, claimed.message_id)
        except TransientDeliveryError as error:
            if now - claimed.created_at >= policy.max_age:
                _give_up(outbox, claimed, error.code, f"gave up after {policy.max_age}: {error.detail}", now, mail_from, admin_email, env)
                report.failed.append(claimed.message_id)
            else:
                outbox.record(
                    claimed,
                    outcome="retry",
                    code=error.code,
                    detail=error.detail,
                    now=now,
                    next_attempt_at=policy.next_attempt(claimed.attempts, now),
                )
                report.retrying.append(claimed.message_id)
        except PermanentDeliveryError as error:
            _give_up(outbox, claimed, error.code, error.detail, now, mail_from, admin_email, env)
            report.failed.append(claimed.message_id)
        else:
            if result.refused:
                detail = "; ".join(f"{address}: {code} {text}" for address, (code, text) in result.refused.items())
                code = max(code for code, _ in result.refused.values())
                _give_up(outbox, claimed, code, f"refused: {detail}", now, mail_from, admin_email, env)
                report.failed.append(claimed.message_id)
            else:
                outbox.record(claimed, outcome="sent", code=result.code, detail=None, now=now)
                report.sent.append(claimed.message_id)
    return report


def _give_up(
    outbox: Outbox,
    claimed: Claimed,
    code: int | None,
    detail: str,
    now: datetime,
    mail_from: str,
    admin_email: str | None,
    env: Environment | None,
) -> None:
    outbox.record(claimed, outcome="failed", code=code, detail=detail, now=now)
    if not admin_email or env is None or claimed.recipient_email == admin_email:
        return
    context = {
        "recipient_name": claimed.recipient_name,
        "recipient_email": claimed.recipient_email,
        "subject": claimed.subject,
        "message_id": claimed.message_id,
        "attempts": claimed.attempts + 1,
        "last_code": code,
        "last_error": detail,
    }
    message = render_message(
        env,
        "delivery_failure",
        context,
        mail_from=mail_from,
        to_name="plantrail administrator",
        to_email=admin_email,
        message_id=stable_message_id(["failure", claimed.message_id], message_domain(mail_from)),
        date=now,
    )
    outbox.enqueue(
        message,
        kind="delivery_failure",
        recipient_name="plantrail administrator",
        recipient_email=admin_email,
        sweep_id=None,
        reminder_keys=[],
        now=now,
    )
