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
