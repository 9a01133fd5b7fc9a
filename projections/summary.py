"""The committee's views of a plan: the high-level summary and what changed between two dates."""

from __future__ import annotations

import threading
import weakref
from collections import Counter
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from domain.timeliness import Timeliness
from projections.summary_cache import SummaryCache

if TYPE_CHECKING:  # the summary is on the CLI's quick read path, which loads no SQLAlchemy
    from sqlalchemy import Engine

    from projections.queries import Queries
    from projections.reads import Reads

COUNTED = [(s.value.lower(), s.value) for s in (Timeliness.ALERT, Timeliness.WARNING, Timeliness.OK, Timeliness.COMPLETE)]


def _counts(found: Counter) -> dict[str, int]:
    counts = {key: found.get(label, 0) for key, label in COUNTED}
    if found.get(Timeliness.CANCELLED.value):
        counts["cancelled"] = found[Timeliness.CANCELLED.value]
    return counts


_caches: weakref.WeakKeyDictionary[Reads, SummaryCache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def _cache(queries: Reads) -> SummaryCache:
    with _caches_lock:
        found = _caches.get(queries)
        if found is None:
            found = _caches[queries] = SummaryCache(queries.connect)
        return found


def summary(queries: Reads, plan_code: str, *, as_at: date, known_at: datetime | None = None) -> dict[str, Any]:
    """Per strategic priority, how many actions are alert, warning, ok, complete (and cancelled).
    Remembered while provably true (``projections/summary_cache.py``)."""
    return _cache(queries).get((plan_code, as_at, known_at), lambda: _summary(queries, plan_code, as_at=as_at, known_at=known_at))


def _summary(queries: Reads, plan_code: str, *, as_at: date, known_at: datetime | None) -> dict[str, Any]:
    by_priority = queries.status_counts(plan_code, as_at=as_at, known_at=known_at)
    priorities = [
        {"number": p["number"], "name": p["name"], **_counts(by_priority.get(p["number"], Counter()))}
        for p in queries.priorities(plan_code)
    ]
    if None in by_priority:
        priorities.append({"number": None, "name": "(no priority area)", **_counts(by_priority[None])})
    totals: Counter = sum(by_priority.values(), Counter())
    return {
        "plan": plan_code,
        "as_at": as_at.isoformat(),
        "known_at": known_at.isoformat() if known_at else None,
        "priorities": priorities,
        "totals": _counts(totals),
        # Counted in their approved state above; this many also carry a claim awaiting sign-off.
        "awaiting_sign_off": queries.awaiting_sign_off_count(plan_code, as_at=as_at, known_at=known_at),
    }


def changes(
    queries: Queries, engine: Engine, plan_code: str, *, from_date: date, to_date: date, known_at: datetime | None = None
) -> dict[str, Any]:
    """Per action, what moved between two dates; per priority, how the counts moved."""
    from projections.audit import history

    before = {a["code"]: a for a in queries.actions(plan_code, as_at=from_date, known_at=known_at)}
    after = {a["code"]: a for a in queries.actions(plan_code, as_at=to_date, known_at=known_at)}
    events = history(engine, plan_code=plan_code, since=from_date + timedelta(days=1), until=to_date, event_type="DueDateRevised")
    redates: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        # As known at a moment, a revision recorded after it had not happened yet (the states
        # compared above leave it out too).
        if known_at is not None and datetime.fromisoformat(e["recorded_at"]) > known_at:
            continue
        if e["action"] and e["changes"].get("due_date"):
            redates.setdefault(e["action"], []).append(
                {"on": e["effective_on"], "from": e["changes"]["due_date"][0], "to": e["changes"]["due_date"][1], "reason": e["reason"]}
            )
    moved = []
    for code, now in after.items():
        then = before.get(code)
        item = _action_changes(then, now, redates.get(code, []), from_date)
        if item:
            moved.append(item)
    summary_from = summary(queries, plan_code, as_at=from_date, known_at=known_at)
    summary_to = summary(queries, plan_code, as_at=to_date, known_at=known_at)
    return {
        "plan": plan_code,
        "from": from_date.isoformat(),
        "to": to_date.isoformat(),
        "actions": moved,
        "priorities": _moves_by_priority(summary_from["priorities"], summary_to["priorities"]),
    }


def _moves_by_priority(then: list[dict[str, Any]], now: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows paired by priority number: the "(no priority area)" row is there only on a date
    when such an action exists, so from a date before any was added the lists do not line up
    (paired by place, the row was dropped). Every row of the earlier date is among the later
    date's: priorities are not dated, and an action keeps its priority area once added."""
    then_by = {p["number"]: p for p in then}
    return [_priority_moves(then_by.get(p["number"], {}), p) for p in now]


def _action_changes(
    then: dict[str, Any] | None, now: dict[str, Any], redates: list[dict[str, Any]], from_date: date
) -> dict[str, Any] | None:
    new_notes = [n for n in now["notes"] if date.fromisoformat(n["effective_on"]) > from_date]
    item: dict[str, Any] = {"code": now["code"], "title": now["title"], "priority_area": now["priority_area"]}
    if then is None:
        item["new_action"] = True
        item["status"] = [None, now["status"]]
        item["progress"] = [None, now["progress"]]
    else:
        if then["status"] != now["status"]:
            item["status"] = [then["status"], now["status"]]
        if then["progress"] != now["progress"]:
            item["progress"] = [then["progress"], now["progress"]]
            item["progress_delta"] = now["progress"] - then["progress"]
        if then["owners"] != now["owners"]:
            item["owners"] = [then["owners"], now["owners"]]
        if then["lifecycle"] != now["lifecycle"]:
            item["lifecycle"] = [then["lifecycle"], now["lifecycle"]]
            if now["lifecycle"] == "completed":
                item["completed"] = True
            if now["lifecycle"] == "cancelled":
                item["cancelled"] = True
    if redates:
        item["due_date_revisions"] = redates
        item["slips_since_original"] = now["due_date_revisions"]
        item["original_due_date"] = now["original_due_date"]
    if new_notes:
        item["new_notes"] = new_notes
    # A claim made in the period is news even before it is decided; any change is marked with
    # the claims still awaiting sign-off, so the committee knows what it is not yet seeing.
    claimed = [c for c in now["awaiting_sign_off"] if date.fromisoformat(c["effective_on"]) > from_date]
    if len(item) > 3 or claimed:
        if now["awaiting_sign_off"]:
            item["awaiting_sign_off"] = now["awaiting_sign_off"]
        return item
    return None


def _priority_moves(then: dict[str, Any], now: dict[str, Any]) -> dict[str, Any]:
    keys = [k for k in ("alert", "warning", "ok", "complete", "cancelled") if k in then or k in now]
    return {
        "number": now["number"],
        "name": now["name"],
        **{k: {"from": then.get(k, 0), "to": now.get(k, 0), "moved": now.get(k, 0) - then.get(k, 0)} for k in keys},
    }
