"""An action's state as plain values, folded from its events: the one rule set that both the
current-state view and the bitemporal timeline use, so "now" and "as at" can never disagree."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

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
    "last_update_on",
)

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
        "last_update_on": None,
    }


def _touch(state: State, on: date) -> None:
    if state["last_update_on"] is None or on > state["last_update_on"]:
        state["last_update_on"] = on


def _progress(state: State, s: dict[str, Any]) -> None:
    state["progress"] = s["progress"]
    _touch(state, s["effective_on"])


def _note(state: State, s: dict[str, Any]) -> None:
    _touch(state, s["effective_on"])


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
    "plantrail:Action.NoteAdded": _note,
    "plantrail:Action.SubActionNoteAdded": _note,
    "plantrail:Action.DueDateRevised": _due_date,
    "plantrail:Action.OwnersChanged": _set(owners=lambda s: list(s["owners"])),
    "plantrail:Action.PriorityChanged": _set(priority=lambda s: s["priority"]),
    "plantrail:Action.ActionCompleted": _set(lifecycle=lambda s: "completed", progress=lambda s: 100),
    "plantrail:Action.ActionCancelled": _set(lifecycle=lambda s: "cancelled"),
    "plantrail:Action.ActionReopened": _set(lifecycle=lambda s: "open"),
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


def changes(before: State | None, after: State) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for the fields an event changed (last_update_on is bookkeeping)."""
    return {
        name: [None if before is None else before[name], after[name]]
        for name in STATE_FIELDS
        if name != "last_update_on" and (before is None or before[name] != after[name])
    }
