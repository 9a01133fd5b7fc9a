"""A remembered summary is served only while no projected event could have changed it: each test
compares what ``summary`` answers with a summary computed afresh from the read models, and counts
how often it was computed."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import Any

import pytest

from domain.commands import ChangeLifecycle, RejectChange, UpdateProgress
from projections import summary as summary_module
from projections.summary import summary
from tests.integration.sign_off_scenario import ARR1, PLAN

DAY = date(2015, 3, 25)


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, date]]:
    """Every summary actually computed (not served from memory), as (plan, as at)."""
    calls: list[tuple[str, date]] = []
    original = summary_module._summary

    def counting(queries: Any, plan_code: str, *, as_at: date, known_at: datetime | None) -> dict[str, Any]:
        calls.append((plan_code, as_at))
        return original(queries, plan_code, as_at=as_at, known_at=known_at)

    monkeypatch.setattr(summary_module, "_summary", counting)
    return calls


def fresh(s: Any, as_at: date) -> dict[str, Any]:
    """Computed now from the read models, never from memory (counted by ``computed`` too)."""
    return summary_module._summary(s.queries, PLAN, as_at=as_at, known_at=None)


def warning_action(s: Any) -> str:
    return next(a["code"] for a in s.queries.actions(PLAN, as_at=DAY, with_children=False) if a["status"] == "Warning")


def test_an_update_dated_after_the_as_at_date_leaves_the_remembered_summary_true(plan, clock, computed):
    plan.app.configure_sign_off(PLAN, sign_off="none", actor="test", reason="record directly")
    plan.projector.catch_up()
    before = summary(plan.queries, PLAN, as_at=DAY)
    code = warning_action(plan)
    clock.set(datetime(2015, 3, 27, 9, 0, tzinfo=UTC))
    plan.record(f"{PLAN}/{code}", UpdateProgress(100, "done", date(2015, 3, 27)), actor="test")

    remembered = summary(plan.queries, PLAN, as_at=DAY)
    assert computed == [(PLAN, DAY)]  # the update did not make it compute again
    assert remembered == before == fresh(plan, DAY)
    later = summary(plan.queries, PLAN, as_at=date(2015, 3, 27))
    assert later["totals"]["complete"] == before["totals"]["complete"] + 1
    assert later == fresh(plan, date(2015, 3, 27))


def test_an_update_dated_on_or_before_the_as_at_date_is_counted_at_once(plan, clock, computed):
    plan.app.configure_sign_off(PLAN, sign_off="none", actor="test", reason="record directly")
    plan.projector.catch_up()
    before = summary(plan.queries, PLAN, as_at=DAY)
    plan.record(f"{PLAN}/{warning_action(plan)}", UpdateProgress(100, None, DAY), actor="test")

    after = summary(plan.queries, PLAN, as_at=DAY)
    assert computed == [(PLAN, DAY), (PLAN, DAY)]
    assert (after["totals"]["complete"], after["totals"]["warning"]) == (before["totals"]["complete"] + 1, before["totals"]["warning"] - 1)
    assert after == fresh(plan, DAY)


def test_a_rejection_today_of_a_claim_dated_earlier_ends_its_wait_in_the_summary_as_at_that_date(plan, clock, computed):
    clock.set(datetime(2015, 3, 25, 12, 0, tzinfo=UTC))
    plan.record(ARR1, ChangeLifecycle("complete", None, DAY, "Audit of 20 plans"), actor="Pat Preece")
    waiting = summary(plan.queries, PLAN, as_at=DAY)
    assert waiting["awaiting_sign_off"] == 1

    clock.set(datetime(2015, 3, 27, 12, 30, tzinfo=UTC))  # decided two days later, dated that day
    plan.record(ARR1, RejectChange("Agree a date with the PAQ sub-group first"), actor="Liam Purdie")

    decided = summary(plan.queries, PLAN, as_at=DAY)
    assert decided["awaiting_sign_off"] == 0
    assert decided == fresh(plan, DAY)
    assert decided["totals"] == waiting["totals"]  # a rejection changes no action


def test_dashboards_opened_at_once_on_a_cold_cache_compute_the_summary_once(plan, computed, monkeypatch):
    counting = summary_module._summary

    def slow(queries: Any, plan_code: str, *, as_at: date, known_at: datetime | None) -> dict[str, Any]:
        time.sleep(0.2)  # long enough for every thread to arrive while it computes
        return counting(queries, plan_code, as_at=as_at, known_at=known_at)

    monkeypatch.setattr(summary_module, "_summary", slow)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: summary(plan.queries, PLAN, as_at=DAY), range(8)))
    assert computed == [(PLAN, DAY)]
    assert all(answer == answers[0] for answer in answers)
    assert answers[0] == fresh(plan, DAY)


def test_the_check_for_events_since_reads_the_position_range_not_the_whole_plan(plan):
    # On the 10,000-action benchmark store SQLite answered the check through the plan's index,
    # reading all 80,000 of the plan's events to find the few since: 33 ms a dashboard.
    from projections.summary_cache import CHANGED_SINCE

    with plan.queries.connect() as sql:
        explain = "EXPLAIN QUERY PLAN " if sql.kind == "sqlite" else "EXPLAIN "
        steps = sql.all(explain + CHANGED_SINCE, since=1, until=5, plan_code=PLAN, claims=["ChangeSubmitted"], as_at=DAY)
    described = " ".join(str(value) for step in steps for value in step.values())
    assert "ix_view_events_plan" not in described, described
