"""Relay claims on a real database: one message at a time, for a lease longer than any send,
lapsing within a minute when the relay holding it dies; a cancelled relay still records the
message in hand."""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest

from notifications.relay import DeliveryPolicy, RelayContext, relay_once
from notifications.transports import SmtpTransport

T0 = datetime(2015, 3, 24, 7, tzinfo=UTC)


def queue(services, count: int) -> list[str]:
    ids = []
    for n in range(count):
        message = EmailMessage()
        message["Subject"], message["From"], message["To"] = f"message {n}", "plantrail@example.org", f"p{n}@example.org"
        message["Message-ID"] = f"<m{n}@example.org>"
        message.set_content("hello")
        assert services.outbox.enqueue(
            message, kind="digest", recipient_name=f"P {n}", recipient_email=f"p{n}@example.org", sweep_id="s", recipient_keys=[], now=T0
        )
        ids.append(message["Message-ID"])
    return ids


def test_a_relay_holds_one_claim_at_a_time_and_a_dead_relays_claim_lapses_within_a_minute(services):
    first, second, _third = queue(services, 3)
    lease = DeliveryPolicy().lease
    assert timedelta(seconds=50) <= lease <= timedelta(seconds=60) and lease > DeliveryPolicy().send_timeout
    held = services.outbox.claim_next(T0, lease=lease)
    assert (held.message_id, held.lease_until) == (first, T0 + lease)
    assert services.outbox.counts() == {"sending": 1, "pending": 2}  # one claim, not a batch
    # A second relay half a minute later cannot take the message still being sent.
    rival = services.outbox.claim_next(T0 + timedelta(seconds=30), lease=lease)
    assert rival.message_id == second
    # The first relay died: a minute on, its claim has lapsed and another relay takes the message over.
    takeover = services.outbox.claim_next(T0 + lease + timedelta(seconds=1), lease=lease)
    assert takeover.message_id == first
    # The dead relay's late word no longer counts as holding the claim.
    late = services.outbox.record(held, outcome="retry", code=451, detail="late", attempted_at=T0, finished_at=T0 + lease)
    assert late is False
    assert services.outbox.record(
        takeover, outcome="sent", code=250, detail=None, attempted_at=T0 + lease, finished_at=T0 + lease + timedelta(seconds=2)
    )
    [sent] = [m for m in services.outbox.listing() if m["message_id"] == first]
    assert sent["status"] == "sent" and [a["outcome"] for a in sent["attempt_log"]] == ["retry", "sent"]


def test_a_lease_no_longer_than_the_send_timeout_is_refused():
    with pytest.raises(ValueError, match="lease"):
        DeliveryPolicy(send_timeout=timedelta(seconds=60), lease=timedelta(seconds=60))


def test_the_lease_must_outlast_the_send_timeout_by_ten_seconds_exactly():
    # Ten seconds to record the outcome after the longest send: exactly ten is enough, a
    # microsecond less is not (the margin's both edges, so neither bound can drift).
    send_timeout = timedelta(seconds=40)
    assert DeliveryPolicy(send_timeout=send_timeout, lease=timedelta(seconds=50)).lease == timedelta(seconds=50)
    with pytest.raises(ValueError) as refused:
        DeliveryPolicy(send_timeout=send_timeout, lease=timedelta(seconds=50) - timedelta(microseconds=1))
    assert str(refused.value) == "delivery lease 0:00:49.999999 must exceed the send timeout 0:00:40 by at least 10 s"


def test_a_relay_cancelled_mid_send_finishes_and_records_the_message_in_hand(services, smtp_server):
    queue(services, 3)
    smtp_server.handler.delay_seconds = 1.5
    context = RelayContext(services.outbox, SmtpTransport(host="127.0.0.1", port=smtp_server.port), "plantrail <p@example.org>")

    async def cancel_mid_send() -> None:
        relay = asyncio.create_task(relay_once(context))
        while not smtp_server.handler.data_started.is_set():
            await asyncio.sleep(0.05)
        relay.cancel()
        with pytest.raises(asyncio.CancelledError):
            await relay

    asyncio.run(cancel_mid_send())
    assert len(smtp_server.received) == 1
    assert services.outbox.counts() == {"sent": 1, "pending": 2}  # recorded, and nothing else left claimed


def test_a_claim_taken_over_mid_send_is_still_recorded_sent_and_the_lapse_is_logged(services, smtp_server, caplog):
    first, second = queue(services, 2)
    smtp_server.handler.hold = threading.Event()
    lease = DeliveryPolicy().lease
    context = RelayContext(
        services.outbox, SmtpTransport(host="127.0.0.1", port=smtp_server.port), "plantrail <p@example.org>", clock=lambda: T0
    )

    async def take_over_mid_send():
        relay = asyncio.create_task(relay_once(context))
        while not smtp_server.handler.data_started.is_set():
            await asyncio.sleep(0.05)
        try:
            # Another relay, after the lease: the first message's claim has lapsed, so it takes it over.
            takeover = services.outbox.claim_next(T0 + lease + timedelta(seconds=1), lease=lease)
        finally:
            smtp_server.handler.hold.set()  # even on failure, or the server could not stop; the second goes at once
        return takeover, await relay

    with caplog.at_level(logging.WARNING, logger="plantrail.relay"):
        takeover, report = asyncio.run(take_over_mid_send())
    assert takeover.message_id == first and report.sent == [first, second]
    # Sent is sent whoever holds the claim now; only the lapse of the first is worth a warning.
    assert {m["message_id"]: m["status"] for m in services.outbox.listing()} == {first: "sent", second: "sent"}
    warnings = [(r.name, r.levelname, r.getMessage()) for r in caplog.records]
    assert warnings == [("plantrail.relay", "WARNING", f"the claim on {first} lapsed before its sent attempt was recorded")]


def undeliverable(services, n: int) -> bool:
    return services.outbox.enqueue_undeliverable(
        message_id=f"<u{n}@example.org>",
        kind="digest",
        recipient_name="Nora",
        recipient_email=None,
        sweep_id="s",
        recipient_keys=[(f"k{n}", "Nora")],
        reason="no email address recorded for Nora",
        now=T0,
    )


@pytest.mark.postgres
def test_an_outbox_made_before_undeliverable_existed_is_widened_when_the_store_opens(postgres_url):
    from sqlalchemy.exc import DataError

    from plantrail.bootstrap import bootstrap
    from plantrail.keys import store_facts
    from plantrail.migrate import recorded_versions

    old = bootstrap(postgres_url)
    with old.engine.begin() as conn:  # as plantrail left it before this version
        conn.exec_driver_sql("ALTER TABLE outbox_messages ALTER COLUMN status TYPE VARCHAR(10)")
        conn.execute(store_facts.update().where(store_facts.c.name == "schema.outbox").values(value="1"))
    with pytest.raises(DataError):
        undeliverable(old, 1)
    old.close()
    reopened = bootstrap(postgres_url)
    try:
        assert recorded_versions(reopened.engine)["outbox"] == 2
        assert undeliverable(reopened, 2) and reopened.outbox.counts() == {"undeliverable": 1}
    finally:
        reopened.close()
