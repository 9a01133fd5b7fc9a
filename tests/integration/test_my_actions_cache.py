"""My actions remembered per person: after each kind of event, what the cache answers is what a
fresh computation answers, and only the rows the events touched were read again."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from domain.commands import ChangeOwners, UpdateProgress
from domain.reminder_use_cases import raise_reminders
from plantrail import my_actions as module
from plantrail.my_actions import MyActionsCache, my_actions
from scheduler.policy import ReminderPolicy
from tests.integration.sign_off_scenario import PLAN

LIAM = "Liam Purdie"
DAY = date(2015, 3, 25)


def policy(plan_code: str) -> ReminderPolicy:
    return ReminderPolicy()


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, tuple[str, ...]]]:
    """Every read of rows, as (plan, the codes asked for)."""
    calls: list[tuple[str, tuple[str, ...]]] = []
    original = module.plan_rows

    def counting(services: Any, policy_for: Any, name: str, plan_code: str, codes: list[str], *known: Any) -> Any:
        calls.append((plan_code, tuple(codes)))
        return original(services, policy_for, name, plan_code, codes, *known)

    monkeypatch.setattr(module, "plan_rows", counting)
    return calls


def cached_and_fresh(s: Any, cache: MyActionsCache, name: str = LIAM) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return my_actions(s, policy, name, cache), my_actions(s, policy, name)


def liams_sos_action(s: Any) -> str:
    return next(code for plan, code in s.queries.owned_action_refs(LIAM) if plan == PLAN)


def test_an_update_to_one_of_the_persons_actions_reads_that_row_again_and_nothing_else(plan, reads):
    cache = MyActionsCache()
    first, _ = cached_and_fresh(plan, cache)
    code = liams_sos_action(plan)
    plan.record(f"{PLAN}/{code}", UpdateProgress(57, "halfway and a bit", DAY), actor=LIAM)
    reads.clear()

    cached, fresh = cached_and_fresh(plan, cache)
    assert cached == fresh and cached != first
    assert next(a for a in cached if a["code"] == code)["progress"] == 57
    assert reads[0] == (PLAN, (code,))  # the cache's read: that one action (then the fresh one's)


def test_nothing_new_reads_nothing_and_someone_elses_update_changes_no_row(plan, reads):
    cache = MyActionsCache()
    cached_and_fresh(plan, cache)
    reads.clear()
    my_actions(plan, policy, LIAM, cache)
    assert reads == []
    owned = {code for _, code in plan.queries.owned_action_refs(LIAM)}
    other = next(a["code"] for a in plan.queries.actions(PLAN, as_at=DAY, with_children=False) if a["code"] not in owned)
    plan.record(f"{PLAN}/{other}", UpdateProgress(12, None, DAY), actor="test")
    cached = my_actions(plan, policy, LIAM, cache)
    assert reads == [] and cached == my_actions(plan, policy, LIAM)


def test_an_action_given_to_the_person_appears_at_once(plan):
    cache = MyActionsCache()
    before, _ = cached_and_fresh(plan, cache)
    owned = {code for _, code in plan.queries.owned_action_refs(LIAM)}
    other = next(a for a in plan.queries.actions(PLAN, as_at=DAY, with_children=False) if a["code"] not in owned)
    plan.record(f"{PLAN}/{other['code']}", ChangeOwners((*other["owners"], LIAM), "shared", DAY), actor="test")
    cached, fresh = cached_and_fresh(plan, cache)
    assert cached == fresh and len(cached) == len(before) + 1 and other["code"] in {a["code"] for a in cached}


def test_a_reminder_about_the_persons_action_shows_as_its_latest(plan):
    cache = MyActionsCache()
    cached_and_fresh(plan, cache)
    code = liams_sos_action(plan)
    spec = {
        "key": f"overdue|{PLAN}|{code}|2015-03-25|1",
        "rule": "overdue",
        "plan_code": PLAN,
        "action_code": code,
        "about": DAY,
        "period": 1,
        "recipients": [{"name": LIAM, "role": "owner"}],
        "details": {"title": "t"},
        "sweep_id": "test",
        "actor": "scheduler",
        "effective_on": DAY,
    }
    raise_reminders(plan.app, [spec])
    plan.projector.catch_up()
    cached, fresh = cached_and_fresh(plan, cache)
    assert cached == fresh
    assert next(a for a in cached if a["code"] == code)["latest_reminder"]["rule"] == "overdue"


def test_a_committee_date_opening_a_round_and_a_new_day_are_seen(plan, clock):
    cache = MyActionsCache()
    before, _ = cached_and_fresh(plan, cache)
    plan.schedule_committee(PLAN, meets_on=date(2015, 4, 1), report_deadline=date(2015, 3, 30), committee="Scrutiny", actor="test")
    cached, fresh = cached_and_fresh(plan, cache)
    assert cached == fresh and cached != before
    assert any(a["round"] is not None for a in cached if a["plan"] == PLAN)
    clock.set(datetime(2015, 4, 2, 9, 0, tzinfo=UTC))  # the round has closed by the next morning
    cached, fresh = cached_and_fresh(plan, cache)
    assert cached == fresh and all(a["round"] is None for a in cached if a["plan"] == PLAN)
