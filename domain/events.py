"""The fields every plantrail event carries."""

from __future__ import annotations

from datetime import date

from eventsourcing.domain import Aggregate


class RecordedEvent(Aggregate.Event):
    """Who recorded it (``actor``), when it is true in the world (``effective_on``), and why,
    where a person gave a reason. The library's ``timestamp`` is when it was recorded."""

    actor: str
    effective_on: date
    reason: str | None
