"""The outbox: rendered messages waiting for delivery, claimed by one relay at a time.

Enqueueing stores a message together with the reminder keys it carries in one transaction;
the keys are unique per recipient, so a reminder reaches a person in one message even when
several processes enqueue at once. Delivery is at least once: a relay claims a message for a
while; if it dies mid-send the claim lapses and another relay sends it again, with the same
Message-ID so mail systems can drop the duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from notifications import tables as t

CLAIM_SECONDS = 300


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


class Outbox:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create_tables(self) -> None:
        t.metadata.create_all(self.engine)

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
        """Which (reminder key, recipient) pairs already have a message."""
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
        recipient_email: str | None,
        sweep_id: str | None,
        reminder_keys: list[str],
        now: datetime,
    ) -> bool:
        """Store a rendered message; False if another process already enqueued these reminders."""
        status, error = ("pending", None) if recipient_email else ("failed", "no email address recorded for this person")
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(t.messages).values(
                        message_id=message["Message-ID"],
                        kind=kind,
                        sweep_id=sweep_id,
                        recipient_name=recipient_name,
                        recipient_email=recipient_email,
                        subject=str(message["Subject"]),
                        content=message.as_bytes(policy=SMTP),
                        status=status,
                        attempts=0,
                        created_at=now,
                        next_attempt_at=now,
                        last_error=error,
                    )
                )
                if reminder_keys:
                    conn.execute(
                        insert(t.items),
                        [
                            {"reminder_key": key, "recipient_name": recipient_name, "message_id": message["Message-ID"]}
                            for key in reminder_keys
                        ],
                    )
        except IntegrityError:
            return False
        return True

    # ----- delivering -------------------------------------------------------------------

    def claim_due(self, now: datetime, limit: int = 100) -> list[Claimed]:
        """Claim pending messages whose time has come (and sends whose claim lapsed)."""
        m = t.messages
        with self.engine.connect() as conn:
            candidates = (
                conn.execute(
                    select(m)
                    .where(
                        ((m.c.status == "pending") & (m.c.next_attempt_at <= now)) | ((m.c.status == "sending") & (m.c.claimed_until < now))
                    )
                    .order_by(m.c.next_attempt_at, m.c.id)
                    .limit(limit)
                )
                .mappings()
                .all()
            )
        claimed = []
        for row in candidates:
            with self.engine.begin() as conn:
                # Compare-and-set on the row as read: a rival relay that claimed it first wins.
                won = conn.execute(
                    update(m)
                    .where(m.c.id == row["id"], m.c.status == row["status"], m.c.attempts == row["attempts"])
                    .values(status="sending", claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
                ).rowcount
            if won == 1:
                claimed.append(
                    Claimed(
                        row["id"],
                        row["message_id"],
                        row["recipient_name"],
                        row["recipient_email"],
                        row["subject"],
                        bytes(row["content"]),
                        row["attempts"],
                        _utc(row["created_at"]),
                    )
                )
        return claimed

    def record(
        self,
        claimed: Claimed,
        *,
        outcome: str,
        code: int | None,
        detail: str | None,
        now: datetime,
        next_attempt_at: datetime | None = None,
    ) -> None:
        """Record one attempt: ``sent``, ``retry`` (with when) or ``failed`` (permanently)."""
        status = {"sent": "sent", "retry": "pending", "failed": "failed"}[outcome]
        values: dict[str, Any] = {
            "status": status,
            "attempts": claimed.attempts + 1,
            "claimed_until": None,
            "last_code": code,
            "last_error": None if outcome == "sent" else detail,
        }
        if outcome == "sent":
            values["sent_at"] = now
        if next_attempt_at is not None:
            values["next_attempt_at"] = next_attempt_at
        with self.engine.begin() as conn:
            conn.execute(update(t.messages).where(t.messages.c.id == claimed.id).values(**values))
            conn.execute(
                insert(t.attempts).values(message_id=claimed.message_id, attempted_at=now, outcome=outcome, smtp_code=code, detail=detail)
            )

    def release(self, claimed: Claimed) -> None:
        """Give a claim back untouched (shutting down before sending it)."""
        with self.engine.begin() as conn:
            conn.execute(
                update(t.messages)
                .where(t.messages.c.id == claimed.id, t.messages.c.status == "sending")
                .values(status="pending", claimed_until=None)
            )

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

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return dict(conn.execute(select(t.messages.c.status, func.count()).group_by(t.messages.c.status)).all())
