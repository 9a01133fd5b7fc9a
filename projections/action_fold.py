"""An action's state as plain values, folded from its events: the one rule set that both the
current-state view and the bitemporal timeline use, so "now" and "as at" can never disagree."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.timeliness import REOPENED

ACTION_PREFIX = "plantrail:Action."
ACTION_ADDED = "plantrail:Action.ActionAdded"

STATE_FIELDS = (
    "title",
    "description",
    "priority_number",
    "priority",
    "owners",
    "due_date",
    "original_due_date",
    "due_date_revisions",
    "progress",
    "lifecycle",
)
# Not part of the timeline: notes would otherwise open a new bitemporal row each (half of all
# events), and no as-at view shows it. The current-state view keeps it (see TOUCHES).

State = dict[str, Any]


def initial_state(s: dict[str, Any]) -> State:
    return {
        "title": s["title"],
        "description": s["description"],
        "priority_number": s["priority_number"],
        "priority": s["priority"],
        "owners": list(s["owners"]),
        "due_date": s["due_date"],
        "original_due_date": s["due_date"],
        "due_date_revisions": 0,
        "progress": 0,
        "lifecycle": "open",
    }


def _progress(state: State, s: dict[str, Any]) -> None:
    if state["lifecycle"] == "completed":
        # A figure dated after a completion was recorded before the completion was (a backdated
        # completion lands before it): the action was done by then, and only a reopening takes
        # it below 100 %. The figure stays in the history; the state says what was true.
        return
    state["progress"] = s["progress"]
    if state["lifecycle"] == REOPENED:
        state["lifecycle"] = "open"  # a fresh figure: the action's progress is current again


def _reopened(state: State, s: dict[str, Any]) -> None:
    # Reopening now asks for a figure below 100 % (recorded as the next event); an older
    # history reopened at 100 % is marked so that its stale 100 % does not read as Complete.
    state["lifecycle"] = REOPENED if state["progress"] >= 100 else "open"


def _due_date(state: State, s: dict[str, Any]) -> None:
    if state["original_due_date"] is None:
        state["original_due_date"] = s["due_date"]
    state["due_date"] = s["due_date"]
    state["due_date_revisions"] += 1


def _set(**fields: Callable[[dict[str, Any]], Any]) -> Callable[[State, dict[str, Any]], None]:
    def fold(state: State, s: dict[str, Any]) -> None:
        for name, value in fields.items():
            state[name] = value(s)

    return fold


FOLDS: dict[str, Callable[[State, dict[str, Any]], None]] = {
    "plantrail:Action.ProgressUpdated": _progress,
    "plantrail:Action.DueDateRevised": _due_date,
    "plantrail:Action.OwnersChanged": _set(owners=lambda s: list(s["owners"])),
    "plantrail:Action.PriorityChanged": _set(priority=lambda s: s["priority"]),
    "plantrail:Action.ActionCompleted": _set(lifecycle=lambda s: "completed", progress=lambda s: 100),
    "plantrail:Action.ActionCancelled": _set(lifecycle=lambda s: "cancelled"),
    "plantrail:Action.ActionReopened": _reopened,
    "plantrail:Action.ActionPutOnHold": _set(lifecycle=lambda s: "on_hold"),
    "plantrail:Action.DescriptionRevised": _set(title=lambda s: s["title"], description=lambda s: s["description"]),
}


def fold(state: State | None, topic: str, s: dict[str, Any]) -> State:
    """The state after one event; ``state`` is not modified."""
    if topic == ACTION_ADDED:
        return initial_state(s)
    assert state is not None, "an action's first event is ActionAdded"
    apply = FOLDS.get(topic)
    if apply is None:
        return state
    after = dict(state)
    apply(after, s)
    return after


# Events that count as someone updating the action (what "no update for 30 days" looks at).
# A claim awaiting sign-off counts: the owner did update, even if the committee does not see it yet.
TOUCHES = frozenset(
    {
        "plantrail:Action.ProgressUpdated",
        "plantrail:Action.NoteAdded",
        "plantrail:Action.SubActionNoteAdded",
        "plantrail:Action.ChangeSubmitted",
    }
)


def changes(before: State | None, after: State) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for the fields an event changed."""
    return {
        name: [None if before is None else before[name], after[name]]
        for name in STATE_FIELDS
        if before is None or before[name] != after[name]
    }


PROGRESS_UPDATED = "plantrail:Action.ProgressUpdated"


def event_changes(topic: str, s: dict[str, Any], before: State | None, after: State) -> dict[str, list[Any]]:
    """What the trail records an event changed: ``changes``, except that a progress figure equal
    to the one it follows (an owner confirming the figure is still current) is kept as
    ``{"progress": [N, N]}``, so the trail says which figure was confirmed. A figure the state
    ignores (dated after a completion) changes nothing and is recorded so."""
    found = changes(before, after) if after is not before else {}
    if not found and topic == PROGRESS_UPDATED and before is not None and before["progress"] == after["progress"] == s["progress"]:
        return {"progress": [s["progress"], s["progress"]]}
    return found
