"""Every threshold in the rules, tested one day (or one unit) either side.

A rule tested on one side of its boundary only lets an off-by-one through unnoticed; each
case below pairs the last day a rule does not fire with the first day it does. Settings are
given non-default values so that a rule reading the default instead of the setting fails.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from domain.access import Principal, checked_grant, may_audit
from domain.action_rules import checked_priority, checked_progress, required_reason
from domain.errors import BadInputError, DomainError, InvalidTextError, ReasonRequiredError
from domain.plan import Plan
from domain.sign_off import checked_days, checked_kind, checked_mode, checked_notify_rejection, proposed_wording
from domain.text import NAME_MAX, TEXT_MAX, TITLE_MAX, checked_text
from domain.timeliness import Timeliness, status
from projections.audit import BACKDATED_AFTER_DAYS, entry
from scheduler.policy import ActionFacts, Committee, PlanFacts, ReminderPolicy, due_reminders
from tests.unit.test_sign_off_rules import CLAIMED_ON, new_action

DUE = date(2015, 3, 31)


@dataclass
class OpenAction:
    due_date: date | None = DUE
    progress: int = 40
    lifecycle: str = "open"


def day(offset: int) -> date:
    return DUE + timedelta(days=offset)


# ----- timeliness ------------------------------------------------------------------------------


@pytest.mark.parametrize("window", [0, 5, 14, 30])
def test_warning_starts_exactly_the_window_before_the_due_date(window):
    assert status(OpenAction(), day(-window - 1), window) is Timeliness.OK
    assert status(OpenAction(), day(-window), window) is Timeliness.WARNING


def test_alert_starts_the_day_after_the_due_date_not_on_it():
    assert status(OpenAction(), day(0), 5) is Timeliness.WARNING
    assert status(OpenAction(), day(1), 5) is Timeliness.ALERT


def test_progress_99_is_not_complete():
    assert status(OpenAction(progress=99), day(1)) is Timeliness.ALERT


# ----- value limits ----------------------------------------------------------------------------


def test_progress_accepts_0_and_100_and_refuses_one_beyond_either():
    assert (checked_progress(0), checked_progress(100)) == (0, 100)
    for bad in (-1, 101):
        with pytest.raises(BadInputError, match="progress"):
            checked_progress(bad)


@pytest.mark.parametrize("limit", [NAME_MAX, TITLE_MAX, TEXT_MAX])
def test_text_is_accepted_up_to_its_limit_and_refused_one_character_over(limit):
    assert len(checked_text("title", "x" * limit, max_length=limit)) == limit
    with pytest.raises(InvalidTextError, match=f"{limit + 1} characters"):
        checked_text("title", "x" * (limit + 1), max_length=limit)


@pytest.mark.parametrize(("days", "accepted"), [(-1, False), (0, True), (365, True), (366, False)])
def test_a_plans_warning_window_is_0_to_365_days(days, accepted):
    def create() -> Plan:
        return Plan.create(code="P", title="Plan", warning_days=days, actor="clerk", effective_on=date(2015, 1, 1))

    if accepted:
        assert create().warning_days == days
    else:
        with pytest.raises(BadInputError, match="warning_days"):
            create()


# ----- the audit trail's backdated flag --------------------------------------------------------


@pytest.mark.parametrize(("late_by", "flagged"), [(BACKDATED_AFTER_DAYS, False), (BACKDATED_AFTER_DAYS + 1, True)])
def test_an_entry_is_flagged_backdated_only_when_recorded_more_than_a_week_after_it_was_true(late_by, flagged):
    effective = date(2015, 3, 1)
    recorded = datetime(2015, 3, 1, 23, 59, tzinfo=UTC) + timedelta(days=late_by)
    row = {
        "position": 1,
        "type": "NoteAdded",
        "plan_code": "P",
        "action_code": "A1",
        "subject": "P/A1",
        "actor": "clerk",
        "effective_on": effective,
        "recorded_at": recorded,
        "reason": None,
        "changes": "{}",
        "text": "late note",
        "source": None,
        "first_seen_at": recorded,
        "time_flag": None,
    }
    shown = entry(row)
    assert (shown["recorded_days_after_effective"], shown["backdated"]) == (late_by, flagged)


# ----- the reminder policy, with every setting away from its default ---------------------------

POLICY = ReminderPolicy(
    due_soon_days=(10, 3), overdue_repeat_days=5, overdue_sponsor_after_days=12, stale_after_days=20, committee_round_days=6
)
MEETS, DEADLINE = date(2015, 4, 20), date(2015, 4, 13)
PLAN = PlanFacts("P", "Plan", sponsor="Sam Sponsor", committees=(Committee(MEETS, "Housing Committee", DEADLINE),))
MANAGERS = {"Ann Owner": "Mo Manager"}


def facts(**fields) -> ActionFacts:
    base = {
        "plan_code": "P",
        "code": "A1",
        "title": "Training",
        "owners": ("Ann Owner",),
        "due_date": DUE,
        "progress": 40,
        "lifecycle": "open",
        "added_on": date(2014, 9, 5),
        # Recent enough that "stale" stays quiet unless a test says otherwise.
        "last_update_on": date(2015, 3, 28),
    }
    return ActionFacts(**(base | fields))


def fired(as_of: date, action: ActionFacts | None = None) -> dict[str, object]:
    return {d.rule: d for d in due_reminders(PLAN, [action or facts()], MANAGERS, as_of, POLICY)}


def test_the_first_due_soon_reminder_fires_exactly_the_largest_threshold_before():
    assert "due_soon" not in fired(day(-11))
    first = fired(day(-10))["due_soon"]
    assert first.period == 10


def test_the_second_due_soon_reminder_fires_exactly_the_smaller_threshold_before():
    assert fired(day(-4))["due_soon"].period == 10
    assert fired(day(-3))["due_soon"].period == 3


def test_due_soon_still_fires_on_the_due_date_and_overdue_starts_the_day_after():
    on_the_day = fired(day(0))
    assert on_the_day["due_soon"].details["days_left"] == 0 and "overdue" not in on_the_day
    after = fired(day(1))
    assert "due_soon" not in after and after["overdue"].period == 0


def test_overdue_repeats_after_exactly_the_repeat_interval():
    assert fired(day(5))["overdue"].period == 0
    assert fired(day(6))["overdue"].period == 1


def test_the_sponsor_hears_of_an_overdue_action_from_exactly_the_configured_day():
    before = fired(day(11))["overdue"].recipients
    assert ("Sam Sponsor", "sponsor") not in before
    assert ("Sam Sponsor", "sponsor") in fired(day(12))["overdue"].recipients


def test_no_update_fires_on_exactly_the_configured_silence():
    silent_since = date(2015, 2, 1)
    action = facts(due_date=None, last_update_on=silent_since)
    assert "stale" not in fired(silent_since + timedelta(days=19), action)
    stale = fired(silent_since + timedelta(days=20), action)["stale"]
    assert (stale.period, stale.details["days_without_update"]) == (1, 20)


def test_the_committee_round_opens_exactly_its_length_before_the_deadline_and_closes_the_day_before_it():
    undated = facts(due_date=None)
    opens = DEADLINE - timedelta(days=6)
    assert "committee_round" not in fired(opens - timedelta(days=1), undated)
    assert "committee_round" in fired(opens, undated)
    assert "committee_round" in fired(DEADLINE - timedelta(days=1), undated)
    assert "committee_round" not in fired(DEADLINE, undated)


def test_an_update_on_the_first_day_of_the_round_counts_and_one_the_day_before_does_not():
    opens = DEADLINE - timedelta(days=6)
    updated_on_opening = facts(due_date=None, round_update_on=opens)
    updated_before = facts(due_date=None, round_update_on=opens - timedelta(days=1))
    assert "committee_escalation" not in fired(DEADLINE, updated_on_opening)
    assert fired(DEADLINE, updated_before)["committee_escalation"].recipients == (("Mo Manager", "manager"),)


def test_the_escalation_stops_on_the_day_the_committee_meets():
    silent = facts(due_date=None, last_update_on=date(2015, 1, 1))
    assert "committee_escalation" in fired(MEETS - timedelta(days=1), silent)
    assert "committee_escalation" not in fired(MEETS, silent)


def test_an_action_added_after_the_sweep_day_gets_nothing_and_one_added_that_day_does():
    assert fired(day(1), facts(added_on=day(2))) == {}
    assert "overdue" in fired(day(1), facts(added_on=day(1)))


# ----- refusals, word for word, with the field they name (expected text written out here) ---------


REFUSALS = [
    (checked_mode, ("sometimes",), "sign_off: must be one of none, completion, changes, got 'sometimes'", "sign_off"),
    (checked_days, (0,), "sign_off_days: must be a whole number of days from 1 to 365, got 0", "sign_off_days"),
    (checked_days, (366,), "sign_off_days: must be a whole number of days from 1 to 365, got 366", "sign_off_days"),
    (checked_days, (True,), "sign_off_days: must be a whole number of days from 1 to 365, got True", "sign_off_days"),
    (checked_notify_rejection, ("sms",), "notify_rejection: must be one of digest, immediate, got 'sms'", "notify_rejection"),
    (checked_grant, ("owner", None), "role: must be one of clerk, admin, viewer, got 'owner'", "role"),
    (checked_grant, ("clerk", " "), "plan: a clerk is a clerk of a plan; name the plan", "plan"),
    (checked_grant, ("Viewer", "SOS 001"), "plan: viewer is not a per-plan role; leave the plan out", "plan"),
]


@pytest.mark.parametrize(("check", "args", "message", "field"), REFUSALS, ids=[re.sub(r"[^A-Za-z0-9]+", "_", r[2][:40]) for r in REFUSALS])
def test_each_refusal_says_what_is_wrong_and_names_its_field(check, args, message, field):
    with pytest.raises(BadInputError) as refused:
        check(*args)
    assert (str(refused.value), refused.value.field) == (message, field)


def test_sign_off_days_are_accepted_from_1_to_365():
    assert [checked_days(n) for n in (1, 2, 364, 365)] == [1, 2, 364, 365]


def test_a_reason_is_text_up_to_its_limit_and_its_refusal_names_the_reason():
    assert required_reason("x" * TEXT_MAX, "cancel an action") == "x" * TEXT_MAX
    with pytest.raises(BadInputError) as too_long:
        required_reason("x" * (TEXT_MAX + 1), "cancel an action")
    assert str(too_long.value) == f"reason: {TEXT_MAX + 1} characters, at most {TEXT_MAX} allowed"
    with pytest.raises(BadInputError) as not_text:
        required_reason(42, "cancel an action")
    assert str(not_text.value) == "reason: expected text, got int"


def test_rejecting_a_claim_without_a_reason_says_what_the_reason_is_for():
    action = new_action()
    action.submit_change("progress", progress=100, actor="Pat Preece", effective_on=CLAIMED_ON)
    with pytest.raises(ReasonRequiredError) as refused:
        action.reject_change(action.pending_claim("progress"), reason=None, actor="Liam Purdie", effective_on=CLAIMED_ON)
    assert str(refused.value) == "reason: a reason is required to reject a claim"


def test_an_approvals_comment_too_long_is_refused_as_the_comment():
    action = new_action()
    action.submit_change("progress", progress=90, actor="Pat Preece", effective_on=CLAIMED_ON)
    with pytest.raises(BadInputError) as refused:
        action.approve_change(action.pending_claim(), comment="x" * (TEXT_MAX + 1), actor="Liam Purdie")
    assert str(refused.value) == f"comment: {TEXT_MAX + 1} characters, at most {TEXT_MAX} allowed"


def test_a_clerk_may_open_the_audit_trails_front_page_and_their_own_plans_trail_only():
    clerk = Principal("Val DeSouza", grants=frozenset({("clerk", "SOS 001")}))
    nobody = Principal("Pat Preece")
    assert [may_audit(clerk), may_audit(clerk, "SOS 001"), may_audit(clerk, "SS SAAP 2014")] == [True, True, False]
    assert [may_audit(nobody), may_audit(nobody, "SOS 001")] == [False, False]


CLAIM_REFUSALS = [
    (checked_kind, ("owners",), "kind: must be one of completion, due_date, progress, got 'owners'", "kind"),
    (checked_priority, ("Urgent",), "priority: must be one of High, Medium, Low, got 'Urgent'", None),
    (checked_priority, (3,), "priority: must be one of High, Medium, Low, got 3", None),
    (checked_progress, (101,), "progress: must be from 0 to 100, got 101", None),
    (checked_progress, ("half",), "progress: must be a whole number from 0 to 100, got 'half'", None),
]


@pytest.mark.parametrize(
    ("check", "args", "message", "field"), CLAIM_REFUSALS, ids=[re.sub(r"[^A-Za-z0-9]+", "_", r[2][:40]) for r in CLAIM_REFUSALS]
)
def test_each_value_refusal_says_what_is_wrong(check, args, message, field):
    with pytest.raises(BadInputError) as refused:
        check(*args)
    assert (str(refused.value), refused.value.field) == (message, field)


def test_a_claims_evidence_and_reason_are_refused_by_their_own_names():
    too_long = "x" * (TEXT_MAX + 1)
    for kind, words in (("completion", {"evidence": too_long}), ("due_date", {"reason": too_long, "due_date": date(2015, 6, 30)})):
        with pytest.raises(BadInputError) as refused:
            new_action().submit_change(kind, actor="Pat Preece", effective_on=CLAIMED_ON, **words)
        name = next(iter(words))
        assert str(refused.value) == f"{name}: {TEXT_MAX + 1} characters, at most {TEXT_MAX} allowed"


def test_a_decider_facing_several_claims_is_asked_which_by_the_kind_field():
    action = new_action()
    action.submit_change("progress", progress=90, actor="Pat Preece", effective_on=CLAIMED_ON)
    seen = action.submit_change("due_date", due_date=date(2015, 6, 30), reason="slip", actor="Pat Preece", effective_on=CLAIMED_ON)
    with pytest.raises(BadInputError) as refused:
        action.pending_claim()
    assert (str(refused.value), refused.value.field) == (
        "kind: SOS 001/SS_ICSAP_ARR1 has several pending claims (due_date, progress); say which",
        "kind",
    )
    action.reject_change(action.pending_claim("due_date"), reason="no", actor="Liam Purdie", effective_on=CLAIMED_ON)
    with pytest.raises(DomainError) as decided:
        action.pending_claim("due_date", version=seen)
    assert str(decided.value) == (
        "sign-off: the claim you saw on SOS 001/SS_ICSAP_ARR1 is no longer pending: it was decided meanwhile; nothing was recorded"
    )
    with pytest.raises(DomainError) as missing:
        action.pending_claim("due_date")
    assert str(missing.value) == "sign-off: SOS 001/SS_ICSAP_ARR1 has no pending due date claim"


def test_an_approved_claims_reason_goes_with_the_change_it_records():
    for kind, words, recorded in (
        ("completion", {"reason": "audit done"}, "ActionCompleted"),
        ("progress", {"progress": 90, "reason": "two more audits"}, "ProgressUpdated"),
    ):
        action = new_action()
        action.submit_change(kind, actor="Pat Preece", effective_on=CLAIMED_ON, **words)
        action.collect_events()
        action.approve_change(action.pending_claim(), comment=None, actor="Liam Purdie")
        [change] = [e for e in action.collect_events() if type(e).__name__ == recorded]
        assert change.reason == words["reason"], kind


def test_a_due_date_claim_without_a_date_reads_as_a_dash():
    assert [proposed_wording("due_date", None, None), proposed_wording("due_date", None, date(2015, 6, 30))] == [
        "due date —",
        "due date 2015-06-30",
    ]
