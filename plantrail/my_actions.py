"""'My actions': every action a person owns, in any plan, and a memory of it per person.

The page is asked for far more often than a person's actions change, and computing it costs a
dozen queries (what they own, each action as at today, the latest reminders, the update round).
So the rows are remembered per person at the read models' position P. At P' the events
projected in (P, P'] say what can have changed (the audit trail, ``view_events``, names each
event's plan and action, written in the same transaction as the state rows):

- an event on one of the person's actions, or a reminder about one, changes that row only: it
  is read again, alone;
- an event on an action they do not own changes nothing, unless it adds an action or changes
  owners (then they may own another one): everything is read again;
- any other event (a plan's committee dates or warning window, a person, an import of more
  events than is worth sorting through), a new day in a plan's time zone, or read models that
  stand at different positions: everything is read again.

So an owner who records an update and comes back to My actions pays for one row, not sixty.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.rounds import UpdateRound
from plantrail.rounds import due_order, plan_round
from plantrail.services import Services
from projections.summary_cache import read_models_position, touched_since
from scheduler.policy import ReminderPolicy

# Action events that can give a person an action they did not own before.
OWNERSHIP_EVENTS = ("ActionAdded", "OwnersChanged")
CACHE_SIZE = 1024

Row = dict[str, Any]
PolicyFor = Callable[[str], ReminderPolicy]


@dataclass(frozen=True)
class Known:
    """What a row read again can take from the remembered rows of its plan: the update round
    (only a plan event or a new day changes it, and either reads everything again) and, when no
    reminder came since, each action's latest reminder."""

    round: UpdateRound | None
    reminders: dict[str, dict[str, Any] | None] | None


def plan_rows(
    services: Services, policy_for: PolicyFor, name: str, plan_code: str, codes: list[str], known: Known | None = None
) -> tuple[date, list[Row]]:
    """The rows of these actions of one plan that ``name`` owns: each as at the plan's today,
    with what the latest reminder asked and whether it was updated since the round opened."""
    today = services.today(plan_code)
    round_ = known.round if known else plan_round(services, policy_for, plan_code, today)
    reminders = known.reminders if known and known.reminders is not None else services.queries.latest_reminders(plan_code, name)
    owned = services.queries.actions(plan_code, as_at=today, owner=name, codes=codes, with_children=False)
    # Only an open round asks when each was last updated (most days none is open).
    last_updates = services.queries.round_updates(plan_code, round_.opens_on, [a["code"] for a in owned]) if round_ else {}
    return today, [
        action
        | {
            "latest_reminder": reminders.get(action["code"]),
            "round": round_,
            "updated_in_round": round_.updated(last_updates.get(action["code"])) if round_ else None,
        }
        for action in owned
    ]


@dataclass
class Remembered:
    position: int
    todays: dict[str, date]  # plan → the day its rows are as at
    rows: dict[tuple[str, str], Row]  # (plan, code) → row


def compute(services: Services, policy_for: PolicyFor, name: str) -> tuple[dict[str, date], dict[tuple[str, str], Row]]:
    owned_now: dict[str, list[str]] = {}
    for plan, code in services.queries.owned_action_refs(name):
        owned_now.setdefault(plan, []).append(code)
    todays, rows = {}, {}
    for plan_code in sorted(owned_now):
        todays[plan_code], found = plan_rows(services, policy_for, name, plan_code, owned_now[plan_code])
        rows.update({(plan_code, row["code"]): row for row in found})
    return todays, rows


class MyActionsCache:
    """Person → their rows at a read-model position; see the module's docstring for why a row
    served from here is as true as one read afresh. Thread-safe (the web's threadpool)."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self.entries: OrderedDict[str, Remembered] = OrderedDict()
        self.lock = threading.Lock()

    def rows(self, services: Services, policy_for: PolicyFor, name: str) -> list[Row]:
        with services.queries.connect() as sql:
            position = read_models_position(sql)  # before reading: what follows sees at least this
            with self.lock:
                entry = self.entries.get(name)
            stale = self._stale_rows(sql, services, entry, position)
        if entry is None or position is None or stale is None:
            todays, rows = compute(services, policy_for, name)
        else:
            todays, rows = entry.todays, dict(entry.rows)
            for plan_code, (codes, reminded) in stale.items():
                before = [entry.rows[(plan_code, code)] for code in codes]
                kept = None if reminded else {row["code"]: row["latest_reminder"] for row in before}
                _, found = plan_rows(services, policy_for, name, plan_code, codes, Known(before[0]["round"], kept))
                rows.update({(plan_code, row["code"]): row for row in found})
        if position is not None:
            with self.lock:
                current = self.entries.get(name)
                if current is None or current.position <= position:
                    self.entries[name] = Remembered(position, todays, rows)
                    self.entries.move_to_end(name)
                    while len(self.entries) > self.size:
                        self.entries.popitem(last=False)
        return sorted((dict(row) for row in rows.values()), key=due_order)

    @staticmethod
    def _stale_rows(
        sql: Any, services: Services, entry: Remembered | None, position: int | None
    ) -> dict[str, tuple[list[str], bool]] | None:
        """Per plan, the codes of the remembered rows to read again and whether a reminder came
        among the events; None: read everything."""
        if entry is None or position is None or position < entry.position:
            return None
        if any(services.today(plan_code) != day for plan_code, day in entry.todays.items()):
            return None
        if position == entry.position:
            return {}
        events = touched_since(sql, entry.position, position)
        if events is None:
            return None
        stale: dict[str, tuple[list[str], bool]] = {}
        for event in events:
            plan_code, code = event["plan_code"], event["action_code"]
            if event["aggregate"] not in ("action", "reminder") or code is None:
                return None
            if event["aggregate"] == "action" and event["type"] in OWNERSHIP_EVENTS:
                return None
            if (plan_code, code) in entry.rows:
                codes, reminded = stale.get(plan_code, ([], False))
                stale[plan_code] = (codes if code in codes else [*codes, code], reminded or event["aggregate"] == "reminder")
        return stale


def my_actions(services: Services, policy_for: PolicyFor, name: str, cache: MyActionsCache | None = None) -> list[Row]:
    """Every action the person owns, in any plan: overdue first, then due soonest, with what the
    latest reminder asked and whether it was updated since the plan's update round opened.
    ``cache``: remembered between calls (the web app keeps one)."""
    if cache is not None:
        return cache.rows(services, policy_for, name)
    _, rows = compute(services, policy_for, name)
    return sorted(rows.values(), key=due_order)
