from datetime import date

import pytest

from domain.action import Action
from domain.errors import (
    ActionCancelledError,
    ActionCompletedError,
    InvalidProgressError,
    InvalidTextError,
    ReasonRequiredError,
)
from domain.ids import action_id

ON = date(2015, 2, 1)


def new_action(**overrides) -> Action:
    fields = {
        "plan_code": "SOS 001",
        "code": "SS_ICSAP_IMP1",
        "title": "Training",
        "description": "",
        "owners": ["Christine Sutton"],
        "due_date": date(2015, 4, 30),
        "priority": "High",
        "priority_number": 1,
        "actor": "clerk",
        "effective_on": date(2014, 9, 5),
    }
    return Action.add(**(fields | overrides))


@pytest.mark.parametrize("bad", [150, -1, "abc", 12.5, True, None])
def test_progress_must_be_a_whole_number_from_0_to_100(bad):
    action = new_action()
    with pytest.raises(InvalidProgressError, match="progress"):
        action.update_progress(bad, actor="clerk", effective_on=ON)
    assert action.progress == 0


def test_completing_sets_progress_to_100():
    action = new_action()
    action.update_progress(40, actor="clerk", effective_on=ON)
    action.complete(reason=None, actor="clerk", effective_on=ON)
    assert (action.progress, action.lifecycle) == (100, "completed")


def test_no_progress_updates_on_a_cancelled_action():
    action = new_action()
    action.cancel(reason="superseded by the new ICSP", actor="clerk", effective_on=ON)
    with pytest.raises(ActionCancelledError, match="cancelled"):
        action.update_progress(50, actor="clerk", effective_on=ON)


def test_cancelling_and_redating_require_a_reason():
    action = new_action()
    with pytest.raises(ReasonRequiredError):
        action.cancel(reason=" ", actor="clerk", effective_on=ON)
    with pytest.raises(ReasonRequiredError):
        action.revise_due_date(date(2015, 6, 30), reason=None, actor="clerk", effective_on=ON)


def test_a_due_date_revision_keeps_the_original_due_date_visible():
    action = new_action()
    action.revise_due_date(date(2015, 6, 30), reason="trainer unavailable", actor="clerk", effective_on=ON)
    action.revise_due_date(date(2015, 9, 30), reason="second slip", actor="clerk", effective_on=ON)
    assert action.due_date == date(2015, 9, 30)
    assert action.original_due_date == date(2015, 4, 30)


def test_notes_reject_control_characters_but_keep_newlines():
    action = new_action()
    action.add_note("line one\nline two", author="LP", actor="clerk", effective_on=ON)
    with pytest.raises(InvalidTextError, match="control character"):
        action.add_note("bell\x07", author="LP", actor="clerk", effective_on=ON)
    assert [n["text"] for n in action.notes] == ["line one\nline two"]


def test_the_id_comes_from_plan_and_action_code():
    assert new_action().id == action_id("sos  001", "ss_icsap_imp1")


def test_history_replays_to_the_same_state_even_if_rules_tighten():
    action = new_action()
    action.update_progress(70, actor="clerk", effective_on=ON)
    action.add_sub_action("Implement training", actor="clerk", effective_on=ON)
    action.add_sub_action_note(1, "Training for trainers on 6 March", author="AB", actor="clerk", effective_on=ON)
    events = action.collect_events()
    # Rebuild from the events alone: the @event bodies re-run without command validation.
    copy = None
    for event in events:
        copy = event.mutate(copy)
    assert (copy.progress, copy.sub_actions, copy.version) == (70, action.sub_actions, action.version)


def test_progress_on_a_completed_action_is_refused_with_a_hint_to_reopen_it_first_the_command_for_the_cli_only():
    action = new_action()
    action.complete(reason=None, actor="clerk", effective_on=ON)
    with pytest.raises(ActionCompletedError) as refused:
        action.update_progress(50, actor="clerk", effective_on=ON)
    assert str(refused.value) == "cannot update progress on SOS 001/SS_ICSAP_IMP1: it is complete; reopen it first"
    assert refused.value.cli_hint == "plantrail reopen SS_ICSAP_IMP1 --progress N"
    assert (action.progress, action.lifecycle) == (100, "completed")


def test_reopening_at_100_needs_a_figure_below_100_and_records_it():
    action = new_action()
    action.complete(reason=None, actor="clerk", effective_on=ON)
    with pytest.raises(InvalidProgressError, match="stands at 100 %"):
        action.reopen(reason=None, actor="clerk", effective_on=ON)
    with pytest.raises(InvalidProgressError, match="below 100"):
        action.reopen(reason=None, actor="clerk", effective_on=ON, progress=100)
    action.reopen(reason="evidence not accepted", actor="clerk", effective_on=ON, progress=80)
    assert (action.progress, action.lifecycle) == (80, "open")
    assert [type(e).__name__ for e in action.collect_events()][-2:] == ["ActionReopened", "ProgressUpdated"]


def test_reopening_a_cancelled_action_keeps_its_progress_when_no_figure_is_given():
    action = new_action()
    action.update_progress(40, actor="clerk", effective_on=ON)
    action.cancel(reason="superseded", actor="clerk", effective_on=ON)
    action.reopen(reason=None, actor="clerk", effective_on=ON)
    assert (action.progress, action.lifecycle) == (40, "open")


def test_an_older_history_reopened_at_100_replays_and_its_status_follows_the_due_date():
    """Before reopening asked for a figure, ActionReopened came alone after ActionCompleted."""
    from domain.timeliness import Timeliness, status
    from projections.action_fold import fold

    action = new_action(due_date=date(2015, 3, 1))
    action.complete(reason=None, actor="clerk", effective_on=ON)
    action._reopened(reason=None, actor="clerk", effective_on=ON)  # what the old rule recorded
    events = action.collect_events()
    replayed = None
    for e in events:
        replayed = e.mutate(replayed)
    assert (replayed.progress, replayed.lifecycle) == (100, "open")
    state = None
    for e in events:
        state = fold(state, type(e).TOPIC, e.__dict__)
    assert (state["progress"], state["lifecycle"]) == (100, "reopened")

    class Row:
        progress, lifecycle, due_date = state["progress"], state["lifecycle"], state["due_date"]

    assert status(Row, date(2015, 3, 25)) == Timeliness.ALERT
    state = fold(state, "plantrail:Action.ProgressUpdated", {"progress": 100})
    assert state["lifecycle"] == "open"
    Row.progress, Row.lifecycle = 100, "open"
    assert status(Row, date(2015, 3, 25)) == Timeliness.COMPLETE


@pytest.mark.parametrize("missing", [None, "", "   \n"])
def test_a_completion_without_evidence_is_refused_saying_what_to_give(missing):
    from domain.action_rules import required_evidence
    from domain.errors import EvidenceRequiredError

    with pytest.raises(EvidenceRequiredError) as refused:
        required_evidence(missing)
    assert str(refused.value) == "evidence: say what shows the action is done (a document, a decision, a figure) to complete it"
    assert refused.value.field == "evidence"


def test_evidence_given_is_kept_as_typed_text():
    from domain.action_rules import required_evidence
    from domain.errors import BadInputError

    assert required_evidence("Signed risk register, v3") == "Signed risk register, v3"
    with pytest.raises(BadInputError, match=r"^evidence: "):
        required_evidence("x" * 20_001)
