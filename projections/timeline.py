"""The bitemporal state table: each action's state on both time axes.

Each row holds an action's state from an effective date ``valid_from`` onward, until the next
row's ``valid_from`` among the rows believed at the same time, as the system believed it over
a recorded-time range [recorded_from, recorded_to). "As at D, as known at T" is the visible row
(recorded_from <= T < recorded_to) with the latest valid_from <= D: one indexed lookup per
action. Rows are never edited except to close their recorded range, so every T stays answerable.

An event dated after everything the action already holds (the usual case) adds one row and
touches none: the row before it still holds until the new row's date, as the lookup reads it.
(An earlier layout kept an explicit valid_to, and so closed the head and re-inserted its
shortened copy for each change: three row writes per change instead of one, and twice the
rows.) A change on the head's own date closes the head; a backdated event refolds only that
action's own events, closes the rows from its date onward and adds the refolded ones.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Date, and_, func, select

from projections import tables as t
from projections.action_fold import ACTION_ADDED, FOLDS, STATE_FIELDS, State, fold
from projections.bulk import bulk_insert_rows, bulk_update_where, date_text, datetime_text

FOREVER_TIME = datetime(9999, 12, 31, tzinfo=UTC)


def is_head(action_id: Any) -> Any:
    """The condition on ``view_action_states`` that picks the head of the action ``action_id``
    (a column): of the rows believed now, the one with the latest valid_from."""
    s = t.action_states
    s2 = s.alias("s2")
    latest = select(func.max(s2.c.valid_from)).where(s2.c.action_id == action_id, s2.c.recorded_to == FOREVER_TIME)
    return and_(s.c.action_id == action_id, s.c.recorded_to == FOREVER_TIME, s.c.valid_from == latest.scalar_subquery())


LoadEvents = Callable[[str, int], list[tuple[str, dict[str, Any]]]]  # (action id, up to version) -> (topic, state)


class Timelines:
    """Maintains ``view_action_states`` for one page, inside the caller's transaction."""

    def __init__(self, conn: Connection, load_events: LoadEvents) -> None:
        self.conn = conn
        self.load_events = load_events
        self.heads: dict[str, dict[str, Any]] = {}
        self.pending: list[dict[str, Any]] = []
        self.closures: list[dict[str, Any]] = []

    # ----- loading ------------------------------------------------------------------------

    def adopt_head(self, row: Any, prefix: str) -> dict[str, Any]:
        """Take an action's head from a row that carries its columns named ``prefix`` + column:
        read with the action's own row (``projections.current_state.ACTIONS_WITH_HEADS``, one
        query for both), and only through it; return it."""
        head = self.heads[row[f"{prefix}action_id"]] = _from_db(row, prefix)
        return head

    def _current_rows(self, action_id: str) -> list[dict[str, Any]]:
        s = t.action_states
        query = select(s).where(s.c.action_id == action_id, s.c.recorded_to == FOREVER_TIME).order_by(s.c.valid_from)
        return [_from_db(row) for row in self.conn.execute(query).mappings()]

    # ----- applying -----------------------------------------------------------------------

    def apply(self, action_id: str, plan_code: str, topic: str, s: dict[str, Any]) -> tuple[State | None, State, State]:
        """Apply one event; return (state before it, state after it, the action's state now)."""
        on, recorded = s["effective_on"], s["timestamp"]
        if topic == ACTION_ADDED:
            state = fold(None, topic, s)
            self.heads[action_id] = self._insert(action_id, plan_code, on, recorded, state)
            return None, state, state
        head = self.heads[action_id]
        if on < head["valid_from"]:
            return self._backdate(action_id, plan_code, s["originator_version"], on, recorded)
        before = head["state"]
        after = fold(before, topic, s)
        # A state event that changes nothing still starts a row on its date: an event later
        # backdated before it must refold (a completion on the 27th reapplies after progress
        # recorded later for the 12th), and only a row starting on the 27th sends it there.
        if after != before or (topic in FOLDS and on > head["valid_from"]):
            if on == head["valid_from"]:
                self._close(head, recorded)
            self.heads[action_id] = self._insert(action_id, plan_code, on, recorded, after)
        return before, after, after

    def _backdate(self, action_id: str, plan_code: str, version: int, on: date, recorded: datetime) -> tuple[State | None, State, State]:
        self.flush()  # so the rows read below include this page's earlier changes
        events = self.load_events(action_id, version)
        segments, before, after = _refold(events, version)
        effective_from = max(on, segments[0][0])
        # Rows from that date on are superseded; those before it still hold until it.
        for row in self._current_rows(action_id):
            if row["valid_from"] >= effective_from:
                self._close(row, recorded)
        covering = max(i for i, (start, _) in enumerate(segments) if start <= effective_from)
        for start, state in [(effective_from, segments[covering][1]), *segments[covering + 1 :]]:
            row = self._insert(action_id, plan_code, start, recorded, state)
        self.heads[action_id] = row
        return before, after, row["state"]

    # ----- rows ---------------------------------------------------------------------------

    def _insert(self, action_id: str, plan_code: str, start: date, recorded: datetime, state: State) -> dict[str, Any]:
        row = {
            "action_id": action_id,
            "plan_code": plan_code,
            "valid_from": start,
            "recorded_from": recorded,
            "recorded_to": FOREVER_TIME,
            "state": state,
            "persisted": False,
        }
        self.pending.append(row)
        return row

    def _close(self, row: dict[str, Any], recorded: datetime) -> None:
        row["recorded_to"] = recorded
        if row["persisted"]:
            self.closures.append({"recorded_to": recorded, "action_id": row["action_id"], "valid_from": row["valid_from"]})

    def flush(self) -> None:
        # Closures first: they match rows still open, which must not include the new ones.
        bulk_update_where(
            self.conn,
            t.action_states,
            {"recorded_to"},
            ("action_id", "valid_from"),
            self.closures,
            extra_where={"recorded_to": FOREVER_TIME},
        )
        as_text = self.conn.dialect.name == "sqlite"
        rows = [_to_db(row, as_text) for row in self.pending if row["recorded_from"] < row["recorded_to"]]
        bulk_insert_rows(self.conn, t.action_states, _STATE_COLUMNS, rows, converted=True)
        for row in self.pending:
            row["persisted"] = True
        self.pending, self.closures = [], []


def _refold(events: list[tuple[str, dict[str, Any]]], version: int) -> tuple[list[tuple[date, State]], State | None, State]:
    """Fold an action's events in effective-date order (recorded order breaks ties).

    Returns the segments (start date, state from then on), and the state just before and just
    after the event with ``version``. An event dated before the action was added takes effect on
    the day it was added.
    """
    added_on = events[0][1]["effective_on"]
    ordered = sorted(events, key=lambda e: (e[0] != ACTION_ADDED, max(e[1]["effective_on"], added_on), e[1]["originator_version"]))
    segments: list[tuple[date, State]] = []
    state: State | None = None
    before: State | None = None
    after: State | None = None
    for topic, s in ordered:
        previous = state
        state = fold(state, topic, s)
        if s["originator_version"] == version:
            before, after = previous, state
        start = max(s["effective_on"], added_on)
        if segments and segments[-1][0] == start:
            segments[-1] = (start, state)
        elif not segments or segments[-1][1] != state or topic in FOLDS:  # see apply: a no-op state event keeps its row
            segments.append((start, state))
    assert after is not None
    return segments, before, after


_SCALARS = [name for name in STATE_FIELDS if name != "owners"]
_STATE_COLUMNS = ["action_id", "plan_code", "valid_from", "recorded_from", "recorded_to", *_SCALARS, "owners"]
_STATE_DATES = [_SCALARS.index(name) for name in _SCALARS if isinstance(t.action_states.c[name].type, Date)]


def _to_db(row: dict[str, Any], as_text: bool) -> tuple[Any, ...]:
    """The row as a tuple in _STATE_COLUMNS' order; ``as_text``: its dates as SQLite stores them."""
    state = row["state"]
    values = [state[name] for name in _SCALARS]
    valid_from, recorded_from, recorded_to = row["valid_from"], row["recorded_from"], row["recorded_to"]
    if as_text:
        for index in _STATE_DATES:
            values[index] = date_text(values[index])
        valid_from, recorded_from, recorded_to = date_text(valid_from), datetime_text(recorded_from), datetime_text(recorded_to)
    return (row["action_id"], row["plan_code"], valid_from, recorded_from, recorded_to, *values, orjson.dumps(state["owners"]).decode())


def _from_db(row: Any, prefix: str = "") -> dict[str, Any]:
    state = {name: row[prefix + name] for name in STATE_FIELDS if name != "owners"}
    state["owners"] = orjson.loads(row[f"{prefix}owners"])
    recorded_from = row[f"{prefix}recorded_from"]
    if recorded_from.tzinfo is None:  # SQLite returns naive UTC
        recorded_from = recorded_from.replace(tzinfo=UTC)
    return {
        "action_id": row[f"{prefix}action_id"],
        "plan_code": row[f"{prefix}plan_code"],
        "valid_from": row[f"{prefix}valid_from"],
        "recorded_from": recorded_from,
        "recorded_to": FOREVER_TIME,
        "state": state,
        "persisted": True,
    }


assert set(_STATE_COLUMNS) == {c.name for c in t.action_states.columns} - {"id"}
