"""``verify --read-models``: fold the events afresh into scratch tables and compare them with the
live views, naming the first row that differs.

The live views are what every query, report and reminder reads; nothing in the chain protects
them, so a changed row there would print a false status under a valid seal. Folding the events
again (into a scratch space, as a rebuild does) and comparing row by row closes that gap.

For one plan (what a committee report checks before it prints its seal) only that plan's
streams are folded: its own, its actions' and the reminders raised about them. Whether an
event belongs to the plan is read from the events themselves, not from the views under test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import ApplicationRecorder, Mapper
from sqlalchemy import Connection, Table, text

from domain.ids import plan_id
from projections import tables as t
from projections.decoding import plaintext
from projections.projector import Projector
from projections.scratch import Scratch, scratch_space

ACTION_ADDED = "plantrail:Action.ActionAdded"
REMINDER_RAISED = "plantrail:Reminder.ReminderRaised"
ACTION_ROWS = "action_id IN (SELECT id FROM {prefix}view_actions WHERE plan_code = :plan)"

# Per table, the rows that belong to one plan (``{prefix}`` names the side being read).
PLAN_ROWS: dict[str, str] = {
    "view_plans": "code = :plan",
    "view_priorities": "plan_code = :plan",
    "view_committee_dates": "plan_code = :plan",
    "view_actions": "plan_code = :plan",
    "view_action_owners": ACTION_ROWS,
    "view_sub_actions": ACTION_ROWS,
    "view_notes": ACTION_ROWS,
    "view_action_texts": ACTION_ROWS,
    "view_action_states": "plan_code = :plan",
    "view_events": "plan_code = :plan",
    "view_reminders": "plan_code = :plan",
    "view_sign_off_settings": "plan_code = :plan",
    "view_claims": "plan_code = :plan",
    "view_person_roles": "plan_code = :plan",  # the plan's clerks (admins and viewers belong to no plan)
}


@dataclass(frozen=True)
class Difference:
    table: str
    live_row: dict[str, Any] | None  # the first row only the live views have
    fresh_row: dict[str, Any] | None  # the first row only the fresh fold has

    def describe(self) -> str:
        if self.live_row and self.fresh_row:
            return f"{self.table}: the live views have {self.live_row}, the events give {self.fresh_row}"
        if self.live_row:
            return f"{self.table}: the live views have {self.live_row}, which the events do not give"
        return f"{self.table}: the events give {self.fresh_row}, which the live views lack"

    def as_dict(self) -> dict[str, Any]:
        return {"table": self.table, "live_row": self.live_row, "fresh_row": self.fresh_row, "description": self.describe()}


def compare(projector: Projector, *, plan_code: str | None = None) -> Difference | None:
    """The first difference between the live views and the events folded afresh, or None.

    The fresh fold reads up to the position the live views have reached. It does not stop at
    events that no longer match their chain links (``verify`` reports those): the question here
    is only whether the views say what the events say."""
    upto = projector.position()
    only = _plan_streams(projector.recorder, projector.mapper, plan_code, upto) if plan_code else None
    with scratch_space(projector.engine) as space:
        projector.fold_into(space, upto, accepted=range(upto + 1), only=only)
        return _first_difference(space, plan_code)


def _plan_streams(recorder: ApplicationRecorder, mapper: Mapper, plan_code: str, upto: int) -> frozenset[UUID | str]:
    """The plan's own stream, its actions' and its reminders', judged from the events."""
    streams: set[UUID | str] = {plan_id(plan_code)}
    position = 0
    while page := recorder.select_notifications(
        start=position, limit=10_000, stop=upto, inclusive_of_start=False, topics=(ACTION_ADDED, REMINDER_RAISED)
    ):
        for n in page:
            if orjson.loads(plaintext(mapper, n)).get("plan_code") == plan_code:
                streams.add(n.originator_id)
        position = page[-1].id
    return frozenset(streams)


def _columns(table: Table, plan_scoped: bool) -> list[str]:
    skip = set()
    if table is t.action_states:
        skip.add("id")  # a surrogate key: numbered differently by a fold with other page breaks
    if table is t.events and plan_scoped:
        skip.add("time_flag")  # compares with the event stored before, which may be another plan's
    return [c.name for c in table.columns if c.name not in skip]


def _first_difference(space: Scratch, plan_code: str | None) -> Difference | None:
    tables = [table for table in t.VIEW_TABLES if plan_code is None or table.name in PLAN_ROWS]
    with space.attached() as (conn, scratch_prefix):
        live_prefix = "main." if conn.dialect.name == "sqlite" else ""
        for table in tables:
            live_only = _only_in(conn, table, live_prefix, scratch_prefix, plan_code)
            fresh_only = _only_in(conn, table, scratch_prefix, live_prefix, plan_code)
            if live_only or fresh_only:
                return Difference(table.name, live_only, fresh_only)
    return None


def _only_in(conn: Connection, table: Table, side: str, other: str, plan_code: str | None) -> dict[str, Any] | None:
    columns = _columns(table, plan_code is not None)
    listed = ", ".join(columns)

    def rows_of(prefix: str) -> str:
        conditions = []
        if plan_code is not None:
            conditions.append(PLAN_ROWS[table.name].format(prefix=prefix))
        if table is t.action_states:
            # A state both opened and closed at one instant was never visible: whether the fold
            # writes it depends on where its pages broke, so it is not part of the state.
            conditions.append("recorded_from < recorded_to")
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        return f"SELECT {listed} FROM {prefix}{table.name}{where}"

    keys = ", ".join(c.name for c in table.primary_key.columns if c.name in columns) or listed
    sql = f"SELECT * FROM ({rows_of(side)} EXCEPT {rows_of(other)}) AS only_here ORDER BY {keys} LIMIT 1"
    row = conn.execute(text(sql), {"plan": plan_code} if plan_code is not None else {}).mappings().first()
    return {k: _plain(v) for k, v in row.items()} if row else None


def _plain(value: Any) -> Any:
    return value if value is None or isinstance(value, int | float | str) else str(value)
