"""The changes a page offers for an action's lifecycle are the ones its commands accept."""

from collections.abc import Callable
from copy import deepcopy
from datetime import date

import pytest

from domain.action import Action
from domain.errors import ActionCancelledError, ActionCompletedError
from domain.lifecycle import OFFERED_CHANGES, offered_changes
from tests.unit.test_action_rules import ON, new_action

CHANGES: dict[str, Callable[[Action], None]] = {
    "progress": lambda a: a.update_progress(60, actor="owner", effective_on=ON),
    "note": lambda a: a.add_note("Presented to committee", author="owner", actor="owner", effective_on=ON),
    "sub-note": lambda a: a.add_sub_action_note(1, "Workshop held", author="owner", actor="owner", effective_on=ON),
    "due-date": lambda a: a.revise_due_date(date(2015, 9, 30), reason="partners late", actor="owner", effective_on=ON),
    "complete": lambda a: a.complete(reason=None, actor="owner", effective_on=ON),
    "reopen": lambda a: a.reopen(reason="evidence not accepted", actor="owner", effective_on=ON, progress=80),
}


def action_in(lifecycle: str) -> Action:
    action = new_action()
    action.add_sub_action("Run a workshop", actor="clerk", effective_on=ON)
    action.update_progress(40, actor="owner", effective_on=ON)
    if lifecycle == "completed":
        action.complete(reason=None, actor="owner", effective_on=ON)
    elif lifecycle == "cancelled":
        action.cancel(reason="superseded", actor="clerk", effective_on=ON)
    elif lifecycle == "on_hold":
        action.put_on_hold(reason="waiting for funding", actor="clerk", effective_on=ON)
    assert action.lifecycle == lifecycle
    return action


@pytest.mark.parametrize("lifecycle", sorted(OFFERED_CHANGES))
def test_every_change_offered_for_a_lifecycle_is_accepted_by_the_action(lifecycle):
    for change in offered_changes(lifecycle):
        action = deepcopy(action_in(lifecycle))
        version = action.version
        CHANGES[change](action)
        assert action.version > version, change


@pytest.mark.parametrize(("lifecycle", "refusal"), [("completed", ActionCompletedError), ("cancelled", ActionCancelledError)])
def test_a_closed_action_is_offered_a_note_and_reopening_instead_of_the_progress_it_refuses(lifecycle, refusal):
    assert {"progress", "complete"}.isdisjoint(offered_changes(lifecycle))
    assert {"note", "reopen"} <= set(offered_changes(lifecycle))
    with pytest.raises(refusal):
        CHANGES["progress"](action_in(lifecycle))


def test_an_open_action_is_not_offered_reopening():
    assert "reopen" not in offered_changes("open")
    assert set(offered_changes("open")) | {"note", "reopen"} == set(CHANGES)
