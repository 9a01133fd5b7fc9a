"""Commands on one action, as plain values: what the CLI parses and a web form posts.

Both entry points build one of these and hand it to ``PlanTrail.handle`` (through the
services seam), so a rule lives in the domain once, whatever door the request came through.
``effective_on`` None means "today in the plan's time zone".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

LIFECYCLE_TRANSITIONS = ("complete", "cancel", "reopen", "hold")


@dataclass(frozen=True)
class UpdateProgress:
    progress: int
    note: str | None = None
    effective_on: date | None = None
    source: str = "cli"  # where the figure came from: cli, web, import or sheet (domain.action.SOURCES)


@dataclass(frozen=True)
class AddNote:
    text: str
    effective_on: date | None = None


@dataclass(frozen=True)
class AddSubActionNote:
    number: int
    text: str
    effective_on: date | None = None


@dataclass(frozen=True)
class ChangeLifecycle:
    transition: str  # one of LIFECYCLE_TRANSITIONS
    reason: str | None = None
    effective_on: date | None = None


@dataclass(frozen=True)
class ReviseDueDate:
    due_date: date
    reason: str | None
    effective_on: date | None = None


@dataclass(frozen=True)
class ChangeOwners:
    owners: tuple[str, ...]
    reason: str | None
    effective_on: date | None = None


ActionCommand = UpdateProgress | AddNote | AddSubActionNote | ChangeLifecycle | ReviseDueDate | ChangeOwners
