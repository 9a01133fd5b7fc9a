"""The Plan aggregate: what a new plan holds, its priorities, committee dates and sign-off setting.

Values are compared with the ones typed, refusals whole, limits one unit either side.
"""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import BadInputError, InvalidTextError, RuleViolation
from domain.ids import plan_id
from domain.plan import Plan
from domain.text import NAME_MAX, TEXT_MAX, TITLE_MAX
from tests.unit.test_action_aggregate import last_event, refusal

ON = date(2015, 1, 5)


def new_plan(**overrides: object) -> Plan:
    fields: dict[str, object] = {"code": "SOS 001", "title": "Children's Inspection Action Plan", "actor": "clerk", "effective_on": ON}
    return Plan.create(**(fields | overrides))  # type: ignore[arg-type]


def test_a_new_plan_has_the_defaults_a_plan_never_configured_uses():
    plan = new_plan()
    assert plan.id == plan_id("sos  001")
    assert (plan.code, plan.title, plan.description, plan.timezone, plan.warning_days, plan.sponsor) == (
        "SOS 001",
        "Children's Inspection Action Plan",
        "",
        "Europe/London",
        14,
        None,
    )
    assert (plan.priorities, plan.committee_dates) == ({}, [])
    assert plan.sign_off_settings() == {"sign_off": "completion", "sign_off_days": 7, "notify_rejection": "digest"}
    created = last_event(plan)
    assert (created.actor, created.effective_on, created.reason) == ("clerk", ON, None)


def test_a_new_plan_holds_what_was_typed_tidied():
    plan = new_plan(
        code=" SOS 002 ",
        title=" Housing plan\r\n2015 ",
        description=" For the housing committee ",
        timezone="Europe/Dublin",
        warning_days=21,
        sponsor="Sam Sponsor",
        actor="Val DeSouza",
    )
    assert (plan.code, plan.title, plan.description, plan.timezone, plan.warning_days, plan.sponsor) == (
        "SOS 002",
        "Housing plan\n2015",
        "For the housing committee",
        "Europe/Dublin",
        21,
        "Sam Sponsor",
    )
    created = last_event(plan)
    assert (created.code, created.warning_days, created.timezone, created.actor) == ("SOS 002", 21, "Europe/Dublin", "Val DeSouza")


@pytest.mark.parametrize("description", [None, "   "])
def test_a_plan_without_a_description_has_an_empty_one(description):
    assert new_plan(description=description).description == ""


@pytest.mark.parametrize("bad", [True, False, "14", 14.0, -1, 366])
def test_a_warning_window_that_is_not_0_to_365_whole_days_is_refused_whole(bad):
    with refusal(BadInputError, f"warning_days: must be a whole number of days from 0 to 365, got {bad!r}"):
        new_plan(warning_days=bad)


def test_a_plans_code_title_and_description_are_checked_by_their_own_names_and_limits():
    assert new_plan(code="C" * NAME_MAX, title="T" * TITLE_MAX, description="d" * TEXT_MAX).code == "C" * NAME_MAX
    with refusal(InvalidTextError, f"code: {NAME_MAX + 1} characters, at most {NAME_MAX} allowed"):
        new_plan(code="C" * (NAME_MAX + 1))
    with refusal(InvalidTextError, "code: contains control character U+0009"):
        new_plan(code="SOS\t001")
    with refusal(InvalidTextError, f"title: {TITLE_MAX + 1} characters, at most {TITLE_MAX} allowed"):
        new_plan(title="T" * (TITLE_MAX + 1))
    with refusal(InvalidTextError, f"description: {TEXT_MAX + 1} characters, at most {TEXT_MAX} allowed"):
        new_plan(description="d" * (TEXT_MAX + 1))


# ----- strategic priorities ------------------------------------------------------------------


def test_priorities_are_numbered_from_1_and_each_number_is_given_once():
    plan = new_plan()
    plan.add_priority(1, " Keeping children safe ", " Protection first ", actor="Val DeSouza", effective_on=ON)
    plan.add_priority(2, "Listening", actor="clerk", effective_on=date(2015, 1, 6))
    assert plan.priorities == {
        1: {"number": 1, "name": "Keeping children safe", "description": "Protection first"},
        2: {"number": 2, "name": "Listening", "description": ""},
    }
    added = last_event(plan)
    assert (added.number, added.actor, added.effective_on, added.reason) == (2, "clerk", date(2015, 1, 6), None)
    with refusal(RuleViolation, "priority number: SOS 001 already has priority 1"):
        plan.add_priority(1, "Again", actor="clerk", effective_on=ON)


@pytest.mark.parametrize("bad", [0, -1, True, "3", 3.0])
def test_a_priority_number_is_a_whole_number_from_1(bad):
    with refusal(BadInputError, f"priority number: must be a whole number from 1, got {bad!r}"):
        new_plan().add_priority(bad, "Name", actor="clerk", effective_on=ON)


def test_a_priority_name_and_description_are_checked_by_their_own_names():
    plan = new_plan()
    with refusal(InvalidTextError, "priority name: must not be empty"):
        plan.add_priority(1, " ", actor="clerk", effective_on=ON)
    with refusal(InvalidTextError, f"priority name: {TITLE_MAX + 1} characters, at most {TITLE_MAX} allowed"):
        plan.add_priority(1, "n" * (TITLE_MAX + 1), actor="clerk", effective_on=ON)
    with refusal(InvalidTextError, f"priority description: {TEXT_MAX + 1} characters, at most {TEXT_MAX} allowed"):
        plan.add_priority(1, "Name", "d" * (TEXT_MAX + 1), actor="clerk", effective_on=ON)
    plan.add_priority(1, "n" * TITLE_MAX, "d" * TEXT_MAX, actor="clerk", effective_on=ON)
    assert len(plan.priorities[1]["name"]) == TITLE_MAX


# ----- committee dates -----------------------------------------------------------------------

MEETS = date(2015, 4, 20)


def test_a_committee_date_is_kept_with_its_report_deadline():
    plan = new_plan()
    plan.schedule_committee(MEETS, " Housing Committee ", date(2015, 4, 13), actor="Val DeSouza", effective_on=ON)
    plan.schedule_committee(date(2015, 6, 1), "Scrutiny", actor="clerk", effective_on=ON)
    assert plan.committee_dates == [
        {"meets_on": MEETS, "committee": "Housing Committee", "report_deadline": date(2015, 4, 13)},
        {"meets_on": date(2015, 6, 1), "committee": "Scrutiny", "report_deadline": None},
    ]
    scheduled = plan.pending_events[-2]
    assert (scheduled.meets_on, scheduled.actor, scheduled.effective_on, scheduled.reason) == (MEETS, "Val DeSouza", ON, None)


def test_the_same_committee_on_the_same_day_is_scheduled_once_but_either_may_differ():
    plan = new_plan()
    plan.schedule_committee(MEETS, "Housing Committee", actor="clerk", effective_on=ON)
    with refusal(RuleViolation, "committee date: Housing Committee on 2015-04-20 is already scheduled"):
        plan.schedule_committee(MEETS, "Housing Committee", date(2015, 4, 13), actor="clerk", effective_on=ON)
    plan.schedule_committee(MEETS, "Scrutiny", actor="clerk", effective_on=ON)
    plan.schedule_committee(date(2015, 4, 21), "Housing Committee", actor="clerk", effective_on=ON)
    assert [(c["meets_on"], c["committee"]) for c in plan.committee_dates] == [
        (MEETS, "Housing Committee"),
        (MEETS, "Scrutiny"),
        (date(2015, 4, 21), "Housing Committee"),
    ]


def test_a_report_deadline_may_be_the_meeting_day_but_not_the_day_after():
    plan = new_plan()
    with refusal(RuleViolation, "report_deadline: must be on or before the meeting date"):
        plan.schedule_committee(MEETS, "Housing Committee", date(2015, 4, 21), actor="clerk", effective_on=ON)
    plan.schedule_committee(MEETS, "Housing Committee", MEETS, actor="clerk", effective_on=ON)
    assert plan.committee_dates[0]["report_deadline"] == MEETS


def test_a_committee_name_is_checked_by_its_own_name():
    with refusal(InvalidTextError, "committee: must not be empty"):
        new_plan().schedule_committee(MEETS, "  ", actor="clerk", effective_on=ON)
    with refusal(InvalidTextError, f"committee: {TITLE_MAX + 1} characters, at most {TITLE_MAX} allowed"):
        new_plan().schedule_committee(MEETS, "c" * (TITLE_MAX + 1), actor="clerk", effective_on=ON)


# ----- the sign-off setting ------------------------------------------------------------------


def test_configuring_sign_off_changes_only_what_is_given_and_says_whether_anything_changed():
    plan = new_plan()
    assert plan.configure_sign_off(sign_off_days=9, actor="Val DeSouza", effective_on=ON, reason=" busy month ") is True
    configured = last_event(plan)
    assert (configured.sign_off, configured.sign_off_days, configured.notify_rejection) == ("completion", 9, "digest")
    assert (configured.actor, configured.effective_on, configured.reason) == ("Val DeSouza", ON, "busy month")
    assert plan.configure_sign_off(sign_off="changes", actor="clerk", effective_on=ON) is True
    assert plan.configure_sign_off(notify_rejection="immediate", actor="clerk", effective_on=ON) is True
    assert last_event(plan).reason is None
    assert plan.sign_off_settings() == {"sign_off": "changes", "sign_off_days": 9, "notify_rejection": "immediate"}
    versions = plan.version
    assert plan.configure_sign_off(actor="clerk", effective_on=ON) is False
    assert (
        plan.configure_sign_off(sign_off="changes", sign_off_days=9, notify_rejection="immediate", actor="clerk", effective_on=ON) is False
    )
    assert plan.version == versions


def test_each_sign_off_value_is_checked_before_anything_is_recorded():
    plan = new_plan()
    with refusal(BadInputError, "sign_off: must be one of none, completion, changes, got 'all'"):
        plan.configure_sign_off(sign_off="all", actor="clerk", effective_on=ON)
    with refusal(BadInputError, "sign_off_days: must be a whole number of days from 1 to 365, got 0"):
        plan.configure_sign_off(sign_off_days=0, actor="clerk", effective_on=ON)
    with refusal(BadInputError, "notify_rejection: must be one of digest, immediate, got 'never'"):
        plan.configure_sign_off(notify_rejection="never", actor="clerk", effective_on=ON)
    with refusal(InvalidTextError, f"reason: {TEXT_MAX + 1} characters, at most {TEXT_MAX} allowed"):
        plan.configure_sign_off(sign_off="none", actor="clerk", effective_on=ON, reason="r" * (TEXT_MAX + 1))
    assert (plan.version, plan.sign_off) == (1, "completion")
