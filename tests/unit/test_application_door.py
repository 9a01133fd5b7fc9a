"""The application's single door (``PlanTrail.handle``): each command reaches its use case with
every value it carries, on a plan that records changes at once (no sign-off). The clock and the
plan's time zone are tests.unit.test_application's: 30 June in the plan, 1 July in London.
"""

from __future__ import annotations

from datetime import date

import pytest

from domain.action import Action
from domain.commands import AddNote, AddSubActionNote, ChangeLifecycle, ChangeOwners, UpdateProgress
from domain.errors import BadInputError, EvidenceRequiredError
from tests.unit.test_application import PLAN_TODAY, last, new_app, stored


def test_the_door_allows_a_change_dated_a_day_ahead_of_the_plans_today_but_not_two():
    app = new_app()
    # 2 July is a day ahead in London but two in Honolulu, where the plan is.
    with pytest.raises(BadInputError) as refused:
        app.handle("SOS 001", "A1", AddNote("Tomorrow's news", date(2015, 7, 2)), actor="Pat Preece")
    assert refused.value.field == "effective_on"
    assert len(stored(app)) == 1
    app.handle("SOS 001", "A1", AddNote("Written tonight", date(2015, 7, 1)), actor="Pat Preece")
    assert app.get_action("SOS 001", "A1").notes == [{"text": "Written tonight", "author": "Pat Preece", "effective_on": date(2015, 7, 1)}]


def test_a_progress_figure_through_the_door_keeps_its_note_date_and_source():
    app = new_app()
    app.handle("SOS 001", "A1", UpdateProgress(60, "Halfway there", date(2015, 6, 5), "web"), actor="Pat Preece")
    figure, note = stored(app)[1:]
    assert (figure.progress, figure.source, figure.actor, figure.effective_on) == (60, "web", "Pat Preece", date(2015, 6, 5))
    assert (note.text, note.author, note.effective_on) == ("Halfway there", "Pat Preece", date(2015, 6, 5))
    app.handle("SOS 001", "A1", UpdateProgress(70), actor="Liam Purdie")
    assert (last(app).progress, last(app).source, last(app).effective_on) == (70, "cli", PLAN_TODAY)
    assert [type(e).__name__ for e in stored(app)] == ["ActionAdded", "ProgressUpdated", "NoteAdded", "ProgressUpdated"]


def test_a_note_through_the_door_keeps_its_date():
    app = new_app()
    app.handle("SOS 001", "A1", AddNote("Called the team", date(2015, 6, 6)), actor="Pat Preece")
    assert (last(app).text, last(app).actor, last(app).effective_on) == ("Called the team", "Pat Preece", date(2015, 6, 6))


def test_a_sub_action_note_through_the_door_reaches_that_sub_action_by_its_author_on_its_date():
    app = new_app()
    action = app.get_action("SOS 001", "A1")
    action.add_sub_action("Audit ten files", actor="clerk", effective_on=date(2015, 6, 1))
    action.add_sub_action("Audit ten more", actor="clerk", effective_on=date(2015, 6, 1))
    app.save(action)
    app.handle("SOS 001", "A1", AddSubActionNote(2, "Four done", date(2015, 6, 7)), actor="Pat Preece")
    assert app.get_action("SOS 001", "A1").sub_actions[1]["notes"] == [
        {"text": "Four done", "author": "Pat Preece", "effective_on": date(2015, 6, 7)}
    ]
    assert (last(app).actor, last(app).number) == ("Pat Preece", 2)


def test_a_completion_through_the_door_needs_its_evidence():
    app = new_app()
    with pytest.raises(EvidenceRequiredError):
        app.handle("SOS 001", "A1", ChangeLifecycle("complete", "done", date(2015, 6, 8)), actor="Pat Preece")
    with pytest.raises(EvidenceRequiredError):
        app.handle("SOS 001", "A1", ChangeLifecycle("complete", "done", date(2015, 6, 8), evidence="  "), actor="Pat Preece")
    assert len(stored(app)) == 1
    app.handle("SOS 001", "A1", ChangeLifecycle("complete", "done", date(2015, 6, 8), evidence="Audit report"), actor="Pat Preece")
    action = app.get_action("SOS 001", "A1")
    assert (action.lifecycle, action.evidence) == ("completed", ["Audit report"])


def test_a_transition_the_door_does_not_know_is_refused_naming_the_ones_it_does():
    app = new_app()
    with pytest.raises(BadInputError) as refused:
        app.handle("SOS 001", "A1", ChangeLifecycle("finish", None, date(2015, 6, 8)), actor="clerk")
    assert str(refused.value) == "transition: must be one of complete, cancel, reopen, hold, got 'finish'"


def test_a_reopening_through_the_door_keeps_its_reason_date_figure_and_source():
    app = new_app()
    app.handle("SOS 001", "A1", ChangeLifecycle("hold", "budget", date(2015, 6, 1)), actor="clerk")
    app.handle("SOS 001", "A1", ChangeLifecycle("reopen", "budget found", date(2015, 6, 9), progress=40, source="sheet"), actor="Val")
    reopened, figure = stored(app)[-2:]
    assert (type(reopened).__name__, reopened.reason, reopened.actor, reopened.effective_on) == (
        "ActionReopened",
        "budget found",
        "Val",
        date(2015, 6, 9),
    )
    assert (figure.progress, figure.source, figure.effective_on) == (40, "sheet", date(2015, 6, 9))


def test_new_owners_through_the_door_keep_their_reason_and_date():
    app = new_app()
    app.handle("SOS 001", "A1", ChangeOwners(("liam purdie",), "handover", date(2015, 6, 10)), actor="clerk")
    change = last(app)
    assert isinstance(change, Action.OwnersChanged)
    assert (change.owners, change.reason, change.actor, change.effective_on) == (["Liam Purdie"], "handover", "clerk", date(2015, 6, 10))


def test_anything_but_a_command_on_an_action_is_refused_by_name():
    app = new_app()
    with pytest.raises(BadInputError) as refused:
        app.handle("SOS 001", "A1", "complete", actor="clerk")  # type: ignore[arg-type]
    assert str(refused.value) == "command: str is not a command on an action"
    assert len(stored(app)) == 1
