"""Summaries remembered for as long as they are provably true.

A plan's summary as at D is asked for again and again (the dashboard, its chart over the
committee dates, the report) and costs an as-at lookup of every action of the plan (≈250 ms of
CPU for 10,000 actions). Keying it on the projector's position alone makes it useless on a busy
plan: every update moves the position. But most updates cannot change a summary as at D:

- a change to an action effective after D leaves its state as at D as it was (the bitemporal
  table keeps every effective-date range; ``projections/timeline.py``), and
- a reminder changes no state and no claim.

So a summary computed when the read models stood at position P is still true at P' when no
event of the plan in (P, P'] is anything else: a claim (it opens or closes one counted as
awaiting sign-off, whatever its date), a plan event (warning days, priorities), or an action
event effective on or before D. The audit trail (``view_events``) names every projected event
with its plan, type and effective date, in the same transaction as the state rows, so that
question is one range scan over the events since P. Anything the check does not know (another
projector behind the others) computes the summary afresh. An entry made at a later position
than the caller's is served: it only knows more.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, and_, func, not_, or_, select

from projections import tables as t

# Events of these types change which claims await sign-off, whatever their effective date.
CLAIM_EVENTS = ("ChangeSubmitted", "ChangeApproved", "ChangeRejected")
CACHE_SIZE = 256

Key = tuple[str, date, datetime | None]


def read_models_position(engine: Engine) -> int | None:
    """Where the read models stand, or None when the projectors stand at different positions
    (then the audit trail and the state tables may not describe the same events)."""
    with engine.connect() as conn:
        low, high = conn.execute(select(func.min(t.projector_positions.c.position), func.max(t.projector_positions.c.position))).one()
    return low if low is not None and low == high else None


def unchanged_since(engine: Engine, plan_code: str, as_at: date, since: int, until: int) -> bool:
    """True when no event projected in (since, until] can change the plan's summary as at ``as_at``."""
    e = t.events.c
    harmless = or_(
        e.aggregate == "reminder",
        and_(e.aggregate == "action", e.type.not_in(CLAIM_EVENTS), e.effective_on > as_at),
    )
    query = select(e.position).where(e.position > since, e.position <= until, e.plan_code == plan_code, not_(harmless)).limit(1)
    with engine.connect() as conn:
        return conn.execute(query).first() is None


class SummaryCache:
    """(plan, as at, known at) → (position, summary); see the module's docstring for why an
    entry is never stale. Thread-safe: the web app asks from its threadpool."""

    def __init__(self, engine: Engine, size: int = CACHE_SIZE) -> None:
        self.engine = engine
        self.size = size
        self.entries: OrderedDict[Key, tuple[int, dict[str, Any]]] = OrderedDict()
        self.lock = threading.Lock()
        self.guards: dict[Key, threading.Lock] = {}

    def get(self, key: Key, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        position = read_models_position(self.engine)  # before computing: what follows sees at least this
        if position is None:
            return compute()
        found = self._still_true(key, position)
        if found is None:
            # One computation per key at a time: twenty dashboards opened at once on a cold
            # cache would otherwise each compute the same summary, and each wait for the others.
            with self._computing(key):
                found = self._still_true(key, position)  # made meanwhile by another thread?
                if found is None:
                    found = compute()
                    self._keep(key, position, found)
        return copy.deepcopy(found)

    def _still_true(self, key: Key, position: int) -> dict[str, Any] | None:
        """The remembered summary if it holds at ``position`` (or was made later still)."""
        with self.lock:
            entry = self.entries.get(key)
        if entry is None:
            return None
        at, found = entry
        if at >= position:
            return found
        if unchanged_since(self.engine, key[0], key[1], at, position):
            self._keep(key, position, found)
            return found
        return None

    @contextmanager
    def _computing(self, key: Key) -> Iterator[None]:
        with self.lock:
            guard = self.guards.setdefault(key, threading.Lock())
        with guard:
            yield

    def _keep(self, key: Key, position: int, found: dict[str, Any]) -> None:
        with self.lock:
            current = self.entries.get(key)
            if current is not None and current[0] > position:
                return  # another thread has already remembered a later one
            self.entries[key] = (position, found)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                dropped, _ = self.entries.popitem(last=False)
                self.guards.pop(dropped, None)
