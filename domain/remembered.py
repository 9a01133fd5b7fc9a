"""Aggregates remembered between commands, brought up to date from the store on every load.

Every web update loads its plan (for the sign-off setting) and its action; replaying each from
its first event cost about 0.3 ms of CPU for 8 events and grows with the history (≈36 µs an
event on PostgreSQL). Remembered, a load asks the store for the events after the remembered
version (the one query a replay asks too) and applies only those, so it is exactly as current
as a replay, whichever process wrote them.

The library's own cache (``AGGREGATE_CACHE_MAXSIZE``) fast-forwards the cached object in place
and copies it after releasing its lock, so one thread can copy an aggregate while another
applies an event to it. Here a remembered aggregate is never changed: a newer one replaces it.
"""

from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

from eventsourcing.application import Repository

Projector = Callable[[Any, Iterable[Any]], Any]


class RememberedAggregates:
    """The latest ``size`` aggregates loaded, by id (least recently loaded forgotten first)."""

    def __init__(self, repository: Repository, projector: Projector, size: int = 500) -> None:
        self.repository = repository
        self.projector = projector
        self.size = size
        self._entries: OrderedDict[UUID, Any] = OrderedDict()
        self._lock = threading.Lock()  # held for dictionary work only, never across a query

    def get(self, aggregate_id: UUID) -> Any:
        """The aggregate as stored now, as a copy the caller may change and save."""
        return _copy(self.peek(aggregate_id))

    def peek(self, aggregate_id: UUID) -> Any:
        """The aggregate as stored now, shared: read it, never change it."""
        with self._lock:
            known = self._entries.get(aggregate_id)
        if known is None:
            current = self.repository.get(aggregate_id, projector_func=self.projector)
        else:
            newer = list(self.repository.event_store.get(originator_id=aggregate_id, gt=known.version))
            if not newer:
                self._touch(aggregate_id)
                return known
            current = self.projector(_copy(known), newer)
        self._remember(aggregate_id, current)
        return current

    def _touch(self, aggregate_id: UUID) -> None:
        with self._lock:
            if aggregate_id in self._entries:
                self._entries.move_to_end(aggregate_id)

    def _remember(self, aggregate_id: UUID, aggregate: Any) -> None:
        with self._lock:
            known = self._entries.get(aggregate_id)
            # Two threads may bring one aggregate up to date at once: the later version stays.
            if known is None or known.version < aggregate.version:
                self._entries[aggregate_id] = aggregate
            self._entries.move_to_end(aggregate_id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


def _copy(aggregate: Any) -> Any:
    """A deep copy. Aggregates are plain data (their state comes from JSON-stored events), and a
    pickle round trip copies an action in half the time ``copy.deepcopy`` takes (measured:
    ≈100 against ≈170 µs for an action of 8 events)."""
    return pickle.loads(pickle.dumps(aggregate, pickle.HIGHEST_PROTOCOL))
