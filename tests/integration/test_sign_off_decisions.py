"""A rejection is a decision made the day it is made: dated that day, never flagged "backdated"
in the trail (and so on the action's timeline and the audit page), even for rejections stored
before that rule, which carry the claim's date."""

from __future__ import annotations

from datetime import UTC, date, datetime

from domain.commands import ReviseDueDate
from projections.audit import history
from tests.integration.sign_off_scenario import ARR1, PLAN

CLAIMED_ON = date(2015, 3, 25)


def test_a_rejection_weeks_after_the_claim_is_dated_the_day_it_is_made_and_is_not_backdated(plan, clock):
    clock.set(datetime(2015, 3, 25, 12, 0, tzinfo=UTC))
    plan.record(ARR1, ReviseDueDate(date(2015, 6, 30), "case file audit moved", CLAIMED_ON), actor="Pat Preece")
    clock.set(datetime(2015, 4, 14, 9, 0, tzinfo=UTC))  # decided 20 days later
    plan.reject(ARR1, actor="Liam Purdie", reason="Agree a date with the PAQ sub-group first")
    [decision] = history(plan.engine, plan_code=PLAN, action_code=ARR1, event_type="ChangeRejected")
    assert (decision["effective_on"], decision["recorded_at"][:10], decision["backdated"]) == ("2015-04-14", "2015-04-14", False)


def test_a_rejection_stored_with_the_claims_date_before_the_rule_is_not_flagged_backdated(plan, clock):
    clock.set(datetime(2015, 3, 25, 12, 0, tzinfo=UTC))
    plan.record(ARR1, ReviseDueDate(date(2015, 6, 30), "case file audit moved", CLAIMED_ON), actor="Pat Preece")
    clock.set(datetime(2015, 4, 14, 9, 0, tzinfo=UTC))
    action = plan.app.get_action(PLAN, ARR1)
    claim = action.pending_claim("due_date")
    # As plantrail recorded rejections before: effective on the claim's date.
    action._change_rejected(kind=claim["kind"], claim_version=claim["version"], actor="Liam Purdie", effective_on=CLAIMED_ON, reason="no")
    plan.app.save(action)
    plan.projector.catch_up()
    [decision] = history(plan.engine, plan_code=PLAN, action_code=ARR1, event_type="ChangeRejected")
    assert (decision["effective_on"], decision["recorded_days_after_effective"], decision["backdated"]) == ("2015-03-25", 20, False)
    # A change (not a decision) recorded as late still is flagged.
    plan.record(ARR1, ReviseDueDate(date(2015, 6, 30), "case file audit moved", CLAIMED_ON), actor="Pat Preece")
    [_, late_claim] = history(plan.engine, plan_code=PLAN, action_code=ARR1, event_type="ChangeSubmitted")
    assert late_claim["backdated"] is True
