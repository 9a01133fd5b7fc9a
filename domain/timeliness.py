"""Timeliness status of an action as at a date: the rule behind Covalent's traffic lights.

Pure: it reads ``progress``, ``lifecycle`` and ``due_date`` from whatever state it is given
(an aggregate, a read-model row, a dict-like object), so every read path shares one rule.
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Protocol

DEFAULT_WARNING_DAYS = 14

# The lifecycle a read model shows for an action reopened while it stood at 100 % and given no
# new figure. Only histories recorded before reopening asked for a figure hold one; it is open
# in every sense, but its 100 % is the completion it no longer has, so it does not make it
# Complete. The next progress figure makes it plainly "open" again.
REOPENED = "reopened"
OPEN_LIFECYCLES = frozenset({"open", REOPENED})


class Timeliness(Enum):
    ALERT = "Alert"
    WARNING = "Warning"
    OK = "OK"
    COMPLETE = "Complete"
    CANCELLED = "Cancelled"


class HasTimelinessFields(Protocol):
    @property
    def progress(self) -> int: ...
    @property
    def lifecycle(self) -> str: ...
    @property
    def due_date(self) -> date | None: ...


def status(
    action_state: HasTimelinessFields,
    as_at: date,
    warning_days: int = DEFAULT_WARNING_DAYS,
) -> Timeliness:
    """Complete and Cancelled first; then Alert when past due, Warning inside the window."""
    if action_state.lifecycle == "cancelled":
        return Timeliness.CANCELLED
    if counts_as_complete(action_state):
        return Timeliness.COMPLETE
    due = action_state.due_date
    if due is None:
        return Timeliness.OK
    if as_at > due:
        return Timeliness.ALERT
    if (due - as_at).days <= warning_days:
        return Timeliness.WARNING
    return Timeliness.OK


def counts_as_complete(action_state: HasTimelinessFields) -> bool:
    """Completed, or (as Covalent counts it) at 100 % — unless reopened since (``REOPENED``)."""
    return action_state.lifecycle == "completed" or (action_state.progress >= 100 and action_state.lifecycle != REOPENED)
