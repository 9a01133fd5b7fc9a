"""The Action aggregate's commands: what each records, and each refusal in full.

Every value a command stores is compared with the one the test typed (after the stripping the
text rules promise), and every refusal with its whole message, so a command that records the
wrong field, loses an argument or says the wrong thing fails here.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from domain.action import Action
from domain.action_rules import SOURCES
from domain.errors import (
    ActionAlreadyInStateError,
    ActionCancelledError,
    BadInputError,
    DomainError,
    InvalidTextError,
    ReasonRequiredError,
    RuleViolation,
)
from domain.ids import action_id
from domain.text import NAME_MAX, TEXT_MAX, TITLE_MAX

ADDED_ON = date(2014, 9, 5)
ON = date(2015, 2, 1)
DUE = date(2015, 4, 30)


def new_action(**overrides: object) -> Action:
    fields: dict[str, object] = {
        "plan_code": "SOS 001",
        "code": "SS_ICSAP_IMP1",
        "title": "Training",
        "description": "",
        "owners": ["Christine Sutton"],
        "due_date": DUE,
        "priority": "High",
        "priority_number": 1,
        "actor": "clerk",
        "effective_on": ADDED_ON,
    }
    return Action.add(**(fields | overrides))


def refusal(error: type[DomainError], message: str) -> pytest.RaisesExc[DomainError]:
    """The whole message, not a word of it."""
    return pytest.raises(error, match=f"^{re.escape(message)}$")


def last_event(action: Action) -> Action.Event:
    return action.pending_events[-1]


# ----- adding an action --------------------------------------------------------------------------


def test_an_added_action_holds_what_was_typed_tidied_and_starts_open_at_nothing():
    owners = ["Christine Sutton", "Liam Purdie"]
    action = new_action(
        code="  SS_ICSAP_IMP1 ",
        title=" Training\r\nfor trainers ",
        description=" Book the trainers ",
        owners=owners,
        priority=" medium",
        priority_number=3,
        reason=" agreed at committee ",
    )
    owners.append("Someone Else")  # the caller's list is not the action's
    assert action.id == action_id("SOS 001", "SS_ICSAP_IMP1")
    assert (action.plan_code, action.code, action.title, action.description) == (
        "SOS 001",
        "SS_ICSAP_IMP1",
        "Training\nfor trainers",
        "Book the trainers",
    )
    assert action.owners == ["Christine Sutton", "Liam Purdie"]
    assert (action.due_date, action.original_due_date) == (DUE, DUE)
    assert (action.priority, action.priority_number) == ("Medium", 3)
    assert (action.progress, action.progress_log, action.lifecycle) == (0, [], "open")
    assert (action.notes, action.sub_actions, action.success_measures, action.evidence) == ([], [], [], [])
    assert (action.added_on, action.pending_claims, action.version) == (ADDED_ON, {}, 1)
    added = last_event(action)
    assert isinstance(added, Action.ActionAdded)
    assert (added.actor, added.effective_on, added.reason) == ("clerk", ADDED_ON, "agreed at committee")
    assert (added.plan_code, added.code, added.owners, added.due_date) == ("SOS 001", "SS_ICSAP_IMP1", owners[:2], DUE)
    assert (added.priority, added.priority_number, added.title) == ("Medium", 3, "Training\nfor trainers")


@pytest.mark.parametrize("description", ["", "  ", None])
def test_an_action_without_a_description_has_an_empty_one(description):
    action = new_action(description=description, due_date=None, priority=None, priority_number=None)
    assert (action.description, action.due_date, action.original_due_date, action.priority) == ("", None, None, None)
    assert last_event(action).reason is None


def test_a_code_is_one_line_of_at_most_the_name_limit():
    assert new_action(code="C" * NAME_MAX).code == "C" * NAME_MAX
    with refusal(InvalidTextError, f"code: {NAME_MAX + 1} characters, at most {NAME_MAX} allowed"):
        new_action(code="C" * (NAME_MAX + 1))
    with refusal(InvalidTextError, "code: contains control character U+000A"):
        new_action(code="SS\nIMP1")


def test_title_description_and_reason_are_refused_by_their_own_names_one_over_their_limits():
    assert new_action(title="T" * TITLE_MAX).title == "T" * TITLE_MAX
    with refusal(InvalidTextError, f"title: {TITLE_MAX + 1} characters, at most {TITLE_MAX} allowed"):
        new_action(title="T" * (TITLE_MAX + 1))
    assert new_action(description="d" * TEXT_MAX).description == "d" * TEXT_MAX
    with refusal(InvalidTextError, f"description: {TEXT_MAX + 1} characters, at most {TEXT_MAX} allowed"):
        new_action(description="d" * (TEXT_MAX + 1))
    with refusal(InvalidTextError, f"reason: {TEXT_MAX + 1} characters, at most {TEXT_MAX} allowed"):
        new_action(reason="r" * (TEXT_MAX + 1))
    with refusal(BadInputError, "priority: must be one of High, Medium, Low, got 'Urgent'"):
        new_action(priority="Urgent")


# ----- progress ----------------------------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES)
def test_a_progress_figure_is_recorded_with_its_date_source_and_reason(source):
    action = new_action()
    action.update_progress(40, actor="Liam Purdie", effective_on=ON, reason=" trainers booked ", source=source)
    action.update_progress(55, actor="clerk", effective_on=date(2015, 2, 9), source=source)
    assert (action.progress, action.progress_log) == (55, [(ON, 40), (date(2015, 2, 9), 55)])
    first, second = action.pending_events[-2:]
    assert isinstance(first, Action.ProgressUpdated) and isinstance(second, Action.ProgressUpdated)
    assert (first.progress, first.source, first.actor, first.effective_on, first.reason) == (
        40,
        source,
        "Liam Purdie",
        ON,
        "trainers booked",
    )
    assert (second.source, second.reason) == (source, None)


def test_progress_is_recorded_from_the_command_line_unless_told_otherwise():
    action = new_action()
    action.update_progress(10, actor="clerk", effective_on=ON)
    assert last_event(action).source == "cli"


def test_progress_refusals_name_the_action_and_what_to_do():
    action = new_action()
    with refusal(BadInputError, "source: must be one of cli, web, import, sheet, got 'email'"):
        action.update_progress(10, actor="clerk", effective_on=ON, source="email")
    with refusal(InvalidTextError, f"reason: {TEXT_MAX + 1} characters, at most {TEXT_MAX} allowed"):
        action.update_progress(10, actor="clerk", effective_on=ON, reason="r" * (TEXT_MAX + 1))
    action.put_on_hold(reason=None, actor="clerk", effective_on=ON)
    action.update_progress(20, actor="clerk", effective_on=ON)  # on hold is not closed
    action.cancel(reason="superseded", actor="clerk", effective_on=ON)
    with refusal(ActionCancelledError, "cannot update progress on SOS 001/SS_ICSAP_IMP1: it is cancelled"):
        action.update_progress(30, actor="clerk", effective_on=ON)
    assert (action.progress, action.progress_log) == (20, [(ON, 20)])


# ----- notes and sub-actions ---------------------------------------------------------------------


def test_a_note_keeps_its_text_author_and_date_and_refuses_a_bad_author_by_name():
    action = new_action()
    action.add_note(" Trainers booked\r\nfor March ", author=" Liam Purdie ", actor="clerk", effective_on=ON)
    assert action.notes == [{"text": "Trainers booked\nfor March", "author": "Liam Purdie", "effective_on": ON}]
    note = last_event(action)
    assert (note.actor, note.effective_on, note.reason) == ("clerk", ON, None)
    with refusal(InvalidTextError, "author: contains control character U+0009"):
        action.add_note("text", author="Liam\tPurdie", actor="clerk", effective_on=ON)
    with refusal(InvalidTextError, f"author: {NAME_MAX + 1} characters, at most {NAME_MAX} allowed"):
        action.add_note("text", author="A" * (NAME_MAX + 1), actor="clerk", effective_on=ON)
    with refusal(InvalidTextError, f"note: {TEXT_MAX + 1} characters, at most {TEXT_MAX} allowed"):
        action.add_note("n" * (TEXT_MAX + 1), author="LP", actor="clerk", effective_on=ON)
    action.add_note("n" * TEXT_MAX, author="A" * NAME_MAX, actor="clerk", effective_on=ON)
    assert len(action.notes) == 2


def test_sub_actions_are_numbered_from_1_in_the_order_they_are_added():
    action = new_action()
    assert action.add_sub_action(" Train the trainers ", actor="clerk", effective_on=ON) == 1
    assert action.add_sub_action("Train the staff", actor="clerk", effective_on=ON) == 2
    assert action.sub_actions == [
        {"number": 1, "details": "Train the trainers", "notes": []},
        {"number": 2, "details": "Train the staff", "notes": []},
    ]
    added = last_event(action)
    assert (added.number, added.actor, added.effective_on, added.reason) == (2, "clerk", ON, None)
    with refusal(InvalidTextError, "sub-action details: must not be empty"):
        action.add_sub_action("  ", actor="clerk", effective_on=ON)
    with refusal(InvalidTextError, f"sub-action details: {TEXT_MAX + 1} characters, at most {TEXT_MAX} allowed"):
        action.add_sub_action("d" * (TEXT_MAX + 1), actor="clerk", effective_on=ON)


def test_a_sub_action_note_goes_to_sub_actions_1_to_the_last_and_no_further():
    action = new_action()
    with refusal(RuleViolation, "sub-action: SS_ICSAP_IMP1 has no sub-action 1"):
        action.add_sub_action_note(1, "text", author="AB", actor="clerk", effective_on=ON)
    action.add_sub_action("first", actor="clerk", effective_on=ON)
    action.add_sub_action("second", actor="clerk", effective_on=ON)
    for number in (0, 3):
        with refusal(RuleViolation, f"sub-action: SS_ICSAP_IMP1 has no sub-action {number}"):
            action.add_sub_action_note(number, "text", author="AB", actor="clerk", effective_on=ON)
    action.add_sub_action_note(1, " on the first ", author=" AB ", actor="clerk", effective_on=ON)
    action.add_sub_action_note(2, "on the last", author="CD", actor="clerk", effective_on=date(2015, 2, 2))
    assert [s["notes"] for s in action.sub_actions] == [
        [{"text": "on the first", "author": "AB", "effective_on": ON}],
        [{"text": "on the last", "author": "CD", "effective_on": date(2015, 2, 2)}],
    ]
    note = last_event(action)
    assert (note.number, note.actor, note.reason) == (2, "clerk", None)
    with refusal(InvalidTextError, "author: contains control character U+000A"):
        action.add_sub_action_note(1, "text", author="A\nB", actor="clerk", effective_on=ON)
    with refusal(InvalidTextError, f"author: {NAME_MAX + 1} characters, at most {NAME_MAX} allowed"):
        action.add_sub_action_note(1, "text", author="A" * (NAME_MAX + 1), actor="clerk", effective_on=ON)
    with refusal(InvalidTextError, f"sub-action note: {TEXT_MAX + 1} characters, at most {TEXT_MAX} allowed"):
        action.add_sub_action_note(1, "n" * (TEXT_MAX + 1), author="AB", actor="clerk", effective_on=ON)


# ----- due date, owners, priority ----------------------------------------------------------------


def test_a_revised_due_date_needs_a_reason_and_a_different_date():
    action = new_action()
    with refusal(ActionAlreadyInStateError, "due date: SS_ICSAP_IMP1 is already due 2015-04-30"):
        action.revise_due_date(DUE, reason="no change", actor="clerk", effective_on=ON)
    with refusal(ReasonRequiredError, "reason: a reason is required to revise a due date"):
        action.revise_due_date(date(2015, 5, 1), reason=None, actor="clerk", effective_on=ON)
    action.revise_due_date(date(2015, 5, 1), reason=" trainer ill ", actor="Val DeSouza", effective_on=ON)
    revised = last_event(action)
    assert (revised.due_date, revised.reason, revised.actor, revised.effective_on) == (date(2015, 5, 1), "trainer ill", "Val DeSouza", ON)
    assert (action.due_date, action.original_due_date) == (date(2015, 5, 1), DUE)


def test_an_action_first_given_a_due_date_by_revision_keeps_that_one_as_its_original():
    action = new_action(due_date=None)
    action.revise_due_date(date(2015, 6, 30), reason="date agreed", actor="clerk", effective_on=ON)
    action.revise_due_date(date(2015, 7, 31), reason="slipped", actor="clerk", effective_on=ON)
    assert (action.due_date, action.original_due_date) == (date(2015, 7, 31), date(2015, 6, 30))


def test_a_cancelled_action_cannot_be_redated():
    action = new_action()
    action.cancel(reason="superseded", actor="clerk", effective_on=ON)
    with refusal(ActionCancelledError, "cannot revise the due date of SOS 001/SS_ICSAP_IMP1: it is cancelled"):
        action.revise_due_date(date(2015, 6, 30), reason="slip", actor="clerk", effective_on=ON)
    assert action.due_date == DUE


def test_owners_change_to_a_different_non_empty_list():
    action = new_action()
    with refusal(RuleViolation, "owners: an action needs at least one owner"):
        action.change_owners([], reason="restructure", actor="clerk", effective_on=ON)
    for same in (["Christine Sutton"], ("Christine Sutton",)):
        with refusal(ActionAlreadyInStateError, "owners: SS_ICSAP_IMP1 already has these owners"):
            action.change_owners(same, reason=None, actor="clerk", effective_on=ON)
    new_owners = ("Liam Purdie", "Christine Sutton")
    action.change_owners(new_owners, reason=" restructure ", actor="Val DeSouza", effective_on=ON)
    assert action.owners == ["Liam Purdie", "Christine Sutton"]
    changed = last_event(action)
    assert (changed.owners, changed.reason, changed.actor, changed.effective_on) == (list(new_owners), "restructure", "Val DeSouza", ON)
    action.change_owners(["Christine Sutton", "Liam Purdie"], reason=None, actor="clerk", effective_on=ON)  # another order is a change
    assert (action.owners, last_event(action).reason) == (["Christine Sutton", "Liam Purdie"], None)
    with refusal(InvalidTextError, f"reason: {TEXT_MAX + 1} characters, at most {TEXT_MAX} allowed"):
        action.change_owners(["Someone"], reason="r" * (TEXT_MAX + 1), actor="clerk", effective_on=ON)


def test_a_priority_change_is_tidied_and_may_clear_the_priority():
    action = new_action()
    action.change_priority(" low ", reason=" workload ", actor="Val DeSouza", effective_on=ON)
    changed = last_event(action)
    assert (action.priority, changed.priority, changed.reason, changed.actor, changed.effective_on) == (
        "Low",
        "Low",
        "workload",
        "Val DeSouza",
        ON,
    )
    action.change_priority(None, reason=None, actor="clerk", effective_on=ON)
    assert (action.priority, last_event(action).reason) == (None, None)
    with refusal(BadInputError, "priority: must be one of High, Medium, Low, got 'Top'"):
        action.change_priority("Top", reason=None, actor="clerk", effective_on=ON)
    with refusal(InvalidTextError, f"reason: {TEXT_MAX + 1} characters, at most {TEXT_MAX} allowed"):
        action.change_priority("High", reason="r" * (TEXT_MAX + 1), actor="clerk", effective_on=ON)
    assert action.priority is None
