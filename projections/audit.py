"""The audit trail: who changed what, when, why — filtered in SQL over ``view_events``."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, select

from projections import tables as t
from projections.queries import iso, utc, utc_iso

# An entry recorded more than this long after the date it is true is flagged as backdated.
BACKDATED_AFTER_DAYS = 7


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def history(
    engine: Engine,
    *,
    originator_id: str | None = None,
    plan_code: str | None = None,
    action_code: str | None = None,
    since: date | None = None,
    until: date | None = None,
    actor: str | None = None,
    event_type: str | None = None,
    axis: str = "effective",
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Every matching event, oldest first on the chosen axis (``effective`` or ``recorded``);
    ``limit`` and ``offset`` page through them."""
    e = t.events
    query = select(e)
    if originator_id is not None:
        query = query.where(e.c.originator_id == originator_id)
    if plan_code is not None:
        query = query.where(e.c.plan_code == plan_code)
    if action_code is not None:
        query = query.where(e.c.action_code == action_code)
    if actor is not None:
        query = query.where(e.c.actor == actor)
    if event_type is not None:
        query = query.where(e.c.type == event_type)
    if axis == "effective":
        if since is not None:
            query = query.where(e.c.effective_on >= since)
        if until is not None:
            query = query.where(e.c.effective_on <= until)
        query = query.order_by(e.c.effective_on, e.c.position)
    elif axis == "recorded":
        if since is not None:
            query = query.where(e.c.recorded_at >= _day_start(since))
        if until is not None:
            query = query.where(e.c.recorded_at < _day_start(until + timedelta(days=1)))
        query = query.order_by(e.c.position)
    else:
        raise ValueError(f"axis: must be effective or recorded, got {axis!r}")
    if limit is not None:
        query = query.limit(limit).offset(offset)
    with engine.connect() as conn:
        return [entry(row) for row in conn.execute(query).mappings()]


def entry(row: Any) -> dict[str, Any]:
    recorded = utc(row["recorded_at"])
    late_by = (recorded.date() - row["effective_on"]).days
    return {
        "position": row["position"],
        "aggregate": row.get("aggregate"),
        "version": row.get("version"),
        "type": row["type"],
        "plan": row["plan_code"],
        "action": row["action_code"],
        "subject": row["subject"],
        "actor": row["actor"],
        "effective_on": iso(row["effective_on"]),
        "recorded_at": utc_iso(recorded),
        "reason": row["reason"],
        "changes": json.loads(row["changes"]),
        "text": row["text"],
        "backdated": late_by > BACKDATED_AFTER_DAYS,
        "recorded_days_after_effective": late_by,
    }


HISTORY_CSV_COLUMNS = [
    "position",
    "type",
    "plan",
    "action",
    "subject",
    "actor",
    "effective_on",
    "recorded_at",
    "reason",
    "changes",
    "text",
    "backdated",
]

# A cell starting with one of these is run as a formula by spreadsheet programs.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """Rows as CSV, nested values as JSON, and text that a spreadsheet would run defused."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue()
