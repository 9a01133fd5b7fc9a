"""The lifecycle commands of an action: complete, cancel, reopen, put on hold.

A mixin of ``Action`` (as ``domain.claims`` is for sign-off): the events and their state changes
live on ``Action``; here are the commands, which check the lifecycle rules and then trigger them.
Completing sets 100 % in the fold; reopening needs a figure below 100 % so status and progress agree.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, cast

from domain.action_rules import CANCELLED, COMPLETED, ON_HOLD, OPEN, SOURCES, checked_progress, required_reason
from domain.errors import ActionAlreadyInStateError, BadInputError, InvalidProgressError
from domain.text import TEXT_MAX, optional_text

if TYPE_CHECKING:
    from domain.action import Action

# The changes worth offering a person who updates an action, by its lifecycle: each is one its
# commands accept (tests/unit/test_offered_changes.py tries every one on a real Action), so a
# page built from this never shows a form that can only fail. A completed or cancelled action
# takes no progress figure (reopen it first) but still takes notes ("presented to committee");
# its due date is history, so a new one is not offered (the CLI can still correct it).
OFFERED_CHANGES: dict[str, tuple[str, ...]] = {
    OPEN: ("progress", "sub-note", "due-date", "complete"),
    ON_HOLD: ("progress", "sub-note", "due-date", "complete", "reopen"),
    COMPLETED: ("note", "sub-note", "reopen"),
    CANCELLED: ("note", "sub-note", "reopen"),
}


def offered_changes(lifecycle: str) -> tuple[str, ...]:
    """The changes (progress, note, sub-note, due-date, complete, reopen) an action in
    ``lifecycle`` takes from its owners, their managers and the plan's clerks."""
    return OFFERED_CHANGES.get(lifecycle, ())


class LifecycleCommands:
    """Complete, cancel, reopen and put an action on hold."""

    def complete(self, *, reason: str | None, actor: str, effective_on: date) -> None:
        action = cast("Action", self)
        action._refuse_if_cancelled("complete")
        if action.lifecycle == COMPLETED:
            raise ActionAlreadyInStateError(f"{action.code} is already complete")
        action._completed(reason=optional_text("reason", reason, max_length=TEXT_MAX), actor=actor, effective_on=effective_on)

    def cancel(self, *, reason: str | None, actor: str, effective_on: date) -> None:
        action = cast("Action", self)
        if action.lifecycle == CANCELLED:
            raise ActionAlreadyInStateError(f"{action.code} is already cancelled")
        action._cancelled(reason=required_reason(reason, "cancel an action"), actor=actor, effective_on=effective_on)

    def reopen(self, *, reason: str | None, actor: str, effective_on: date, progress: object = None, source: str = "cli") -> None:
        """Reopen with a progress figure below 100 % (``progress``), or keep the one it has when
        that is already below 100 %: an open action at 100 % would still read as Complete."""
        action = cast("Action", self)
        if action.lifecycle == OPEN:
            raise ActionAlreadyInStateError(f"{action.code} is already open")
        if progress is None and action.progress >= 100:
            raise InvalidProgressError(
                f"progress: {action.code} stands at {action.progress} %; say how far it really is (below 100) to reopen it",
                field="progress",
                cli_hint="--progress N",
            )
        if source not in SOURCES:
            raise BadInputError(f"source: must be one of {', '.join(SOURCES)}, got {source!r}")
        figure = None if progress is None else checked_progress(progress)
        if figure is not None and figure >= 100:
            raise InvalidProgressError(f"progress: a reopened action must be below 100 %, got {figure}", field="progress")
        checked_reason = optional_text("reason", reason, max_length=TEXT_MAX)
        action._reopened(reason=checked_reason, actor=actor, effective_on=effective_on)
        if figure is not None and figure != action.progress:
            action._progress_updated(progress=figure, source=source, actor=actor, effective_on=effective_on, reason=checked_reason)

    def put_on_hold(self, *, reason: str | None, actor: str, effective_on: date) -> None:
        action = cast("Action", self)
        action._refuse_if_cancelled("put on hold")
        if action.lifecycle == ON_HOLD:
            raise ActionAlreadyInStateError(f"{action.code} is already on hold")
        action._put_on_hold(reason=optional_text("reason", reason, max_length=TEXT_MAX), actor=actor, effective_on=effective_on)
