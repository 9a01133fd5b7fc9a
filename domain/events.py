"""The fields every plantrail event carries."""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.domain import Aggregate


class RecordedEvent(Aggregate.Event):
    """Who recorded it (``actor``), when it is true in the world (``effective_on``), and why,
    where a person gave a reason. The library's ``timestamp`` is when it was recorded.

    Every event class has a ``class_version`` (1 unless it says otherwise). A change to an
    event's fields raises its version and adds a static ``upcast_vN_vM(state)`` that turns a
    stored state of version N into one of version M: the library applies it when it loads an
    aggregate, and the projector through ``upcast`` below, so old history keeps loading.

    An event written by an import also stores ``source: "import"`` (``domain.importing.
    mark_imported``), which no command reads and the audit trail shows as "from import"."""

    class_version = 1

    actor: str
    effective_on: date
    reason: str | None


def upcast(event_class: type, state: dict[str, Any]) -> dict[str, Any]:
    """Bring a stored event state up to its class's version, exactly as the library's mapper does
    when it loads an aggregate (``Mapper.to_domain_event``): the same ``class_version`` key and
    the same ``upcast_vN_vM`` methods, so the projector and the aggregates never disagree."""
    version = state.pop("class_version", 1)
    target = getattr(event_class, "class_version", 1)
    while version < target:
        getattr(event_class, f"upcast_v{version}_v{version + 1}")(state)
        version += 1
    return state
