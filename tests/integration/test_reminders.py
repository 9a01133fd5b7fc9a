"""Sweeps and delivery against a real SMTP server, on SQLite and PostgreSQL."""

import asyncio
import email
import email.policy
import email.utils
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from notifications import tables as nt
from notifications.relay import relay_once
from notifications.render import environment, render_message
from plantrail.bootstrap import relay_context, sweep_context
from plantrail.settings import MailSettings
from scheduler.sweep import sweep

NOW = datetime(2015, 3, 17, 7, 0, tzinfo=UTC)


def settings_for(server, **overrides) -> MailSettings:
    values = {
        "transport": "smtp",
        "outbox_dir": Path("unused"),
        "mail_from": "plantrail <plantrail@example.org>",
        "smtp_host": "127.0.0.1",
        "smtp_port": server.port if server else 0,
        "smtp_security": "none",
        "smtp_user": None,
        "smtp_password": None,
        "admin_email": "admin@example.org",
        "timezone": "Europe/London",
        "templates_dir": None,
        "max_age_hours": 72,
        "first_retry_seconds": 0,
        "sweep_hour": 7,
        "reminder_overrides": {},
    }
    return MailSettings(**(values | overrides))


def run(services, settings, as_of: date, now: datetime = NOW, dry_run: bool = False):
    context = sweep_context(services, settings)
    outcome = sweep(context, as_of=as_of, today=date(2026, 1, 1), now=now, dry_run=dry_run)
    report = deliver(services, settings, now)
    return outcome, report


def deliver(services, settings, now: datetime):
    """One relay pass with the clock standing at ``now``."""
    return asyncio.run(relay_once(relay_context(services, settings, clock=lambda: now)))


def attempts(services, message_id: str) -> list[tuple[str, int | None]]:
    with services.engine.connect() as conn:
        rows = conn.execute(
            select(nt.attempts.c.outcome, nt.attempts.c.smtp_code).where(nt.attempts.c.message_id == message_id).order_by(nt.attempts.c.id)
        ).all()
    return [tuple(r) for r in rows]


def test_each_owner_with_actions_due_31_march_gets_one_digest_naming_all_of_them(seeded, smtp_server):
    settings = settings_for(smtp_server)
    due_31_march = {}
    for a in seeded.queries.actions("SOS 001", as_at=date(2015, 3, 17), with_children=False):
        if a["due_date"] == "2015-03-31" and a["progress"] < 100 and a["lifecycle"] == "open":
            for owner in a["owners"]:
                due_31_march.setdefault(owner, set()).add(a["code"])
    assert due_31_march  # the seed has several
    _outcome, report = run(seeded, settings, date(2015, 3, 17))
    assert report.failed == [] and report.retrying == []
    emails = {p["name"]: p["email"] for p in seeded.queries.people()}
    by_recipient = Counter(r for m in smtp_server.received for r in m.rcpt_tos)
    assert all(count == 1 for count in by_recipient.values())  # one digest per person per sweep
    for owner, codes in due_31_march.items():
        [message] = [m for m in smtp_server.received if m.rcpt_tos == [emails[owner]]]
        assert all(code in message.text() for code in codes), owner
        assert message.message["To"].addresses[0].display_name == owner
    received = len(smtp_server.received)
    again, _ = run(seeded, settings, date(2015, 3, 17))
    assert again.raised == [] and len(smtp_server.received) == received


def small_plan(services, owners=("Ann Owner",), note: str = "Work under way") -> None:
    app = services.app
    app.register_person(name="Mo Manager", email="mo@example.org", actor="t", effective_on=date(2015, 1, 1))
    for owner in owners:
        first = owner.split()[0].lower()
        app.register_person(name=owner, email=f"{first}@example.org", manager="Mo Manager", actor="t", effective_on=date(2015, 1, 1))
    app.create_plan(code="T 1", title="Test plan", actor="t", effective_on=date(2015, 1, 1))
    app.add_action(
        plan_code="T 1",
        code="T1",
        title="Train <the> trainers & managers",
        owners=list(owners),
        due_date=date(2015, 3, 31),
        actor="t",
        effective_on=date(2015, 1, 1),
    )
    app.add_note("T 1", "T1", note, actor="t", effective_on=date(2015, 3, 20))
    services.projector.catch_up()


def test_451_three_times_then_accepted_arrives_once_with_three_failed_attempts(services, smtp_server):
    small_plan(services)
    smtp_server.handler.temporary_failures = 3
    settings = settings_for(smtp_server)
    now = datetime(2015, 3, 24, 7, tzinfo=UTC)
    outcome, report = run(services, settings, date(2015, 3, 24), now)
    assert outcome.messages == 1 and len(report.retrying) == 1
    for minutes in (1, 2, 3):
        deliver(services, settings, now + timedelta(minutes=minutes))
    assert [m.rcpt_tos for m in smtp_server.received] == [["ann@example.org"]]
    message_id = smtp_server.received[0].message_id
    assert attempts(services, message_id) == [("retry", 451), ("retry", 451), ("retry", 451), ("sent", 250)]
    deliver(services, settings, now + timedelta(minutes=10))
    assert len(smtp_server.received) == 1


def test_a_server_down_for_the_whole_first_relay_loses_nothing(services, smtp_server):
    small_plan(services)
    settings = settings_for(smtp_server)
    smtp_server.stop()
    now = datetime(2015, 3, 24, 7, tzinfo=UTC)
    _, report = run(services, settings, date(2015, 3, 24), now)
    assert len(report.retrying) == 1 and report.sent == []
    smtp_server.start()
    report = deliver(services, settings, now + timedelta(minutes=5))
    assert len(report.sent) == 1 and [m.rcpt_tos for m in smtp_server.received] == [["ann@example.org"]]
    assert [outcome for outcome, _ in attempts(services, smtp_server.received[0].message_id)] == ["retry", "sent"]


def test_a_550_for_one_recipient_of_two_fails_that_one_and_the_other_still_gets_it(services, smtp_server):
    small_plan(services, owners=("Ann Owner", "Bob Owner"))
    smtp_server.handler.refuse = {"ann@example.org"}
    settings = settings_for(smtp_server)
    now = datetime(2015, 3, 24, 7, tzinfo=UTC)
    _, report = run(services, settings, date(2015, 3, 24), now)
    assert [m.rcpt_tos for m in smtp_server.received if m.rcpt_tos != ["admin@example.org"]] == [["bob@example.org"]]
    failed = [m for m in services.outbox.listing() if m["status"] == "failed"]
    assert [(m["email"], m["last_code"]) for m in failed] == [("ann@example.org", 550)]
    assert report.failed == [failed[0]["message_id"]]
    assert "550" in failed[0]["last_error"]
    # The administrator hears about it in the same pass, and the action's history records it.
    [notice] = [m for m in smtp_server.received if m.rcpt_tos == ["admin@example.org"]]
    [entry] = notice_entries(notice.text())
    assert (entry["To"], entry["Why"], entry["about"]) == ("Ann Owner <ann@example.org>", failed[0]["last_error"], "- T 1 T1  (Due soon)\n")
    from projections.audit import history

    [event] = [e for e in history(services.engine, plan_code="T 1", action_code="T1") if e["type"] == "ReminderUndeliverable"]
    assert (event["changes"]["undeliverable"][1], event["effective_on"]) == ("Ann Owner", "2015-03-24") and "550" in event["reason"]


def test_give_up_after_the_age_limit_and_tell_the_administrator(services, smtp_server):
    small_plan(services)
    smtp_server.handler.temporary_failures = 1000
    settings = settings_for(smtp_server, max_age_hours=1)
    now = datetime(2015, 3, 24, 7, tzinfo=UTC)
    run(services, settings, date(2015, 3, 24), now)
    report = deliver(services, settings, now + timedelta(hours=2))
    assert len(report.failed) == 1
    [ann] = [m for m in services.outbox.listing() if m["email"] == "ann@example.org"]
    assert ann["status"] == "failed" and "gave up" in ann["last_error"]


def test_html_in_a_note_prints_as_text_and_names_cannot_inject_headers(services, smtp_server):
    small_plan(services, note="<script>alert('x')</script> & <b>done</b>")
    settings = settings_for(smtp_server)
    run(services, settings, date(2015, 3, 24), datetime(2015, 3, 24, 7, tzinfo=UTC))
    [message] = smtp_server.received
    html = message.html()
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;done&lt;/b&gt;" in html and "<script>" not in html
    assert "Train &lt;the&gt; trainers &amp; managers" in html
    assert "<script>alert('x')</script>" in message.text()  # the plain part is plain
    crafted = render_message(
        environment(),
        "digest",
        {
            "name": "x",
            "count": 0,
            "overdue": 0,
            "actions": [],
            "awaiting": [],
            "escalated": [],
            "rejected": [],
            "yours_waiting": [],
            "home_link": None,
        },
        mail_from="plantrail <p@example.org>",
        to_name="Eve\r\nBcc: evil@example.org",
        to_email="eve@example.org",
        message_id="<id@example.org>",
        date=datetime.now(UTC),
    )
    reparsed = email.message_from_bytes(crafted.as_bytes(), policy=email.policy.default)
    assert reparsed["Bcc"] is None and reparsed["To"].addresses[0].addr_spec == "eve@example.org"


def test_the_reminder_is_in_the_action_history(services, smtp_server):
    small_plan(services)
    run(services, settings_for(smtp_server), date(2015, 3, 24), datetime(2015, 3, 24, 7, tzinfo=UTC))
    from projections.audit import history

    entries = history(services.engine, plan_code="T 1", action_code="T1")
    reminders = [e for e in entries if e["type"] == "ReminderRaised"]
    assert [e["text"] for e in reminders] == ["due-date reminder: reminded Ann Owner (owner)"]
    assert reminders[0]["effective_on"] == "2015-03-24" and reminders[0]["actor"] == "plantrail scheduler"


def test_a_dry_run_raises_and_sends_nothing(services, smtp_server):
    small_plan(services)
    outcome, _ = run(services, settings_for(smtp_server), date(2015, 3, 24), dry_run=True)
    assert [d.rule for d in outcome.due] == ["due_soon"] and smtp_server.received == []
    assert services.app.recorder.max_notification_id() == services.projector.position()


def test_a_connection_dropped_after_the_server_accepted_is_retried_and_the_copy_has_the_same_message_id(services, smtp_server):
    small_plan(services)
    smtp_server.handler.drop_after_accepting = 1
    settings = settings_for(smtp_server)
    now = datetime(2015, 3, 24, 7, tzinfo=UTC)
    _, report = run(services, settings, date(2015, 3, 24), now)
    assert len(report.retrying) == 1  # the relay never heard the answer
    report = deliver(services, settings, now + timedelta(minutes=1))
    assert len(report.sent) == 1
    # At least once: the server has it twice, under one Message-ID, so mail systems can drop the copy.
    assert len(smtp_server.received) == 2 and len({m.message_id for m in smtp_server.received}) == 1
    assert [o for o, _ in attempts(services, smtp_server.received[0].message_id)] == ["retry", "sent"]


def notice_entries(text: str) -> list[dict[str, str]]:
    """The administrator's notice read back: one dict per numbered entry (To, Why, Subject, Attempts, about)."""
    entries: list[dict[str, str]] = []
    for line in text.splitlines():
        numbered = re.match(r"^(\d+)\. To: (.*)$", line)
        field = re.match(r"^   (Why|Subject|Attempts): (.*)$", line)
        if numbered:
            entries.append({"To": numbered.group(2), "about": ""})
        elif field and entries:
            entries[-1][field.group(1)] = field.group(2)
        elif line.startswith("   - ") and entries:
            entries[-1]["about"] += line.strip() + "\n"
    return entries


def test_retries_wait_twice_as_long_each_time_up_to_the_longest_wait():
    from notifications.relay import DeliveryPolicy

    policy = DeliveryPolicy(first_retry=timedelta(minutes=1), longest_wait=timedelta(minutes=10))
    waits = [policy.next_attempt(n, NOW) - NOW for n in range(6)]
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8, 10, 10)]


def test_the_relay_gives_up_exactly_at_the_age_limit_and_not_a_moment_before(services, smtp_server):
    small_plan(services)
    smtp_server.handler.temporary_failures = 1000
    settings = settings_for(smtp_server, max_age_hours=1)
    now = datetime(2015, 3, 24, 7, tzinfo=UTC)
    run(services, settings, date(2015, 3, 24), now)
    [created] = [m for m in services.outbox.listing() if m["email"] == "ann@example.org"]
    just_before = deliver(services, settings, now + timedelta(hours=1) - timedelta(microseconds=1))
    assert (just_before.retrying, just_before.failed) == ([created["message_id"]], [])
    on_the_hour = deliver(services, settings, now + timedelta(hours=1))
    assert on_the_hour.failed == [created["message_id"]]
    [gave_up] = [m for m in services.outbox.listing() if m["email"] == "ann@example.org"]
    assert (gave_up["status"], gave_up["last_code"]) == ("failed", 451)
    assert gave_up["last_error"] == "gave up after 1:00:00: 451 4.3.0 Try again later"


def test_a_retry_waits_the_first_retry_interval_and_records_what_the_server_said(services, smtp_server):
    small_plan(services)
    smtp_server.handler.temporary_failures = 1
    settings = settings_for(smtp_server, first_retry_seconds=60)
    now = datetime(2015, 3, 24, 7, tzinfo=UTC)
    _, first = run(services, settings, date(2015, 3, 24), now)
    [waiting] = [m for m in services.outbox.listing() if m["email"] == "ann@example.org"]
    assert first.retrying == [waiting["message_id"]]
    assert (waiting["status"], waiting["last_code"], waiting["last_error"]) == ("pending", 451, "451 4.3.0 Try again later")
    with services.engine.connect() as conn:
        detail = conn.execute(select(nt.attempts.c.detail).where(nt.attempts.c.message_id == waiting["message_id"])).scalar_one()
    assert detail == "451 4.3.0 Try again later"
    assert deliver(services, settings, now + timedelta(seconds=59)).sent == []
    assert deliver(services, settings, now + timedelta(seconds=60)).sent == [waiting["message_id"]]


def test_a_server_slower_than_the_send_timeout_is_a_retry_with_the_time_it_was_given(services, smtp_server):
    import dataclasses

    from notifications.relay import DeliveryPolicy

    small_plan(services)
    smtp_server.handler.delay_seconds = 3
    settings = settings_for(smtp_server)
    now = datetime(2015, 3, 24, 7, tzinfo=UTC)
    context = sweep_context(services, settings)
    sweep(context, as_of=date(2015, 3, 24), today=date(2026, 1, 1), now=now)
    relay = dataclasses.replace(
        relay_context(services, settings, clock=lambda: now), policy=DeliveryPolicy(send_timeout=timedelta(seconds=1))
    )
    report = asyncio.run(relay_once(relay))
    [waiting] = [m for m in services.outbox.listing() if m["email"] == "ann@example.org"]
    assert report.retrying == [waiting["message_id"]]
    assert (waiting["status"], waiting["last_code"], waiting["last_error"]) == (
        "pending",
        None,
        "no answer from the mail server within 1 s",
    )


def test_the_file_transport_writes_each_message_under_its_message_id_and_the_outbox_says_when(services, tmp_path: Path):
    small_plan(services)
    settings = settings_for(None, transport="file", outbox_dir=tmp_path / "out", smtp_port=0)
    now = datetime(2015, 3, 24, 7, tzinfo=UTC)
    _, report = run(services, settings, date(2015, 3, 24), now)
    [sent] = [m for m in services.outbox.listing() if m["email"] == "ann@example.org"]
    assert report.sent == [sent["message_id"]] and (sent["status"], sent["sent_at"]) == ("sent", now.isoformat())
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == [sent["message_id"].strip("<>").replace("@", "_") + ".eml"]  # a file name safe everywhere
