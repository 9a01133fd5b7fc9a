"""projections/queries.py over a small store built here: two plans, committees out of order,
actions across statuses, owners and priorities, and an action changed after a known version.
Each expected answer is written from the data set up in the test, not read from the product."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.commands import UpdateProgress
from plantrail.bootstrap import sweep_context
from plantrail.settings import default_mail_settings
from scheduler.sweep import sweep

AS_AT = date(2015, 3, 20)
ON = date(2015, 1, 5)


@pytest.fixture
def store(services):
    app = services.app
    app.register_person(name="Mo Manager", email="mo@example.org", actor="t", effective_on=ON)
    app.register_person(name="Ann Owner", email="ann@example.org", manager="Mo Manager", actor="t", effective_on=ON)
    app.register_person(name="Bob Owner", email="bob@example.org", manager="Mo Manager", actor="t", effective_on=ON)
    for code in ("P2", "P1"):  # created out of order: plans come back by code
        app.create_plan(code=code, title=f"Plan {code}", actor="t", effective_on=ON, warning_days=7)
        app.add_priority(code, 1, "People", actor="t", effective_on=ON)
        app.add_priority(code, 2, "Places", actor="t", effective_on=ON)
    app.schedule_committee("P1", meets_on=date(2015, 6, 1), committee="Audit", report_deadline=None, actor="t", effective_on=ON)
    app.schedule_committee(
        "P1", meets_on=date(2015, 4, 1), committee="Scrutiny", report_deadline=date(2015, 3, 20), actor="t", effective_on=ON
    )
    actions = [
        # plan, code, owners, due, priority area; on AS_AT with 7 warning days:
        ("P1", "LATE", ["Ann Owner"], date(2015, 3, 10), 1),  # overdue: Alert
        ("P1", "NEAR", ["Bob Owner"], date(2015, 3, 25), 2),  # 5 days out: Warning
        ("P1", "FAR", ["Ann Owner", "Bob Owner"], date(2015, 5, 1), 2),  # OK
        ("P1", "EDGE", ["Bob Owner"], date(2015, 3, 27), 1),  # 7 days out: Warning, due on the day after 26 March
        ("P2", "OTHER", ["Ann Owner"], date(2015, 3, 12), 1),  # overdue: Alert
        ("P2", "OPEN", ["Bob Owner"], None, 2),  # no due date: OK
    ]
    for plan, code, owners, due, area in actions:
        app.add_action(
            plan_code=plan, code=code, title=f"Action {code}", owners=owners, due_date=due, priority_number=area, actor="t", effective_on=ON
        )
    app.add_note("P1", "FAR", "kicked off", actor="Ann Owner", effective_on=date(2015, 2, 1))
    services.projector.catch_up()
    return services


def codes(found: list[dict]) -> list[tuple[str, str]]:
    return [(a["plan"], a["code"]) for a in found]


def test_committees_come_in_meeting_order_with_iso_dates_and_the_plan_carries_them_and_its_priorities(store):
    expected = [
        {"committee": "Scrutiny", "meets_on": "2015-04-01", "report_deadline": "2015-03-20"},
        {"committee": "Audit", "meets_on": "2015-06-01", "report_deadline": None},
    ]
    assert store.queries.committees("P1") == expected
    assert store.queries.committees("P2") == []
    plan = store.queries.plan("p1")  # found whatever the case typed
    assert (plan["code"], plan["title"], plan["warning_days"], plan["actions"]) == ("P1", "Plan P1", 7, 4)
    assert plan["committees"] == expected
    assert plan["priorities"] == [
        {"number": 1, "name": "People", "description": ""},
        {"number": 2, "name": "Places", "description": ""},
    ]


def test_a_person_is_found_by_registered_name_with_their_action_count(store):
    bob = store.queries.person("Bob Owner")
    assert (bob["name"], bob["email"], bob["manager"], bob["actions"]) == ("Bob Owner", "bob@example.org", "Mo Manager", 4)
    assert store.queries.person("Ann Owner")["actions"] == 3


def test_find_actions_covers_every_plan_by_plan_then_priority_then_code(store):
    found = store.queries.find_actions(as_at=AS_AT)
    assert codes(found) == [("P1", "EDGE"), ("P1", "LATE"), ("P1", "FAR"), ("P1", "NEAR"), ("P2", "OTHER"), ("P2", "OPEN")]
    assert {a["code"]: a["status"] for a in found} == {
        "EDGE": "Warning",
        "LATE": "Alert",
        "FAR": "OK",
        "NEAR": "Warning",
        "OTHER": "Alert",
        "OPEN": "OK",
    }
    far = next(a for a in found if a["code"] == "FAR")
    assert [n["text"] for n in far["notes"]] == ["kicked off"]


def test_find_actions_filters_by_plan_owner_priority_and_status_in_any_case(store):
    q = store.queries
    assert codes(q.find_actions(as_at=AS_AT, plan_code="P2")) == [("P2", "OTHER"), ("P2", "OPEN")]
    assert codes(q.find_actions(as_at=AS_AT, owner="Ann Owner")) == [("P1", "LATE"), ("P1", "FAR"), ("P2", "OTHER")]
    assert codes(q.find_actions(as_at=AS_AT, priority_number=2)) == [("P1", "FAR"), ("P1", "NEAR"), ("P2", "OPEN")]
    assert codes(q.find_actions(as_at=AS_AT, statuses=["ALERT", "warning"])) == [
        ("P1", "EDGE"),
        ("P1", "LATE"),
        ("P1", "NEAR"),
        ("P2", "OTHER"),
    ]
    assert codes(q.find_actions(as_at=AS_AT, statuses=["ok"], plan_code="P1", owner="Bob Owner")) == [("P1", "FAR")]


def test_due_before_keeps_only_actions_due_strictly_before_the_day_and_never_one_without_a_date(store):
    q = store.queries
    assert codes(q.find_actions(as_at=AS_AT, due_before=date(2015, 3, 27))) == [("P1", "LATE"), ("P1", "NEAR"), ("P2", "OTHER")]
    assert codes(q.find_actions(as_at=AS_AT, due_before=date(2015, 3, 28))) == [
        ("P1", "EDGE"),
        ("P1", "LATE"),
        ("P1", "NEAR"),
        ("P2", "OTHER"),
    ]


def test_without_children_find_actions_leaves_out_notes_and_sub_actions(store):
    [far] = [a for a in store.queries.find_actions(as_at=AS_AT, with_children=False) if a["code"] == "FAR"]
    assert "notes" not in far and "sub_actions" not in far and far["owners"] == ["Ann Owner", "Bob Owner"]


def test_versions_and_the_changes_made_since_a_version(store):
    app = store.app
    before = store.queries.action_versions("P1")
    assert before == {"LATE": 1, "NEAR": 1, "FAR": 2, "EDGE": 1}  # FAR: added, then a note
    started = datetime.now(UTC)
    app.update_progress("P1", "NEAR", 40, actor="Bob Owner", effective_on=date(2015, 3, 18))
    app.add_note("P1", "NEAR", "halfway", actor="Ann Owner", effective_on=date(2015, 3, 19))
    store.projector.catch_up()
    assert store.queries.action_versions("P1") == before | {"NEAR": 3}
    since = store.queries.changes_since("P1", "NEAR", 1)
    assert [(c["type"], c["actor"], c["effective_on"]) for c in since] == [
        ("ProgressUpdated", "Bob Owner", "2015-03-18"),
        ("NoteAdded", "Ann Owner", "2015-03-19"),
    ]
    recorded = [datetime.fromisoformat(c["recorded_at"]) for c in since]
    assert started <= recorded[0] <= recorded[1] <= datetime.now(UTC)
    assert [c["type"] for c in store.queries.changes_since("P1", "NEAR", 2)] == ["NoteAdded"]
    assert store.queries.changes_since("P1", "NEAR", 3) == []
    assert store.queries.changes_since("P1", "FAR", 2) == []


def test_changes_since_are_the_actions_own_events_not_a_reminder_about_it_nor_a_namesake_in_another_plan(store):
    # A reminder's events carry the action's plan and code; an action in another plan may share its code.
    outcome = sweep(
        sweep_context(store, default_mail_settings()), as_of=AS_AT, today=date(2026, 1, 1), now=datetime(2015, 3, 20, 7, tzinfo=UTC)
    )
    assert "P1/NEAR" in {f"{d.plan_code}/{d.action_code}" for d in outcome.due}
    store.app.add_action(plan_code="P2", code="NEAR", title="Namesake", owners=["Ann Owner"], due_date=None, actor="t", effective_on=ON)
    store.app.add_note("P2", "NEAR", "elsewhere", actor="t", effective_on=ON)
    store.projector.catch_up()
    assert [c["type"] for c in store.queries.changes_since("P1", "NEAR", 0)] == ["ActionAdded"]


def test_find_actions_answers_as_known_at_a_moment(store):
    moment = datetime.now(UTC)
    store.app.update_progress("P1", "FAR", 40, actor="Ann Owner", effective_on=date(2015, 3, 1))
    store.projector.catch_up()

    def far(**known) -> int:
        return next(a["progress"] for a in store.queries.find_actions(as_at=AS_AT, plan_code="P1", **known) if a["code"] == "FAR")

    assert (far(known_at=moment), far()) == (0, 40)


def test_claims_waiting_are_listed_per_plan_and_the_sign_off_setting_is_read_per_plan(store):
    app = store.app
    # An owner's 100 % waits for sign-off (on completion, the default).
    store.record("P1/FAR", UpdateProgress(100, effective_on=date(2015, 3, 19)), actor="Ann Owner")
    store.record("P2/OPEN", UpdateProgress(100, effective_on=date(2015, 3, 19)), actor="Bob Owner")
    app.configure_sign_off("P2", sign_off="changes", sign_off_days=3, actor="t", reason="tighter", effective_on=ON)
    store.projector.catch_up()
    q = store.queries
    assert [(c["plan"], c["action"]) for c in q.open_claims()] == [("P1", "FAR"), ("P2", "OPEN")]
    assert [(c["plan"], c["action"]) for c in q.open_claims("P2")] == [("P2", "OPEN")]
    assert [(c["action"], c["progress"], c["claimant"]) for c in q.claims("P1", "FAR")] == [("FAR", 100, "Ann Owner")] and q.claims(
        "P1", "NEAR"
    ) == []
    assert q.sign_off_settings("P2") == {"sign_off": "changes", "sign_off_days": 3, "notify_rejection": "digest"}
    assert q.sign_off_settings("P1") == {"sign_off": "completion", "sign_off_days": 7, "notify_rejection": "digest"}
