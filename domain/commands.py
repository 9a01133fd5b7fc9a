"""Commands on one action, as plain values: what the CLI parses and a web form posts.

Both entry points build one of these and hand it to ``PlanTrail.handle`` (through the
services seam), so a rule lives in the domain once, whatever door the request came through.
``effective_on`` None means "today in the plan's time zone".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.errors import BadInputError

LIFECYCLE_TRANSITIONS = ("complete", "cancel", "reopen", "hold")

# A change can be recorded late (backdated) but not ahead of the world: a day's grace covers an
# owner a time zone ahead, or writing tonight what is done first thing tomorrow.
FUTURE_GRACE_DAYS = 1


def check_effective_on(effective_on: date | None, today: date) -> None:
    if effective_on is not None and (effective_on - today).days > FUTURE_GRACE_DAYS:
        raise BadInputError(
            f"effective date: {effective_on.isoformat()} is more than a day ahead of today ({today.isoformat()}); "
            "record a change once it is true",
            field="effective_on",
        )


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
    evidence: str | None = None  # for "complete": what shows it is done (kept as evidence)
    progress: int | None = None  # for "reopen": how far the action really is (below 100)
    source: str = "cli"  # for "reopen" with a figure: where it came from (as UpdateProgress.source)


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


@dataclass(frozen=True)
class ApproveChange:
    """Accept the pending claim of ``kind`` (None: the only one pending). ``claim`` is the claim's
    version as the decider saw it, so a claim replaced meanwhile is not approved unseen."""

    kind: str | None = None
    comment: str | None = None
    claim: int | None = None


@dataclass(frozen=True)
class RejectChange:
    """Refuse the pending claim of ``kind``; the reason is required and goes to the claimant."""

    reason: str | None
    kind: str | None = None
    claim: int | None = None


ActionCommand = UpdateProgress | AddNote | AddSubActionNote | ChangeLifecycle | ReviseDueDate | ChangeOwners | ApproveChange | RejectChange
