"""The daily seal: the chain's head recorded as an event and mailed to an auditor.

A seal kept only inside the database proves little against someone who can rewrite the
database. Mailed to ``PLANTRAIL_AUDIT_EMAIL`` (through the outbox, like every message), a copy
sits where that person cannot reach; recorded as an event, it is itself covered by the next
day's seal, and ``verify`` checks every recorded one. The auditor keeps the emails (or a file
of them) and runs ``plantrail verify --seals FILE`` to check them all at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime

from eventsourcing.persistence import IntegrityError
from sqlalchemy import Engine

from domain.application import PlanTrail
from domain.integrity import SealRecord
from notifications.outbox import Outbox
from notifications.render import message_domain, stable_message_id
from projections.chain import current_seal, parse_seal

WITNESS_ACTOR = "plantrail witness"
log = logging.getLogger("plantrail.witness")


@dataclass
class WitnessContext:
    """What the daily seal needs, wired by the composition root."""

    app: PlanTrail
    engine: Engine
    catch_up: Callable[[], object]
    outbox: Outbox
    mail_from: str
    audit_email: str | None


def witness_seal(ctx: WitnessContext, *, today: date, now: datetime) -> str | None:
    """Record today's seal as an event and queue it for the auditor; None if there is no history
    yet or this seal was witnessed already (nothing new since)."""
    ctx.catch_up()
    seal = current_seal(ctx.engine)
    position, _ = parse_seal(seal)
    if position == 0:
        return None
    try:
        ctx.app.save(SealRecord.witness(seal=seal, position=position, sent_to=ctx.audit_email, actor=WITNESS_ACTOR, effective_on=today))
    except IntegrityError:
        return None  # the same seal, witnessed by another process (or yesterday: nothing changed)
    ctx.catch_up()
    if ctx.audit_email:
        ctx.outbox.enqueue(
            seal_message(seal, mail_from=ctx.mail_from, to=ctx.audit_email, now=now),
            kind="seal",
            recipient_name="auditor",
            recipient_email=ctx.audit_email,
            sweep_id=None,
            recipient_keys=[],
            now=now,
        )
    return seal


def seal_message(seal: str, *, mail_from: str, to: str, now: datetime) -> EmailMessage:
    """Plain text on purpose: the seal must survive any mail client intact."""
    position, _ = parse_seal(seal)
    message = EmailMessage()
    message["Subject"] = f"plantrail seal {now.date().isoformat()}: the history up to event {position}"
    message["From"] = mail_from
    message["To"] = to
    message["Date"] = format_datetime(now)
    message["Message-ID"] = stable_message_id(["seal", seal], message_domain(mail_from))
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(
        f"The seal of the plantrail history as it stood at {now.isoformat(timespec='seconds')}:\n\n"
        f"{seal}\n\n"
        "Keep this email where the plantrail database's administrators cannot change it.\n"
        "To prove later that no event up to this one has changed since, save these emails to a\n"
        "file and run:  plantrail verify --seals FILE\n"
    )
    return message


def witness_today(ctx: WitnessContext) -> str | None:
    """The daily seal job's work (``scheduler.service`` schedules it beside the sweep)."""
    seal = witness_seal(ctx, today=ctx.app.today(), now=ctx.app.clock())
    log.info("daily seal: %s", seal or "nothing new to seal")
    return seal
