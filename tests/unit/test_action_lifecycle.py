"""An action's lifecycle commands (domain/lifecycle.py) and descriptive ones (domain/descriptions.py).

Each refusal is compared whole, each recorded event field by field, and the progress rule of
reopening is tested one unit either side of 100 %.
"""

from __future__ import annotations

from datetime import date

import pytest

from domain.action import Action
from domain.errors import (
    ActionAlreadyInStateError,
    ActionCancelledError,
    InvalidProgressError,
    InvalidTextError,
    ReasonRequiredError,
)
from domain.text import TEXT_MAX, TITLE_MAX
from tests.unit.test_action_aggregate import ON, last_event, new_action, refusal

LATER = date(2015, 3, 2)


def event_names(action: Action) -> list[str]:
    return [type(e).__name__ for e in action.pending_events]


# ----- complete ----------------------------------------------------------------------------------


def test_completing_records_who_when_and_the_optional_reason():
    action = new_action()
    action.complete(reason=" signed off ", actor="Val DeSouza", effective_on=ON)
    done = last_event(action)
    assert isinstance(done, Action.ActionCompleted)
    assert (done.actor, done.effective_on, done.reason) == ("Val DeSouza", ON, "signed off")
    assert (action.lifecycle, action.progress) == ("completed", 100)
    with refusal(ActionAlreadyInStateError, "SS_ICSAP_IMP1 is already complete"):
        action.complete(reason=None, actor="clerk", effective_on=LATER)
    other = new_action()
    other.complete(reason="  ", actor="clerk", effective_on=ON)
    assert last_event(other).reason is None
    with refusal(InvalidTextError, f"reason: {TEXT_MAX + 1} characters, at most {TEXT_MAX} allowed"):
        new_action().complete(reason="r" * (TEXT_MAX + 1), actor="clerk", effective_on=ON)


def test_a_cancelled_action_cannot_be_completed_or_put_on_hold():
    action = new_action()
    action.cancel(reason="superseded", actor="clerk", effective_on=ON)
    with refusal(ActionCancelledError, "cannot complete SOS 001/SS_ICSAP_IMP1: it is cancelled"):
        action.complete(reason=None, actor="clerk", effective_on=LATER)
    with refusal(ActionCancelledError, "cannot put on hold SOS 001/SS_ICSAP_IMP1: it is cancelled"):
        action.put_on_hold(reason=None, actor="clerk", effective_on=LATER)
    assert (action.lifecycle, event_names(action)[-1]) == ("cancelled", "ActionCancelled")


# ----- cancel ------------------------------------------------------------------------------------


def test_cancelling_needs_a_reason_and_happens_once():
    action = new_action()
    with refusal(ReasonRequiredError, "reason: a reason is required to cancel an action"):
        action.cancel(reason=None, actor="clerk", effective_on=ON)
    action.cancel(reason=" superseded by the ICSP ", actor="Val DeSouza", effective_on=ON)
    cancelled = last_event(action)
    assert isinstance(cancelled, Action.ActionCancelled)
    assert (cancelled.actor, cancelled.effective_on, cancelled.reason) == ("Val DeSouza", ON, "superseded by the ICSP")
    with refusal(ActionAlreadyInStateError, "SS_ICSAP_IMP1 is already cancelled"):
        action.cancel(reason="again", actor="clerk", effective_on=LATER)
    done = new_action()
    done.complete(reason=None, actor="clerk", effective_on=ON)
    done.cancel(reason="withdrawn", actor="clerk", effective_on=LATER)  # a completed action may still be cancelled
    assert done.lifecycle == "cancelled"


# ----- put on hold -------------------------------------------------------------------------------


def test_putting_on_hold_records_the_optional_reason_and_happens_once():
    action = new_action()
    action.put_on_hold(reason=" waiting for funding ", actor="Val DeSouza", effective_on=ON)
    held = last_event(action)
    assert isinstance(held, Action.ActionPutOnHold)
    assert (held.actor, held.effective_on, held.reason, action.lifecycle) == ("Val DeSouza", ON, "waiting for funding", "on_hold")
    with refusal(ActionAlreadyInStateError, "SS_ICSAP_IMP1 is already on hold"):
        action.put_on_hold(reason=None, actor="clerk", effective_on=LATER)
    other = new_action()
    other.put_on_hold(reason=None, actor="clerk", effective_on=ON)
    assert last_event(other).reason is None
    with refusal(InvalidTextError, f"reason: {TEXT_MAX + 1} characters, at most {TEXT_MAX} allowed"):
        new_action().put_on_hold(reason="r" * (TEXT_MAX + 1), actor="clerk", effective_on=ON)
    done = new_action()
    done.complete(reason=None, actor="clerk", effective_on=ON)
    done.put_on_hold(reason=None, actor="clerk", effective_on=LATER)
    assert done.lifecycle == "on_hold"


# ----- reopen ------------------------------------------------------------------------------------


def test_an_open_action_is_not_reopened():
    with refusal(ActionAlreadyInStateError, "SS_ICSAP_IMP1 is already open"):
        new_action().reopen(reason=None, actor="clerk", effective_on=ON, progress=10)


@pytest.mark.parametrize(("standing", "refused"), [(99, False), (100, True)])
def test_reopening_without_a_figure_keeps_one_below_100_and_asks_for_one_at_100(standing, refused):
    action = new_action()
    action.update_progress(standing, actor="clerk", effective_on=ON)
    action.put_on_hold(reason=None, actor="clerk", effective_on=ON)
    if refused:
        message = f"progress: SS_ICSAP_IMP1 stands at {standing} %; say how far it really is to reopen it (--progress N, below 100)"
        with refusal(InvalidProgressError, message) as caught:
            action.reopen(reason=None, actor="clerk", effective_on=LATER)
        assert (caught.value.field, action.lifecycle) == ("progress", "on_hold")
    else:
        action.reopen(reason=None, actor="clerk", effective_on=LATER)
        assert (action.lifecycle, action.progress, event_names(action)[-1]) == ("open", standing, "ActionReopened")


@pytest.mark.parametrize(("figure", "refused"), [(99, False), (100, True)])
def test_a_reopening_figure_must_be_below_100(figure, refused):
    action = new_action()
    action.complete(reason=None, actor="clerk", effective_on=ON)
    if refused:
        with refusal(InvalidProgressError, f"progress: a reopened action must be below 100 %, got {figure}") as caught:
            action.reopen(reason=None, actor="clerk", effective_on=LATER, progress=figure)
        assert (caught.value.field, action.lifecycle) == ("progress", "completed")
    else:
        action.reopen(reason=None, actor="clerk", effective_on=LATER, progress=figure)
        assert (action.lifecycle, action.progress) == ("open", figure)


def test_a_reopening_figure_is_checked_like_any_progress_figure():
    action = new_action()
    action.complete(reason=None, actor="clerk", effective_on=ON)
    with refusal(InvalidProgressError, "progress: must be a whole number from 0 to 100, got 'half'"):
        action.reopen(reason=None, actor="clerk", effective_on=LATER, progress="half")
    with refusal(InvalidProgressError, "progress: must be from 0 to 100, got -1"):
        action.reopen(reason=None, actor="clerk", effective_on=LATER, progress=-1)
    assert action.lifecycle == "completed"


def test_a_reopening_figure_is_recorded_with_the_reopening_as_a_figure_from_the_command_line():
    action = new_action()
    action.complete(reason=None, actor="clerk", effective_on=ON)
    action.reopen(reason=" evidence not accepted ", actor="Val DeSouza", effective_on=LATER, progress=0)
    reopened, figure = action.pending_events[-2:]
    assert isinstance(reopened, Action.ActionReopened) and isinstance(figure, Action.ProgressUpdated)
    assert (reopened.actor, reopened.effective_on, reopened.reason) == ("Val DeSouza", LATER, "evidence not accepted")
    assert (figure.progress, figure.source, figure.actor, figure.effective_on, figure.reason) == (
        0,
        "cli",
        "Val DeSouza",
        LATER,
        "evidence not accepted",
    )
    assert (action.progress, action.progress_log[-1]) == (0, (LATER, 0))


def test_a_reopening_figure_equal_to_the_one_standing_records_no_progress_event():
    action = new_action()
    action.update_progress(60, actor="clerk", effective_on=ON)
    action.cancel(reason="superseded", actor="clerk", effective_on=ON)
    action.reopen(reason=None, actor="clerk", effective_on=LATER, progress=60)
    assert event_names(action)[-2:] == ["ActionCancelled", "ActionReopened"]
    assert (action.progress, last_event(action).reason) == (60, None)
    action.put_on_hold(reason=None, actor="clerk", effective_on=LATER)
    with refusal(InvalidTextError, f"reason: {TEXT_MAX + 1} characters, at most {TEXT_MAX} allowed"):
        action.reopen(reason="r" * (TEXT_MAX + 1), actor="clerk", effective_on=LATER, progress=10)
    assert (action.lifecycle, action.progress) == ("on_hold", 60)


# ----- title, description, success measures, evidence --------------------------------------------


def test_a_new_title_alone_keeps_the_description_and_the_reverse():
    action = new_action(title="Training", description="Book trainers")
    action.revise_description(title=" Training plan ", description=None, reason=" clearer ", actor="Val DeSouza", effective_on=ON)
    revised = last_event(action)
    assert isinstance(revised, Action.DescriptionRevised)
    assert (revised.title, revised.description, revised.reason, revised.actor, revised.effective_on) == (
        "Training plan",
        "Book trainers",
        "clearer",
        "Val DeSouza",
        ON,
    )
    action.revise_description(title=None, description=" Book trainers\r\nand rooms ", reason=None, actor="clerk", effective_on=LATER)
    assert (action.title, action.description, last_event(action).reason) == ("Training plan", "Book trainers\nand rooms", None)


def test_an_unchanged_title_and_description_are_refused():
    action = new_action(title="Training", description="Book trainers")
    for title, description in ((None, None), (" Training ", None), (None, "Book trainers "), ("Training", "Book trainers")):
        with refusal(ActionAlreadyInStateError, "SS_ICSAP_IMP1: title and description are unchanged"):
            action.revise_description(title=title, description=description, reason=None, actor="clerk", effective_on=ON)
    assert event_names(action) == ["ActionAdded"]


def test_a_revised_title_and_description_are_checked_by_their_own_names_and_limits():
    action = new_action()
    with refusal(InvalidTextError, "title: must not be empty"):
        action.revise_description(title=" ", description=None, reason=None, actor="clerk", effective_on=ON)
    with refusal(InvalidTextError, f"title: {TITLE_MAX + 1} characters, at most {TITLE_MAX} allowed"):
        action.revise_description(title="t" * (TITLE_MAX + 1), description=None, reason=None, actor="clerk", effective_on=ON)
    with refusal(InvalidTextError, "description: must not be empty"):
        action.revise_description(title=None, description="", reason=None, actor="clerk", effective_on=ON)
    with refusal(InvalidTextError, f"description: {TEXT_MAX + 1} characters, at most {TEXT_MAX} allowed"):
        action.revise_description(title=None, description="d" * (TEXT_MAX + 1), reason=None, actor="clerk", effective_on=ON)
    with refusal(InvalidTextError, f"reason: {TEXT_MAX + 1} characters, at most {TEXT_MAX} allowed"):
        action.revise_description(title="New", description=None, reason="r" * (TEXT_MAX + 1), actor="clerk", effective_on=ON)
    action.revise_description(title="t" * TITLE_MAX, description="d" * TEXT_MAX, reason=None, actor="clerk", effective_on=ON)
    assert (len(action.title), len(action.description)) == (TITLE_MAX, TEXT_MAX)


@pytest.mark.parametrize(
    ("command", "field", "held"), [("add_success_measure", "success measure", "success_measures"), ("add_evidence", "evidence", "evidence")]
)
def test_success_measures_and_evidence_are_kept_in_order_and_checked_by_their_own_names(command, field, held):
    action = new_action()
    getattr(action, command)(" first\r\nline two ", actor="Val DeSouza", effective_on=ON)
    getattr(action, command)("second", actor="clerk", effective_on=LATER)
    assert getattr(action, held) == ["first\nline two", "second"]
    first, second = action.pending_events[-2:]
    assert (first.text, first.actor, first.effective_on, first.reason) == ("first\nline two", "Val DeSouza", ON, None)
    assert (second.text, second.effective_on) == ("second", LATER)
    with refusal(InvalidTextError, f"{field}: must not be empty"):
        getattr(action, command)("  ", actor="clerk", effective_on=ON)
    with refusal(InvalidTextError, f"{field}: {TEXT_MAX + 1} characters, at most {TEXT_MAX} allowed"):
        getattr(action, command)("x" * (TEXT_MAX + 1), actor="clerk", effective_on=ON)
    getattr(action, command)("x" * TEXT_MAX, actor="clerk", effective_on=ON)
    assert len(getattr(action, held)) == 3
