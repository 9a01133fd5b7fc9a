"""Raising reminders once, whoever tries (domain/reminder_use_cases.py), on both databases.

The store refuses a second stream with a reminder's id; a batch that meets one already raised
falls back to saving each alone, so the others still go through and the one raised stays as it was.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.reminder import reminder_id
from domain.reminder_use_cases import raise_reminders

DAY = date(2015, 4, 1)


def spec(code: str, sweep_id: str = "first sweep") -> dict[str, Any]:
    return {
        "key": f"overdue|P1|{code}|2015-03-31|1",
        "rule": "overdue",
        "plan_code": "P1",
        "action_code": code,
        "about": date(2015, 3, 31),
        "period": 1,
        "recipients": [{"name": "Ann Owner", "role": "owner"}],
        "details": {"title": f"Action {code}"},
        "sweep_id": sweep_id,
        "actor": "scheduler",
        "effective_on": DAY,
    }


def raised_by(services: Any, code: str) -> str:
    (raised,) = services.app.recorder.select_events(reminder_id(spec(code)["key"]))
    return services.app.mapper.to_domain_event(raised).sweep_id


def test_a_batch_meeting_a_reminder_already_raised_raises_the_others_and_leaves_that_one_alone(services):
    assert raise_reminders(services.app, []) == []
    assert raise_reminders(services.app, [spec("A2")]) == [spec("A2")]
    batch = [spec("A1", "second sweep"), spec("A2", "second sweep"), spec("A3", "second sweep")]
    assert raise_reminders(services.app, batch) == [batch[0], batch[2]]
    assert [raised_by(services, code) for code in ("A1", "A2", "A3")] == ["second sweep", "first sweep", "second sweep"]
    assert raise_reminders(services.app, batch) == []
