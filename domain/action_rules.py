"""The rules an action's values must keep, apart from the aggregate so any door can check early.

Lifecycle names, priorities, where a progress figure came from, and the checks on a figure, a
priority and a reason. ``domain.action`` uses them in its commands; importers and forms may call
them to report a bad value before anything is built.
"""

from __future__ import annotations

from domain.errors import BadInputError, EvidenceRequiredError, InvalidProgressError, ReasonRequiredError
from domain.text import TEXT_MAX, checked_text, clipped

OPEN = "open"
COMPLETED = "completed"
CANCELLED = "cancelled"
ON_HOLD = "on_hold"
PRIORITIES = ("High", "Medium", "Low")
# Where a progress figure came from: typed at the command line, a web form, an import, a spreadsheet.
SOURCES = ("cli", "web", "import", "sheet")
# The source every event an import writes stores (``domain.importing.mark_imported``).
FROM_IMPORT = "import"


def checked_progress(value: object) -> int:
    # bool is an int subclass; True must not sneak in as 1 %.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidProgressError(f"progress: must be a whole number from 0 to 100, got {clipped(value)}")
    if not 0 <= value <= 100:
        raise InvalidProgressError(f"progress: must be from 0 to 100, got {value}")
    return value


def checked_priority(value: object) -> str | None:
    """High, Medium or Low; None where the plan never set one (Covalent leaves some blank)."""
    if value is None:
        return None
    if not isinstance(value, str) or value.strip().capitalize() not in PRIORITIES:
        raise BadInputError(f"priority: must be one of {', '.join(PRIORITIES)}, got {clipped(value)}")
    return value.strip().capitalize()


def required_reason(reason: object, what: str) -> str:
    if reason is None or (isinstance(reason, str) and not reason.strip()):
        raise ReasonRequiredError(f"reason: a reason is required to {what}")
    return checked_text("reason", reason, max_length=TEXT_MAX)


def required_evidence(evidence: object) -> str:
    """What shows a completion is done, required of a person completing an action (or claiming
    it). Checked at the door every entry point goes through (``PlanTrail.handle``), not on the
    aggregate: an import replays a history as the file states it, and an old completion
    without evidence must keep loading."""
    if evidence is None or (isinstance(evidence, str) and not evidence.strip()):
        raise EvidenceRequiredError(
            "evidence: say what shows the action is done (a document, a decision, a figure) to complete it", field="evidence"
        )
    return checked_text("evidence", evidence, max_length=TEXT_MAX)
