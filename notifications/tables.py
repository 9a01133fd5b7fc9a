"""The outbox: messages rendered when their reminders were raised, and every delivery attempt."""

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, LargeBinary, MetaData, String, Table, Text

metadata = MetaData()

# Wide enough for "undeliverable"; outboxes made before it had 10 (outbox version 2 in plantrail/migrate.py widens them).
STATUS_WIDTH = 20

messages = Table(
    "outbox_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("message_id", String(200), nullable=False, unique=True),
    Column("kind", String(40), nullable=False),
    Column("sweep_id", String(100)),
    Column("recipient_name", String(200), nullable=False),
    Column("recipient_email", String(200)),
    Column("subject", Text, nullable=False),
    Column("content", LargeBinary, nullable=False),  # the whole rendered message, as sent (empty when undeliverable)
    Column("status", String(STATUS_WIDTH), nullable=False),  # pending, sending, sent, failed, undeliverable
    Column("attempts", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("claimed_until", DateTime(timezone=True)),  # a relay's lease; its exact value is the claim's token
    Column("sent_at", DateTime(timezone=True)),
    Column("last_code", Integer),
    Column("last_error", Text),  # why it failed, or why it is undeliverable
    Index("ix_outbox_messages_due", "status", "next_attempt_at"),
)

# Which reminder reached which person through which message (or was found undeliverable to
# them): unique, so two processes enqueueing the same reminder cannot both succeed.
items = Table(
    "outbox_items",
    metadata,
    Column("reminder_key", String(400), primary_key=True),
    Column("recipient_name", String(200), primary_key=True),
    Column("message_id", String(200), ForeignKey("outbox_messages.message_id"), nullable=False),
)

attempts = Table(
    "outbox_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("message_id", String(200), nullable=False, index=True),
    Column("attempted_at", DateTime(timezone=True), nullable=False),  # when this attempt began
    Column("outcome", String(10), nullable=False),  # sent, retry, failed
    Column("smtp_code", Integer),
    Column("detail", Text),
)

# How far the enqueuer has read the raised reminders (their notification positions).
cursor = Table(
    "outbox_cursor",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("position", Integer, nullable=False),
)
