"""Who hears of a claim and when: the pure sign-off rules, on both sides of every threshold."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from itertools import product

import pytest

from domain.sign_off import ClaimParties, may_decide
from scheduler.sign_off_policy import (
    ClaimFacts,
    Deciders,
    RejectionFacts,
    SignOffPlan,
    asked_to_decide,
    escalation_to,
    sign_off_reminders,
    unanswered,
    waiting_for,
)

CLAIMED_ON = date(2015, 4, 1)
PLAN = SignOffPlan("P", "Plan", sponsor="Sam Sponsor", sign_off_days=7)
# Pat reports to Liam, Liam to Val; Bob has no manager; Nell's manager has none.
MANAGERS = {"Pat Owner": "Liam Head", "Liam Head": "Val Director", "Bob Owner": None, "Nell Owner": "Ned Head", "Ned Head": None}
DECIDERS = Deciders(MANAGERS)


def claim(**fields) -> ClaimFacts:
    base = {
        "plan_code": "P",
        "action_code": "A1",
        "action_title": "Training",
        "version": 8,
        "kind": "completion",
        "proposed": "complete",
        "claimant": "Pat Owner",
        "effective_on": date(2015, 3, 31),
        "claimed_on": CLAIMED_ON,
        "since": "2015-04-01T10:00:00+00:00",
        "evidence": "Audit of 20 plans",
        "reason": None,
    }
    return ClaimFacts(**(base | fields))


def rejection(**fields) -> RejectionFacts:
    base = {
        "plan_code": "P",
        "action_code": "A1",
        "action_title": "Training",
        "version": 8,
        "kind": "completion",
        "proposed": "complete",
        "claimant": "Pat Owner",
        "effective_on": date(2015, 3, 31),
        "decided_by": "Liam Head",
        "decided_on": date(2015, 4, 3),
        "reason": "No evidence of the audit",
    }
    return RejectionFacts(**(base | fields))


def due(on: date, claims=(), rejections=(), plan: SignOffPlan = PLAN, deciders: Deciders = DECIDERS) -> dict[str, list]:
    found: dict[str, list] = {}
    for d in sign_off_reminders(plan, claims, rejections, deciders, on):
        found.setdefault(d.rule, []).append(d)
    return found


def day(n: int) -> date:
    """The n-th day after the claim was made (day 0: the day itself)."""
    return CLAIMED_ON + timedelta(days=n)


def test_a_new_claim_asks_the_claimants_manager_on_the_day_it_is_made():
    [asked] = due(day(0), [claim()])["sign_off_awaiting"]
    assert asked.key == "sign_off_awaiting|P|A1|2015-04-01|0|v8"
    assert asked.recipients == (("Liam Head", "manager"),)
    assert (asked.details["proposed"], asked.details["claimant"], asked.details["days_waiting"]) == ("complete", "Pat Owner", 0)
    assert asked.details["awaiting"] == "Liam Head (manager) or a clerk of P"


def test_a_claim_made_after_the_day_swept_is_not_due_yet():
    assert due(day(-1), [claim()]) == {}


@pytest.mark.parametrize("days", [7, 3, 1])
def test_the_request_repeats_and_escalation_starts_on_day_sign_off_days_not_the_day_before(days):
    plan = replace(PLAN, sign_off_days=days)
    before = due(day(days - 1), [claim()], plan=plan)
    on = due(day(days), [claim()], plan=plan)
    assert [d.period for d in before["sign_off_awaiting"]] == [0] and "sign_off_escalation" not in before
    assert [d.period for d in on["sign_off_awaiting"]] == [1]
    [escalated] = on["sign_off_escalation"]
    assert escalated.key == "sign_off_escalation|P|A1|2015-04-01|1|v8"
    assert escalated.recipients == (("Val Director", "manager"),)  # the approver's manager
    assert escalated.details["days_waiting"] == days


def test_escalation_is_once_per_period_the_same_key_until_the_next_period_begins():
    keys = {n: due(day(n), [claim()])["sign_off_escalation"][0].key for n in range(7, 15)}
    assert len({keys[n] for n in range(7, 14)}) == 1  # days 7..13: period 1, one key
    assert keys[14] != keys[13] and keys[14].endswith("|2|v8")


def test_after_downtime_only_the_current_period_is_due():
    # Nothing swept for 20 days: one request and one escalation, for period 2, not one per missed period.
    found = due(day(20), [claim()])
    assert [(d.rule, d.period) for rule in found.values() for d in rule] == [("sign_off_awaiting", 2), ("sign_off_escalation", 2)]


def test_escalation_goes_to_the_sponsor_when_there_is_no_approvers_manager():
    no_manager = due(day(7), [claim(claimant="Bob Owner")])["sign_off_escalation"][0]
    manager_without_one = due(day(7), [claim(claimant="Nell Owner")])["sign_off_escalation"][0]
    assert no_manager.recipients == manager_without_one.recipients == (("Sam Sponsor", "sponsor"),)


def test_escalation_never_goes_back_to_the_claimant():
    loop = Deciders({"Pat Owner": "Liam Head", "Liam Head": "Pat Owner"})  # records that loop back
    assert escalation_to(claim(), PLAN, loop) == [("Sam Sponsor", "sponsor")]
    sponsor_claims = replace(PLAN, sponsor="Bob Owner")
    [nobody] = due(day(7), [claim(claimant="Bob Owner")], plan=sponsor_claims)["sign_off_escalation"]
    assert nobody.recipients == ()  # raised all the same: the administrator hears it has nobody to go to


def test_no_escalation_to_someone_already_asked_to_decide_the_claim():
    # Liam's manager Val is also the plan's sponsor: his claim asks her, and escalates to nobody new.
    plan = replace(PLAN, sponsor="Val Director")
    liams = claim(claimant="Liam Head")
    assert asked_to_decide(liams, DECIDERS) == [("Val Director", "manager")]
    assert escalation_to(liams, plan, DECIDERS) is None
    assert [d.rule for rule in due(day(7), [liams], plan=plan).values() for d in rule] == ["sign_off_awaiting"]
    # A clerk asked to decide who is also the approver's manager: the sponsor hears instead.
    deciders = Deciders(MANAGERS, clerks={"P": ("Val Director",)})
    assert escalation_to(claim(), PLAN, deciders) == [("Sam Sponsor", "sponsor")]


def test_clerks_are_asked_beside_the_manager_and_admins_only_when_there_is_neither():
    deciders = Deciders(MANAGERS, clerks={"P": ("Cara Clerk",), "Q": ("Quinn Clerk",)}, admins=("Ada Admin",))
    assert asked_to_decide(claim(), deciders) == [("Liam Head", "manager"), ("Cara Clerk", "clerk")]
    assert asked_to_decide(claim(claimant="Bob Owner", plan_code="Z"), deciders) == [("Ada Admin", "admin")]
    assert asked_to_decide(claim(claimant="Bob Owner", plan_code="Z"), DECIDERS) == []


def test_nobody_is_asked_to_decide_their_own_claim_whatever_roles_they_hold():
    deciders = Deciders(MANAGERS, clerks={"P": ("Bob Owner",)}, admins=("Bob Owner", "Ada Admin"))
    assert asked_to_decide(claim(claimant="Bob Owner"), deciders) == [("Ada Admin", "admin")]
    only_self = Deciders(MANAGERS, clerks={"P": ("Bob Owner",)}, admins=("Bob Owner",))
    assert asked_to_decide(claim(claimant="Bob Owner"), only_self) == []


def test_everyone_asked_may_decide_by_the_domains_own_rule():
    people = ["Pat Owner", "Liam Head", "Bob Owner", "Cara Clerk", "Ada Admin"]
    for claimant, clerk, admin in product(people, people, people):
        deciders = Deciders(MANAGERS, clerks={"P": (clerk,)}, admins=(admin,))
        c = claim(claimant=claimant)
        for name, _role in asked_to_decide(c, deciders):
            assert may_decide(name, deciders.roles(name), ClaimParties("P", claimant, MANAGERS.get(claimant))), (claimant, name)


def test_two_claims_of_different_kinds_on_one_action_the_same_day_have_their_own_keys():
    keys = [d.key for d in due(day(0), [claim(), claim(version=9, kind="due_date", proposed="due date 2015-06-30")])["sign_off_awaiting"]]
    assert keys == ["sign_off_awaiting|P|A1|2015-04-01|0|v8", "sign_off_awaiting|P|A1|2015-04-01|0|v9"]


def test_a_rejection_tells_the_claimant_once_from_the_day_it_was_decided():
    assert due(date(2015, 4, 2), rejections=[rejection()]) == {}
    [told] = due(date(2015, 4, 3), rejections=[rejection()])["sign_off_rejected"]
    assert told.key == "sign_off_rejected|P|A1|2015-04-03|0|v8" and told.recipients == (("Pat Owner", "owner"),)
    assert (told.details["decided_by"], told.details["decision_reason"]) == ("Liam Head", "No evidence of the audit")
    assert due(date(2015, 5, 30), rejections=[rejection()])["sign_off_rejected"][0].key == told.key


def test_a_rejection_the_claimant_has_already_answered_with_a_new_claim_is_not_told():
    assert due(date(2015, 4, 5), rejections=[rejection(superseded=True)]) == {}


def test_the_unanswered_rejections_are_the_latest_of_each_action_and_kind_not_claimed_again():
    answered = rejection(version=4, superseded=True)
    completion = rejection(version=6)
    later_completion = rejection(version=8, decided_on=date(2015, 4, 9))  # (as if the earlier one were not superseded)
    due_date = rejection(version=7, kind="due_date", proposed="due date 2015-06-30")
    elsewhere = rejection(action_code="A2", version=3)
    other_plan = rejection(plan_code="Q", version=6)
    found = unanswered([answered, completion, due_date, later_completion, elsewhere, other_plan])
    assert found == [later_completion, due_date, elsewhere, other_plan]
    assert unanswered([answered]) == []


def test_each_decider_gets_every_claim_they_are_asked_to_decide_oldest_first():
    older = claim(action_code="A0", since="2015-03-30T09:00:00+00:00", claimed_on=date(2015, 3, 30))
    bobs = claim(claimant="Bob Owner", action_code="B1")
    deciders = Deciders(MANAGERS, clerks={"P": ("Cara Clerk",)})
    found = waiting_for([claim(), bobs, older], deciders, day(0))
    assert [(c.action_code, role) for c, role in found["Liam Head"]] == [("A0", "manager"), ("A1", "manager")]
    assert [(c.action_code, role) for c, role in found["Cara Clerk"]] == [("A0", "clerk"), ("A1", "clerk"), ("B1", "clerk")]
    assert "Pat Owner" not in found and "Bob Owner" not in found


def test_what_a_request_an_escalation_and_a_rejection_notice_say_field_by_field():
    on = day(7)
    [asked] = due(on, claims=[claim(reason="Sessions all delivered")])["sign_off_awaiting"]
    [escalated] = due(on, claims=[claim(reason="Sessions all delivered")])["sign_off_escalation"]
    [told] = due(on, rejections=[rejection()])["sign_off_rejected"]
    # What every message says of the claim itself; then what a pending one and a refused one add.
    the_claim = {
        "title": "Training",
        "kind": "completion",
        "claim_version": 8,
        "proposed": "complete",
        "proposed_due": None,
        "claimant": "Pat Owner",
        "effective_on": "2015-03-31",
    }
    claim_said = the_claim | {
        "claimed_on": "2015-04-01",
        "since": "2015-04-01T10:00:00+00:00",
        "days_waiting": 7,
        "evidence": "Audit of 20 plans",
        "reason": "Sessions all delivered",
        "awaiting": "Liam Head (manager) or a clerk of P",
    }
    assert asked.details == claim_said
    assert escalated.details == claim_said | {"sign_off_days": 7}
    assert told.details == the_claim | {
        "decided_by": "Liam Head",
        "decided_on": "2015-04-03",
        "decision_reason": "No evidence of the audit",
    }
    for reminder, about in ((asked, CLAIMED_ON), (escalated, CLAIMED_ON), (told, date(2015, 4, 3))):
        assert (reminder.plan_code, reminder.action_code, reminder.about) == ("P", "A1", about)


def test_a_claim_not_due_yet_does_not_hide_the_claims_after_it():
    # A plan in Honolulu: recorded after the London claim, yet made on the day before.
    london = claim(action_code="A1", since="2015-04-02T01:00:00+00:00", claimed_on=day(1))
    honolulu = claim(plan_code="H", action_code="H1", since="2015-04-02T05:00:00+00:00", claimed_on=day(0))
    assert [d.action_code for d in due(day(0), claims=[london, honolulu])["sign_off_awaiting"]] == ["H1"]
    assert [c.action_code for c, _ in waiting_for([london, honolulu], DECIDERS, day(0))["Liam Head"]] == ["H1"]


def test_a_manager_recorded_as_their_own_manager_is_nobody_to_escalate_to():
    deciders = Deciders({"Pat Owner": "Loop Head", "Loop Head": "Loop Head"})
    assert escalation_to(claim(), replace(PLAN, sponsor=None), deciders) == []  # nobody at all, not "asked already"
    assert escalation_to(claim(), PLAN, deciders) == [("Sam Sponsor", "sponsor")]
