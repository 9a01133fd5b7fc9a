"""What the administrator is told when mail cannot be delivered (who, why, what, after how many
attempts), and when nobody is told; the notices' dates whatever the host's zone. Real SMTP
server, SQLite and PostgreSQL; the helpers are the reminder tests'."""

import email
import time
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.integration.test_reminders import deliver, notice_entries, run, settings_for, small_plan


def test_the_administrators_notice_of_a_refusal_says_to_whom_why_what_and_after_how_many_attempts(services, smtp_server):
    small_plan(services)
    smtp_server.handler.refuse = {"ann@example.org"}
    settings = settings_for(smtp_server)
    now = datetime(2015, 3, 24, 7, tzinfo=UTC)
    run(services, settings, date(2015, 3, 24), now)
    [refused] = [m for m in services.outbox.listing() if m["email"] == "ann@example.org"]
    [notice] = [m for m in smtp_server.received if m.rcpt_tos == ["admin@example.org"]]
    assert (notice.message["From"], email.utils.parsedate_to_datetime(notice.message["Date"])) == (settings.mail_from, now)
    assert {m.mail_from for m in smtp_server.received} == {"plantrail@example.org"}  # the bare address of mail_from
    [entry] = notice_entries(notice.text())
    assert entry == {
        "To": "Ann Owner <ann@example.org>",
        "Why": "ann@example.org: 550 5.1.1 No such user here",
        "Subject": refused["subject"],
        "Attempts": f"1; Message-ID: {refused['message_id']}",
        "about": "- T 1 T1  (Due soon)\n",
    }


def test_a_notice_to_the_administrator_that_is_refused_is_not_itself_reported(services, smtp_server):
    small_plan(services)
    smtp_server.handler.refuse = {"ann@example.org", "admin@example.org"}
    settings = settings_for(smtp_server)
    now = datetime(2015, 3, 24, 7, tzinfo=UTC)
    run(services, settings, date(2015, 3, 24), now)
    deliver(services, settings, now + timedelta(minutes=5))
    notices = [(m["email"], m["status"]) for m in services.outbox.listing() if m["kind"] == "undeliverable_notice"]
    assert notices == [("admin@example.org", "failed")]


def test_with_no_administrator_address_a_refusal_is_recorded_and_nobody_is_sent_a_notice(services, smtp_server):
    small_plan(services)
    smtp_server.handler.refuse = {"ann@example.org"}
    settings = settings_for(smtp_server, admin_email=None)
    run(services, settings, date(2015, 3, 24), datetime(2015, 3, 24, 7, tzinfo=UTC))
    assert [(m["email"], m["status"], m["kind"]) for m in services.outbox.listing()] == [("ann@example.org", "failed", "digest")]


def queued_by_hand(services, name: str, address: str | None, now: datetime) -> str:
    """A message queued with an address as an older plantrail stored it (checked again at send time)."""
    from email.message import EmailMessage

    message = EmailMessage()
    message["Subject"], message["Message-ID"] = "Your actions", f"<{name.split()[0].lower()}@plantrail.test>"
    message.set_content("Please update.")
    services.outbox.enqueue(
        message,
        kind="digest",
        recipient_name=name,
        recipient_email=address,  # type: ignore[arg-type]
        sweep_id=None,
        recipient_keys=[(f"due_soon|T 1|T{name[0]}|2015-03-31|7", name)],
        now=now,
    )
    return message["Message-ID"]


def test_an_address_unusable_at_send_time_is_undeliverable_with_the_reason_and_the_administrator_hears(services, smtp_server):
    now = datetime(2015, 3, 24, 7, tzinfo=UTC)
    settings = settings_for(smtp_server)
    none = queued_by_hand(services, "Ann Owner", None, now)
    bad = queued_by_hand(services, "Bob Owner", "bob at example", now)
    report = deliver(services, settings, now)
    assert (sorted(report.undeliverable), report.failed) == (sorted([none, bad]), [])
    reasons = {m["message_id"]: (m["status"], m["last_error"]) for m in services.outbox.listing() if m["kind"] == "digest"}
    assert reasons[none] == ("undeliverable", "no email address recorded for Ann Owner")
    assert reasons[bad][0] == "undeliverable"
    assert reasons[bad][1].startswith("the email address recorded for Bob Owner, 'bob at example', ")
    assert len(report.sent) == 2  # the notices, queued and sent in the same pass
    told = [e for m in smtp_server.received if m.rcpt_tos == ["admin@example.org"] for e in notice_entries(m.text())]
    assert sorted((e["To"], e["Why"], e["about"]) for e in told) == [
        ("Ann Owner", "no email address recorded for Ann Owner", "- T 1 TA  (Due soon)\n"),
        ("Bob Owner <bob at example>", reasons[bad][1], "- T 1 TB  (Due soon)\n"),
    ]
    assert all("Attempts" not in e for e in told)  # nothing was attempted


@pytest.fixture
def local_time_in_tokyo(monkeypatch):
    """The relay's host set to another zone than UTC (+09:00, no summer time)."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_relay_dates_its_notices_in_utc_whatever_the_hosts_local_zone(services, smtp_server, local_time_in_tokyo):
    small_plan(services)
    smtp_server.handler.refuse = {"ann@example.org"}
    now = datetime(2015, 3, 24, 7, tzinfo=UTC)
    run(services, settings_for(smtp_server), date(2015, 3, 24), now)
    [notice] = [m for m in smtp_server.received if m.rcpt_tos == ["admin@example.org"]]
    # The relay's clock is read in UTC, not in the host's zone: the same instant, but one zone in every record.
    assert notice.message["Date"] == "Tue, 24 Mar 2015 07:00:00 +0000"
