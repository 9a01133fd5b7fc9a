"""The outbox: rendered messages waiting for delivery, claimed by one relay at a time.

Enqueueing stores a message together with the reminder keys it carries in one transaction;
the keys are unique per recipient, so a reminder reaches a person in one message even when
several processes enqueue at once. A reminder that cannot reach its recipient (no usable
address, a message that would not render) is stored too, as ``undeliverable`` with its reason.

Delivery claims one message at a time, for a lease longer than a send may take (the relay
enforces the send timeout), so a second relay never picks up a message that the first is still
sending. If a relay dies mid-send its lease lapses within a minute and another relay sends the
message again, with the same Message-ID so mail systems can drop the duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

from sqlalchemy import ColumnElement, Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from notifications import tables as t

STATUSES = ("pending", "sending", "sent", "failed", "undeliverable")


def _utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class Claimed:
    id: int
    message_id: str
    recipient_name: str
    recipient_email: str | None
    subject: str
    content: bytes
    attempts: int
    created_at: datetime
    lease_until: datetime  # the claim's token: only the holder of this exact lease may record the outcome


def _due(now: datetime) -> ColumnElement[bool]:
    m = t.messages
    return ((m.c.status == "pending") & (m.c.next_attempt_at <= now)) | ((m.c.status == "sending") & (m.c.claimed_until < now))


class Outbox:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ----- enqueueing -------------------------------------------------------------------

    def cursor(self, name: str = "reminders") -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(t.cursor.c.position).where(t.cursor.c.name == name)).scalar() or 0

    def advance_cursor(self, position: int, name: str = "reminders") -> None:
        """Move forward only: a slower process finishing late must not move it back."""
        with self.engine.begin() as conn:
            moved = conn.execute(update(t.cursor).where(t.cursor.c.name == name, t.cursor.c.position < position).values(position=position))
            if moved.rowcount == 0 and conn.execute(select(t.cursor.c.position).where(t.cursor.c.name == name)).first() is None:
                try:
                    with conn.begin_nested():
                        conn.execute(insert(t.cursor).values(name=name, position=position))
                except IntegrityError:
                    pass

    def enqueued_keys(self, recipient_keys: list[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which (reminder key, recipient) pairs already have a message (or are undeliverable)."""
        if not recipient_keys:
            return set()
        keys = sorted({k for k, _ in recipient_keys})
        found: set[tuple[str, str]] = set()
        with self.engine.connect() as conn:
            for start in range(0, len(keys), 500):
                query = select(t.items.c.reminder_key, t.items.c.recipient_name).where(
                    t.items.c.reminder_key.in_(keys[start : start + 500])
                )
                found.update((k, r) for k, r in conn.execute(query))
        return found

    def enqueue(
        self,
        message: EmailMessage,
        *,
        kind: str,
        recipient_name: str,
        recipient_email: str,
        sweep_id: str | None,
        recipient_keys: list[tuple[str, str]],
        now: datetime,
    ) -> bool:
        """Store a rendered message; False if another process already enqueued these reminders."""
        values = {
            "message_id": message["Message-ID"],
            "kind": kind,
            "sweep_id": sweep_id,
            "recipient_name": recipient_name,
            "recipient_email": recipient_email,
            "subject": str(message["Subject"]),
            "content": message.as_bytes(policy=SMTP),
            "status": "pending",
        }
        return self._insert(values, recipient_keys, now)

    def enqueue_undeliverable(
        self,
        *,
        message_id: str,
        kind: str,
        recipient_name: str,
        recipient_email: str | None,
        sweep_id: str | None,
        recipient_keys: list[tuple[str, str]],
        reason: str,
        now: datetime,
    ) -> bool:
        """Record reminders that cannot reach ``recipient_name``, and why; nothing will be sent."""
        values = {
            "message_id": message_id,
            "kind": kind,
            "sweep_id": sweep_id,
            "recipient_name": recipient_name,
            "recipient_email": recipient_email,
            "subject": "",
            "content": b"",
            "status": "undeliverable",
            "last_error": reason,
        }
        return self._insert(values, recipient_keys, now)

    def _insert(self, values: dict[str, Any], recipient_keys: list[tuple[str, str]], now: datetime) -> bool:
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(t.messages).values(attempts=0, created_at=now, next_attempt_at=now, **values))
                if recipient_keys:
                    conn.execute(
                        insert(t.items),
                        [{"reminder_key": key, "recipient_name": name, "message_id": values["message_id"]} for key, name in recipient_keys],
                    )
        except IntegrityError:
            return False
        return True

    # ----- delivering -------------------------------------------------------------------

    def claim_next(self, now: datetime, *, lease: timedelta, after_id: int = 0) -> Claimed | None:
        """Claim the next message due (by id, after ``after_id``) for ``lease``, or None.

        The claim is a compare-and-set on the row's due condition itself, so of two relays
        reaching for the same message (pending, or sending with a lapsed lease) one wins."""
        m = t.messages
        lease_until = now + lease
        while True:
            with self.engine.connect() as conn:
                candidates = conn.execute(select(m.c.id).where(_due(now), m.c.id > after_id).order_by(m.c.id).limit(10)).scalars().all()
            if not candidates:
                return None
            for candidate in candidates:
                with self.engine.begin() as conn:
                    won = conn.execute(
                        update(m).where(m.c.id == candidate, _due(now)).values(status="sending", claimed_until=lease_until)
                    ).rowcount
                    if won == 1:
                        row = conn.execute(select(m).where(m.c.id == candidate)).mappings().one()
                        return Claimed(
                            row["id"],
                            row["message_id"],
                            row["recipient_name"],
                            row["recipient_email"],
                            row["subject"],
                            bytes(row["content"]),
                            row["attempts"],
                            _utc(row["created_at"]),
                            lease_until,
                        )
            after_id = candidates[-1]  # every one was taken by a rival relay: look further on

    def _held(self, claimed: Claimed) -> ColumnElement[bool]:
        m = t.messages
        return (m.c.id == claimed.id) & (m.c.status == "sending") & (m.c.claimed_until == claimed.lease_until)

    def record(
        self,
        claimed: Claimed,
        *,
        outcome: str,
        code: int | None,
        detail: str | None,
        attempted_at: datetime,
        finished_at: datetime,
        next_attempt_at: datetime | None = None,
    ) -> bool:
        """Record one attempt: ``sent``, ``retry`` (with when) or ``failed`` (permanently).

        Returns False if the claim had lapsed meanwhile. The attempt is recorded either way,
        and a message that was sent is marked sent whoever holds it now."""
        status = {"sent": "sent", "retry": "pending", "failed": "failed"}[outcome]
        values: dict[str, Any] = {
            "status": status,
            "attempts": claimed.attempts + 1,
            "claimed_until": None,
            "last_code": code,
            "last_error": None if outcome == "sent" else detail,
        }
        if outcome == "sent":
            values["sent_at"] = finished_at
        if next_attempt_at is not None:
            values["next_attempt_at"] = next_attempt_at
        m = t.messages
        with self.engine.begin() as conn:
            held = conn.execute(update(m).where(self._held(claimed)).values(**values)).rowcount == 1
            if not held and outcome == "sent":
                conn.execute(update(m).where(m.c.id == claimed.id, m.c.status != "sent").values(**values))
            conn.execute(
                insert(t.attempts).values(
                    message_id=claimed.message_id, attempted_at=attempted_at, outcome=outcome, smtp_code=code, detail=detail
                )
            )
        return held

    def mark_undeliverable(self, claimed: Claimed, *, reason: str) -> None:
        """Found at send time: the message has no usable address. Nothing was attempted."""
        with self.engine.begin() as conn:
            conn.execute(
                update(t.messages).where(self._held(claimed)).values(status="undeliverable", claimed_until=None, last_error=reason)
            )

    def release(self, claimed: Claimed) -> None:
        """Give a claim back untouched (shutting down before sending it)."""
        with self.engine.begin() as conn:
            conn.execute(update(t.messages).where(self._held(claimed)).values(status="pending", claimed_until=None))

    def recipient_keys(self, message_id: str) -> list[tuple[str, str]]:
        """The (reminder key, recipient) pairs a message carries."""
        i = t.items
        with self.engine.connect() as conn:
            return [(k, r) for k, r in conn.execute(select(i.c.reminder_key, i.c.recipient_name).where(i.c.message_id == message_id))]

    # ----- reading ----------------------------------------------------------------------

    def listing(self, status: str | None = None) -> list[dict[str, Any]]:
        m, a = t.messages, t.attempts
        query = select(m).order_by(m.c.id)
        if status:
            query = query.where(m.c.status == status)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
            tries: dict[str, list[dict[str, Any]]] = {}
            for row in conn.execute(select(a).order_by(a.c.id)).mappings():
                tries.setdefault(row["message_id"], []).append(
                    {
                        "at": _utc(row["attempted_at"]).isoformat(),
                        "outcome": row["outcome"],
                        "smtp_code": row["smtp_code"],
                        "detail": row["detail"],
                    }
                )
        return [
            {
                "message_id": r["message_id"],
                "kind": r["kind"],
                "to": r["recipient_name"],
                "email": r["recipient_email"],
                "subject": r["subject"],
                "status": r["status"],
                "attempts": r["attempts"],
                "created_at": _utc(r["created_at"]).isoformat(),
                "sent_at": _utc(r["sent_at"]).isoformat() if r["sent_at"] is not None else None,
                "last_code": r["last_code"],
                "last_error": r["last_error"],
                "attempt_log": tries.get(r["message_id"], []),
            }
            for r in rows
        ]

    def sent_reminders(self, keys: list[str]) -> set[str]:
        """Which of these reminders the relay has sent: a message carrying it went out and none
        is still waiting to go (pending, or being sent). A reminder with no message yet, or
        whose only messages failed or could not be delivered, is raised but not sent."""
        statuses: dict[str, set[str]] = {}
        i, m = t.items, t.messages
        wanted = sorted(set(keys))
        with self.engine.connect() as conn:
            for start in range(0, len(wanted), 500):
                query = (
                    select(i.c.reminder_key, m.c.status)
                    .join(m, m.c.message_id == i.c.message_id)
                    .where(i.c.reminder_key.in_(wanted[start : start + 500]))
                )
                for key, status in conn.execute(query):
                    statuses.setdefault(key, set()).add(status)
        return {key for key, found in statuses.items() if "sent" in found and not found & {"pending", "sending"}}

    def message_count(self, keys: list[str]) -> int:
        """How many messages carry these reminders (a digest carries all of one person's)."""
        i, wanted = t.items, sorted(set(keys))
        with self.engine.connect() as conn:
            found = (
                conn.execute(select(i.c.message_id).where(i.c.reminder_key.in_(wanted[n : n + 500]))).scalars()
                for n in range(0, len(wanted), 500)
            )
            return len({message for chunk in found for message in chunk})

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return dict(conn.execute(select(t.messages.c.status, func.count()).group_by(t.messages.c.status)).all())
