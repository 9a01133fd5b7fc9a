"""One recipient without a usable address never stops a sweep: everybody else still gets mail,
and the unaddressable reminders are recorded as undeliverable, with their reason, in the outbox,
in the action's history and in the administrator's digest."""

from __future__ import annotations

from datetime import UTC, date, datetime

from plantrail.bootstrap import sweep_context
from projections.audit import history
from scheduler.sweep import sweep
from tests.integration.legacy import legacy_person, legacy_plan
from tests.integration.test_reminders import deliver, settings_for

AS_OF = date(2015, 3, 24)
NOW = datetime(2015, 3, 24, 7, tzinfo=UTC)


def plan_with_unaddressable_people(services) -> None:
    app = services.app
    on = date(2015, 1, 1)
    app.register_person(name="Mo Manager", email="mo@example.org", actor="t", effective_on=on)
    app.register_person(name="Ann Owner", email="ann@example.org", manager="Mo Manager", actor="t", effective_on=on)
    app.register_person(name="Nora Noemail", actor="t", effective_on=on)  # as `import --register-owners` leaves her
    app.save(legacy_person("Bob Owner", "bob@example.org", manager="Ghost Manager"))
    app.save(legacy_person("Lee Legacy", "lee@example.org;boss@example.org"))
    app.save(legacy_plan("T 1", "Test plan", sponsor="Sam Unregistered"))
    actions = [
        ("DUE", ["Ann Owner"], date(2015, 3, 31)),  # due soon: Ann
        ("CASE", ["ann owner"], date(2015, 3, 30)),  # typed in another case: still Ann
        ("NORA", ["Nora Noemail"], date(2015, 3, 31)),  # no address at all
        ("LEE", ["Lee Legacy"], date(2015, 3, 31)),  # two addresses in one
        ("BOB", ["Bob Owner"], date(2015, 2, 20)),  # overdue 32 days: Bob, his unregistered manager, the unregistered sponsor
    ]
    for code, owners, due in actions:
        app.add_action(plan_code="T 1", code=code, title=f"Action {code}", owners=owners, due_date=due, actor="t", effective_on=on)
        app.add_note("T 1", code, "started", actor="t", effective_on=date(2015, 3, 20))
    services.projector.catch_up()


def test_a_sweep_with_unaddressable_recipients_finishes_and_everyone_else_gets_mail(services, smtp_server):
    plan_with_unaddressable_people(services)
    settings = settings_for(smtp_server)
    outcome = sweep(sweep_context(services, settings), as_of=AS_OF, today=date(2026, 1, 1), now=NOW)
    assert len(outcome.raised) == 5
    deliver(services, settings, NOW)
    received = {m.rcpt_tos[0]: m for m in smtp_server.received}
    assert set(received) == {"ann@example.org", "bob@example.org", "admin@example.org"}
    ann = received["ann@example.org"]
    assert "DUE" in ann.text() and "CASE" in ann.text()  # one digest for Ann, whatever case her name was typed in
    assert ann.message["To"].addresses[0].display_name == "Ann Owner"
    listing = services.outbox.listing()
    undeliverable = {m["to"]: m["last_error"] for m in listing if m["status"] == "undeliverable"}
    assert set(undeliverable) == {"Nora Noemail", "Lee Legacy", "Ghost Manager", "Sam Unregistered"}
    assert "no email address" in undeliverable["Nora Noemail"]
    assert "lee@example.org;boss@example.org" in undeliverable["Lee Legacy"]
    assert "not a registered person" in undeliverable["Ghost Manager"]
    assert "not a registered person" in undeliverable["Sam Unregistered"]
    admin_text = received["admin@example.org"].text()
    for name, reason in undeliverable.items():
        assert name in admin_text and reason in admin_text


def test_an_undeliverable_reminder_is_in_the_action_history_with_its_reason(services, smtp_server):
    plan_with_unaddressable_people(services)
    settings = settings_for(smtp_server)
    sweep(sweep_context(services, settings), as_of=AS_OF, today=date(2026, 1, 1), now=NOW)
    services.projector.catch_up()
    entries = [e for e in history(services.engine, plan_code="T 1", action_code="BOB") if e["type"] == "ReminderUndeliverable"]
    assert sorted(e["changes"]["undeliverable"][1] for e in entries) == ["Ghost Manager", "Sam Unregistered"]
    assert all("not a registered person" in e["reason"] and e["actor"] == "plantrail scheduler" for e in entries)
    [nora] = [e for e in history(services.engine, plan_code="T 1", action_code="NORA") if e["type"] == "ReminderUndeliverable"]
    assert "no email address" in nora["reason"] and nora["effective_on"] == AS_OF.isoformat()


def test_a_second_sweep_records_nothing_twice(services, smtp_server):
    plan_with_unaddressable_people(services)
    settings = settings_for(smtp_server)
    for _ in range(2):
        sweep(sweep_context(services, settings), as_of=AS_OF, today=date(2026, 1, 1), now=NOW)
        deliver(services, settings, NOW)
    services.projector.catch_up()
    events = [e for e in history(services.engine, plan_code="T 1") if e["type"] == "ReminderUndeliverable"]
    assert len(events) == 4
    assert len(smtp_server.received) == 3


def test_recording_undeliverable_is_once_per_reminder_and_recipient_even_when_a_rival_got_there_first(services, smtp_server):
    from domain.reminder_use_cases import record_undeliverable
    from plantrail.bootstrap import bootstrap
    from tests.integration.test_concurrency import _url

    plan_with_unaddressable_people(services)
    sweep(sweep_context(services, settings_for(smtp_server)), as_of=AS_OF, today=date(2026, 1, 1), now=NOW)
    key = "due_soon|T 1|NORA|2015-03-31|7"
    entries = [(key, "Someone Else", "no email address recorded for Someone Else"), (key, "A Third", "not registered")]
    rival = bootstrap(_url(services))
    original_get = services.app.repository.get
    loads = {"n": 0}

    def get_then_let_the_rival_record(aggregate_id, *args, **kwargs):
        found = original_get(aggregate_id, *args, **kwargs)
        loads["n"] += 1
        if loads["n"] == 1:  # between our read and our save
            assert record_undeliverable(rival.app, entries[:1], actor="rival", effective_on=AS_OF) == 1
        return found

    services.app.repository.get = get_then_let_the_rival_record
    try:
        # Our batch was read before the rival's event: its save fails, and each is retried on fresh state.
        assert record_undeliverable(services.app, entries, actor="plantrail scheduler", effective_on=AS_OF) == 1
    finally:
        del services.app.repository.get
        rival.close()
    assert loads["n"] > 2  # read, conflict, re-read each
    assert record_undeliverable(services.app, entries, actor="plantrail scheduler", effective_on=AS_OF) == 0
    reminder = services.app.repository.get(__import__("domain.reminder", fromlist=["reminder_id"]).reminder_id(key))
    assert set(reminder.undeliverable) == {"Nora Noemail", "Someone Else", "A Third"}


def test_a_plan_that_cannot_be_evaluated_is_named_and_every_other_plan_still_gets_its_reminders(seeded, smtp_server):
    from dataclasses import replace

    from scheduler.policy import ReminderPolicy

    def policy_for(plan_code: str) -> ReminderPolicy:
        if plan_code == "SS SAAP 2014":
            raise RuntimeError("this plan's data trips the policy")
        return ReminderPolicy()

    context = replace(sweep_context(seeded, settings_for(smtp_server)), policy_for=policy_for)
    outcome = sweep(context, as_of=date(2015, 3, 17), today=date(2026, 1, 1), now=NOW)
    assert outcome.failed_plans == {"SS SAAP 2014": "RuntimeError: this plan's data trips the policy"}
    assert outcome.raised and {d.plan_code for d in outcome.due} == {"SOS 001"}
