"""Recording reminders that could not be delivered (domain.reminder_use_cases) on the library's
in-memory store: once per reminder and recipient, an unknown reminder passed over, and the count
of what this call recorded."""

from __future__ import annotations

from datetime import date

from domain.application import PlanTrail
from domain.reminder import reminder_id
from domain.reminder_use_cases import raise_reminders, record_undeliverable
from tests.integration.test_reminder_raising import spec

ON = date(2015, 4, 2)


def reminders() -> tuple[PlanTrail, str, str]:
    app = PlanTrail()
    first, second = spec("A1"), spec("A2")
    assert raise_reminders(app, [first, second]) == [first, second]
    return app, first["key"], second["key"]


def test_each_recipient_not_reached_is_recorded_once_on_its_reminder_with_the_reason():
    app, a1, a2 = reminders()
    entries = [
        (a1, "ann@example.org", "mailbox full"),
        (a1, "bob@example.org", "no address"),
        ("no|such|key", "c", "r"),
        (a2, "ann@example.org", "bounced"),
    ]
    assert record_undeliverable(app, iter(entries), actor="relay", effective_on=ON) == 3
    assert app.repository.get(reminder_id(a1)).undeliverable == {"ann@example.org": "mailbox full", "bob@example.org": "no address"}
    assert app.repository.get(reminder_id(a2)).undeliverable == {"ann@example.org": "bounced"}
    marked = list(app.events.get(reminder_id(a1)))[1:]
    assert [(e.recipient, e.reason, e.actor, e.effective_on) for e in marked] == [
        ("ann@example.org", "mailbox full", "relay", ON),
        ("bob@example.org", "no address", "relay", ON),
    ]


def test_a_recipient_already_recorded_is_left_as_it_was_and_only_the_new_ones_counted():
    app, a1, a2 = reminders()
    record_undeliverable(app, [(a1, "ann@example.org", "mailbox full")], actor="relay", effective_on=ON)
    again = [(a1, "ann@example.org", "bounced later"), (a2, "dan@example.org", "no address"), (a2, "dan@example.org", "twice in one call")]
    assert record_undeliverable(app, again, actor="relay", effective_on=date(2015, 4, 3)) == 1
    assert app.repository.get(reminder_id(a1)).undeliverable == {"ann@example.org": "mailbox full"}
    assert app.repository.get(reminder_id(a2)).undeliverable == {"dan@example.org": "no address"}
    assert len(list(app.events.get(reminder_id(a1)))) == 2


def test_nothing_new_records_nothing():
    app, a1, _ = reminders()
    assert record_undeliverable(app, [], actor="relay", effective_on=ON) == 0
    assert record_undeliverable(app, [("no|such|key", "ann@example.org", "r")], actor="relay", effective_on=ON) == 0
    assert len(list(app.events.get(reminder_id(a1)))) == 1


def test_a_batch_that_loses_to_a_rival_is_retried_one_by_one_and_counts_only_what_this_call_recorded():
    app, a1, a2 = reminders()
    original_get = app.repository.get
    loads = []

    def get_then_let_a_rival_record(aggregate_id, *args, **kwargs):
        found = original_get(aggregate_id, *args, **kwargs)
        loads.append(aggregate_id)
        if len(loads) == 1:  # between this call's read and its batch save
            assert record_undeliverable(app, [(a1, "ann@example.org", "rival's reason")], actor="rival", effective_on=ON) == 1
        return found

    app.repository.get = get_then_let_a_rival_record
    entries = [
        (a1, "ann@example.org", "mailbox full"),  # the rival recorded her first: left as the rival wrote it
        (a1, "bob@example.org", "no address"),
        ("no|such|key", "c", "r"),  # passed over in the retry too
        (a2, "dan@example.org", "bounced"),
        (a2, "dan@example.org", "twice in one call"),  # recorded once, by the first entry
    ]
    try:
        assert record_undeliverable(app, entries, actor="relay", effective_on=date(2015, 4, 3)) == 2
    finally:
        del app.repository.get
    # Read once each in the batch (the rival's own read of a1 included), then again in each retry.
    assert loads.count(reminder_id(a1)) >= 4 and loads.count(reminder_id(a2)) >= 3
    assert app.repository.get(reminder_id(a1)).undeliverable == {"ann@example.org": "rival's reason", "bob@example.org": "no address"}
    assert app.repository.get(reminder_id(a2)).undeliverable == {"dan@example.org": "bounced"}
    marked = [(e.recipient, e.reason, e.actor, e.effective_on) for key in (a1, a2) for e in list(app.events.get(reminder_id(key)))[1:]]
    assert marked == [
        ("ann@example.org", "rival's reason", "rival", ON),
        ("bob@example.org", "no address", "relay", date(2015, 4, 3)),
        ("dan@example.org", "bounced", "relay", date(2015, 4, 3)),
    ]
    assert record_undeliverable(app, entries, actor="relay", effective_on=ON) == 0
