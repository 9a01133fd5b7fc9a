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

Plain SQL (``projections.sql``): the summary is on the CLI's quick read path, which loads no
SQLAlchemy.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from projections.sql import Connect, Sql

# Events of these types change which claims await sign-off, whatever their effective date.
CLAIM_EVENTS = ("ChangeSubmitted", "ChangeApproved", "ChangeRejected")
CACHE_SIZE = 256

Key = tuple[str, date, datetime | None]

# Is there an event of the plan in (since, until] that could change its summary as at :as_at?
# By the position range (the primary key), never by the plan's index: "plan_code || ''" keeps
# the planner off it. SQLite chose ix_view_events_plan and read all 80,000 events of the
# benchmark's plan to find the few since: 33 ms on every dashboard after an update, not 0.01.
CHANGED_SINCE = """
SELECT position FROM view_events
WHERE position > :since AND position <= :until AND plan_code || '' = :plan_code
  AND NOT (aggregate = 'reminder' OR (aggregate = 'action' AND type NOT IN (:claims) AND effective_on > :as_at))
LIMIT 1"""


# The events projected in (since, until]: what they are and which action each is about (NULL: none).
TOUCHED_SINCE = """
SELECT aggregate, type, plan_code, action_code FROM view_events
WHERE position > :since AND position <= :until ORDER BY position LIMIT {limit}"""


def touched_since(sql: Sql, since: int, until: int, limit: int = 200) -> list[dict[str, Any]] | None:
    """The events projected in (since, until], each as its aggregate, type, plan and action
    code; None when there are more than ``limit`` (an import: cheaper to start afresh)."""
    rows = sql.all(TOUCHED_SINCE.format(limit=int(limit) + 1), since=since, until=until)
    return None if len(rows) > limit else rows


def read_models_position(sql: Sql) -> int | None:
    """Where the read models stand, or None when the projectors stand at different positions
    (then the audit trail and the state tables may not describe the same events)."""
    row = sql.first("SELECT MIN(position) AS low, MAX(position) AS high FROM projector_positions")
    return row["low"] if row is not None and row["low"] is not None and row["low"] == row["high"] else None


def unchanged_since(sql: Sql, plan_code: str, as_at: date, since: int, until: int) -> bool:
    """True when no event projected in (since, until] can change the plan's summary as at ``as_at``."""
    found = sql.first(CHANGED_SINCE, since=since, until=until, plan_code=plan_code, claims=CLAIM_EVENTS, as_at=as_at)
    return found is None


class SummaryCache:
    """(plan, as at, known at) → (position, summary); see the module's docstring for why an
    entry is never stale. Thread-safe: the web app asks from its threadpool."""

    def __init__(self, connect: Connect, size: int = CACHE_SIZE) -> None:
        self.connect = connect
        self.size = size
        self.entries: OrderedDict[Key, tuple[int, dict[str, Any]]] = OrderedDict()
        self.lock = threading.Lock()
        self.guards: dict[Key, threading.Lock] = {}

    def get(self, key: Key, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        with self.connect() as sql:
            position = read_models_position(sql)  # before computing: what follows sees at least this
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
        with self.connect() as sql:
            holds = unchanged_since(sql, key[0], key[1], at, position)
        if holds:
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
