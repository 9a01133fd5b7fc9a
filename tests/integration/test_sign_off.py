"""Sign-off on the seed plan, on SQLite and PostgreSQL: claims wait, decisions take effect on the
claimant's date, and both time axes stay true.

The ``plan`` and ``clock`` fixtures (tests/integration/conftest.py) record every event at the
scenario's time, so a manager can approve "two days later" without waiting two days.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from domain.commands import ChangeLifecycle, ReviseDueDate, UpdateProgress
from domain.errors import ReasonRequiredError
from domain.sign_off import ClaimReplacedError, NoPendingClaimError, SelfSignOffError
from projections.audit import history
from projections.report import render_csv, report_data
from projections.summary import changes, summary
from tests.integration.sign_off_scenario import ARR1, PLAN

CLAIMED_ON = date(2015, 3, 25)
PUBLISHED_COMPLETE = {1: 14, 2: 4, 3: 4, 4: 0, 5: 1}  # the seed report's summary, as at 2015-03-25


def complete_counts(s, **when) -> dict[int, int]:
    return {p["number"]: p["complete"] for p in summary(s.queries, PLAN, **when)["priorities"]}


def stored_events(s) -> int:
    return s.app.recorder.max_notification_id() or 0


def test_a_completion_counts_only_once_approved_and_then_from_the_owners_date(plan, clock):
    clock.set(datetime(2015, 3, 25, 12, 0, tzinfo=UTC))
    shown = plan.record(ARR1, ChangeLifecycle("complete", None, CLAIMED_ON, "Audit of 20 plans"), actor="Pat Preece")
    assert (shown["recorded_as"], shown["claim"]["awaiting"]) == ("submitted", "Liam Purdie (manager) or a clerk of SOS 001")
    assert (shown["lifecycle"], shown["progress"], shown["status"]) == ("open", 75, "Warning")  # as last approved
    [waiting] = shown["awaiting_sign_off"]
    assert (waiting["proposed"], waiting["claimant"], waiting["since"][:16]) == ("complete", "Pat Preece", "2015-03-25T12:00")

    # The committee's summary that day does not count the claim.
    assert complete_counts(plan, as_at=CLAIMED_ON) == PUBLISHED_COMPLETE
    assert summary(plan.queries, PLAN, as_at=CLAIMED_ON)["awaiting_sign_off"] == 1

    clock.set(datetime(2015, 3, 27, 12, 30, tzinfo=UTC))  # the manager approves two days later
    approved = plan.approve(ARR1, actor="Liam Purdie", comment="Audit seen")
    assert (approved["recorded_as"], approved["lifecycle"], approved["awaiting_sign_off"]) == ("approved", "completed", [])

    # As at the owner's date it is complete; the day before it, it was not.
    assert complete_counts(plan, as_at=CLAIMED_ON) == PUBLISHED_COMPLETE | {2: 5}
    assert plan.show(ARR1, as_at=CLAIMED_ON)["status"] == "Complete"
    assert plan.show(ARR1, as_at=CLAIMED_ON - timedelta(days=1))["status"] == "Warning"
    # As known at the end of the day before the approval, it was not complete, and it was waiting.
    day_before = datetime(2015, 3, 26, 23, 59, tzinfo=UTC)
    then = plan.show(ARR1, as_at=CLAIMED_ON, known_at=day_before)
    assert (then["status"], then["progress"], [c["proposed"] for c in then["awaiting_sign_off"]]) == ("Warning", 75, ["complete"])
    assert complete_counts(plan, as_at=CLAIMED_ON, known_at=day_before) == PUBLISHED_COMPLETE
    assert summary(plan.queries, PLAN, as_at=CLAIMED_ON)["awaiting_sign_off"] == 0

    trail = [e for e in history(plan.engine, plan_code=PLAN, action_code=ARR1, axis="recorded") if e["recorded_at"] >= "2015-03-25T12"]
    assert [(e["type"], e["actor"], e["effective_on"], e["recorded_at"][:16]) for e in trail] == [
        ("ChangeSubmitted", "Pat Preece", "2015-03-25", "2015-03-25T12:00"),
        ("ChangeApproved", "Liam Purdie", "2015-03-25", "2015-03-27T12:30"),
        ("ActionCompleted", "Pat Preece", "2015-03-25", "2015-03-27T12:30"),
        ("EvidenceAdded", "Pat Preece", "2015-03-25", "2015-03-27T12:30"),
    ]
    submitted, decision, completed = trail[0], trail[1], trail[2]
    assert submitted["text"] == "claims completion; evidence: Audit of 20 plans; awaits sign-off"
    assert decision["reason"] == "Audit seen"
    assert decision["text"] == "approved Pat Preece's claim (complete) made 2015-03-25 12:00 UTC, 2 days later"
    assert completed["changes"] == {"progress": [75, 100], "lifecycle": ["open", "completed"]}
    assert plan.pending(PLAN) == []


def test_a_rejection_keeps_the_approved_state_and_a_new_claim_can_then_be_approved(plan, clock):
    clock.set(datetime(2015, 3, 25, 12, 0, tzinfo=UTC))
    plan.record(ARR1, ReviseDueDate(date(2015, 6, 30), "case file audit moved", CLAIMED_ON), actor="Pat Preece")
    clock.set(datetime(2015, 3, 26, 9, 0, tzinfo=UTC))
    rejected = plan.reject(ARR1, actor="Liam Purdie", reason="Agree a date with the PAQ sub-group first")
    assert (rejected["recorded_as"], rejected["due_date"], rejected["awaiting_sign_off"]) == ("rejected", "2015-03-31", [])
    [decision] = history(plan.engine, plan_code=PLAN, action_code=ARR1, event_type="ChangeRejected")
    assert (decision["actor"], decision["reason"]) == ("Liam Purdie", "Agree a date with the PAQ sub-group first")
    assert decision["text"].endswith("made 2015-03-25 12:00 UTC, 21 hours later")

    plan.record(ARR1, ReviseDueDate(date(2015, 5, 31), "agreed with the PAQ sub-group", date(2015, 3, 26)), actor="Pat Preece")
    clock.set(datetime(2015, 3, 27, 9, 0, tzinfo=UTC))
    approved = plan.approve(ARR1, actor="Liam Purdie")
    assert (approved["due_date"], approved["original_due_date"], approved["due_date_revisions"]) == ("2015-05-31", "2015-03-31", 1)
    told = [(c["proposed"], c["outcome"], c["decided_by"], c["decision_reason"], c["decided_at"][:10]) for c in plan.claims(ARR1)]
    assert told == [
        ("due date 2015-06-30", "rejected", "Liam Purdie", "Agree a date with the PAQ sub-group first", "2015-03-26"),
        ("due date 2015-05-31", "approved", "Liam Purdie", None, "2015-03-27"),
    ]
    moved = changes(plan.queries, plan.engine, PLAN, from_date=date(2015, 3, 6), to_date=date(2015, 3, 31))
    [item] = [a for a in moved["actions"] if a["code"] == ARR1]
    assert item["due_date_revisions"] == [
        {"on": "2015-03-26", "from": "2015-03-31", "to": "2015-05-31", "reason": "agreed with the PAQ sub-group"}
    ]


def test_a_newer_claim_replaces_the_pending_one_and_pending_lists_who_waits_on_what(plan, clock):
    clock.set(datetime(2015, 3, 20, 8, 0, tzinfo=UTC))
    plan.configure_sign_off(PLAN, {"sign_off": "changes"}, actor="Jane Menzies", reason="inspection follow-up")
    first = plan.record(ARR1, UpdateProgress(80, "Audit half done", date(2015, 3, 20)), actor="Pat Preece")
    clock.set(datetime(2015, 3, 23, 8, 0, tzinfo=UTC))
    second = plan.record(ARR1, UpdateProgress(90, None, date(2015, 3, 23)), actor="Pat Preece")
    plan.record("SS_ICSAP_ICSP1", ChangeLifecycle("complete", None, date(2015, 3, 23), "Audit of 20 plans"), actor="Liam Purdie")

    clock.set(datetime(2015, 3, 25, 8, 0, tzinfo=UTC))
    everything = plan.pending(PLAN)
    assert [(c["action"], c["proposed"], c["claimant"], c["version"], c["waiting_days"]) for c in everything] == [
        (ARR1, "progress 90%", "Pat Preece", second["claim"]["version"], 1),
        ("SS_ICSAP_ICSP1", "complete", "Liam Purdie", everything[1]["version"], 1),
    ]
    assert [c["action"] for c in plan.pending(for_person="Liam Purdie")] == [ARR1]  # never his own claim
    assert [c["action"] for c in plan.pending(for_person="Val DeSouza")] == ["SS_ICSAP_ICSP1"]  # Liam's manager
    assert plan.pending(for_person="Pat Preece") == []
    # The note came with the first figure and was recorded at once; the figure waits.
    assert plan.show(ARR1)["latest_note"]["text"] == "Audit half done"
    [replacing] = [
        e for e in history(plan.engine, plan_code=PLAN, action_code=ARR1, event_type="ChangeSubmitted") if "replaces" in e["text"]
    ]
    assert (
        replacing["text"]
        == "claims progress 90% (approved: 75%); replaces the pending claim (progress 80%) made 2015-03-20 08:00 UTC; awaits sign-off"
    )
    assert [c["outcome"] for c in plan.claims(ARR1)] == ["replaced", "pending"]
    with pytest.raises(ClaimReplacedError, match="replaced by a newer one"):
        plan.approve(ARR1, actor="Liam Purdie", claim=first["claim"]["version"])
    assert plan.approve(ARR1, actor="Liam Purdie", claim=second["claim"]["version"])["progress"] == 90


def test_refused_decisions_write_nothing(plan, clock):
    before = stored_events(plan)
    with pytest.raises(NoPendingClaimError):
        plan.approve(ARR1, actor="Liam Purdie")
    clock.set(datetime(2015, 3, 25, 12, 0, tzinfo=UTC))
    plan.record(ARR1, ChangeLifecycle("complete", None, CLAIMED_ON, "Audit of 20 plans"), actor="Pat Preece")
    claimed = stored_events(plan)
    assert claimed == before + 1
    with pytest.raises(SelfSignOffError):
        plan.approve(ARR1, actor="Pat Preece")
    with pytest.raises(ReasonRequiredError):
        plan.reject(ARR1, actor="Liam Purdie", reason="   ")
    assert stored_events(plan) == claimed
    assert [c["action"] for c in plan.pending()] == [ARR1]


def test_the_report_and_changes_mark_what_awaits_sign_off_and_a_rebuild_agrees(plan, clock):
    clock.set(datetime(2015, 3, 25, 12, 0, tzinfo=UTC))
    plan.record(ARR1, ChangeLifecycle("complete", None, CLAIMED_ON, "Audit of 20 plans"), actor="Pat Preece")
    data = report_data(plan.queries, plan.engine, PLAN, as_at=CLAIMED_ON, since=date(2015, 3, 6))
    [action] = [a for s in data["sections"] for a in s["actions"] if a["code"] == ARR1]
    assert (action["status"], [c["claimant"] for c in action["awaiting_sign_off"]]) == ("Warning", ["Pat Preece"])
    [moved] = [m for s in data["sections"] for m in s["changed"] if m["code"] == ARR1]
    assert [c["proposed"] for c in moved["awaiting_sign_off"]] == ["complete"]
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(render_csv(data)))}
    assert rows[ARR1]["awaiting_sign_off"] == (
        "claims complete (Pat Preece, effective 2015-03-25): awaiting sign-off by Liam Purdie (manager) or a clerk of SOS 001, since 2015-03-25"
    )
    assert rows["SS_ICSAP_ARR2"]["awaiting_sign_off"] == ""

    trail_before = history(plan.engine, plan_code=PLAN, action_code=ARR1)
    pending_before = plan.pending()
    plan.projector.rebuild()
    assert history(plan.engine, plan_code=PLAN, action_code=ARR1) == trail_before
    assert plan.pending() == pending_before


def test_under_none_owners_changes_are_recorded_at_once(plan, clock):
    settings = plan.configure_sign_off(PLAN, {"sign_off": "none", "notify_rejection": "immediate"}, actor="Jane Menzies")
    assert settings == {"plan": PLAN, "changed": True, "sign_off": "none", "sign_off_days": 7, "notify_rejection": "immediate"}
    assert plan.sign_off_settings(PLAN) == {"plan": PLAN, "sign_off": "none", "sign_off_days": 7, "notify_rejection": "immediate"}
    shown = plan.record(ARR1, ChangeLifecycle("complete", None, CLAIMED_ON, "Audit of 20 plans"), actor="Pat Preece")
    assert (shown["recorded_as"], shown["lifecycle"]) == ("recorded", "completed")
    [configured] = history(plan.engine, plan_code=PLAN, event_type="SignOffConfigured")
    assert configured["changes"] == {"sign_off": ["completion", "none"], "notify_rejection": ["digest", "immediate"]}


def test_a_refused_sign_off_setting_says_who_can_change_it_by_name(seeded):
    from domain.errors import ForbiddenError
    from domain.sign_off import Roles

    seeded.app.register_person(name="Cara Clerk", email="cara@example.org", actor="test setup")
    seeded.app.grant_role("Cara Clerk", "clerk", "SOS 001", actor="Ada Admin", reason="runs the committee cycle")
    seeded.projector.catch_up()
    before = seeded.app.recorder.max_notification_id()
    with pytest.raises(ForbiddenError) as refused:
        seeded.configure_sign_off("SOS 001", {"sign_off": "none"}, actor="Elaine Murray", roles=Roles())
    assert str(refused.value) == "sign-off: only a clerk of SOS 001 or an admin may change its sign-off setting"
    assert refused.value.who_can == "SOS 001's sign-off setting is changed by the clerk of SOS 001 (Cara Clerk)."
    assert seeded.app.recorder.max_notification_id() == before


def test_a_refusal_still_reaches_the_person_when_who_can_cannot_be_named(plan, clock, monkeypatch):
    clock.set(datetime(2015, 3, 25, 12, 0, tzinfo=UTC))
    plan.record(ARR1, ChangeLifecycle("complete", None, CLAIMED_ON, "Audit of 20 plans"), actor="Pat Preece")
    with pytest.raises(SelfSignOffError) as named:
        plan.approve(ARR1, actor="Pat Preece")
    assert named.value.who_can and named.value.who_can.startswith("Awaiting sign-off by ")

    def broken(_claims):
        raise RuntimeError("read models unavailable")

    monkeypatch.setattr(plan, "deciders_of", broken)
    with pytest.raises(SelfSignOffError) as unnamed:
        plan.approve(ARR1, actor="Pat Preece")
    assert unnamed.value.who_can == "It needs Liam Purdie (manager) or a clerk of SOS 001."  # by role, as the rule knows it
    assert "made this claim and cannot decide it" in str(unnamed.value)
