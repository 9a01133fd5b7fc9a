"""Raising reminders and recording the ones that could not be delivered, once, whoever tries.

Reminders are their own streams (``domain.reminder``), keyed by what they are about, so these
use cases lean on the event store's refusal of a second stream with the same id instead of any
lock: two sweeps in two processes can run them at the same time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from domain.reminder import Reminder, reminder_id

if TYPE_CHECKING:
    from domain.application import PlanTrail


def raise_reminders(app: PlanTrail, specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Raise each reminder (keyword arguments of ``Reminder.raise_for``) unless its key was raised
    before; return the specs this call raised.

    One batch save is tried first; if any key already exists (another process got there), each
    is saved alone so that the rest still go through. Aggregates are rebuilt for the retry
    because a failed save has already drained their pending events.
    """
    if not specs:
        return []
    try:
        app.save(*[Reminder.raise_for(**spec) for spec in specs])
        return list(specs)
    except IntegrityError:
        raised = []
        for spec in specs:
            try:
                app.save(Reminder.raise_for(**spec))
                raised.append(spec)
            except IntegrityError:
                continue
        return raised


def record_undeliverable(app: PlanTrail, entries: Iterable[tuple[str, str, str]], *, actor: str, effective_on: date) -> int:
    """Record on each reminder (by key) that it could not reach a recipient, and why: entries
    are (reminder key, recipient, reason). Once per reminder and recipient, whoever tries; an
    unknown key is passed over. Returns how many were recorded by this call.

    One batch save first; if another process recorded some of them meanwhile, each is retried
    on fresh state and those already recorded are left alone."""
    wanted = list(entries)
    loaded: dict[UUID, Reminder] = {}
    recorded = 0
    for key, recipient, reason in wanted:
        reminder = loaded.get(reminder_id(key))
        if reminder is None:
            try:
                reminder = loaded[reminder_id(key)] = app.repository.get(reminder_id(key))
            except AggregateNotFoundError:
                continue
        if recipient not in reminder.undeliverable:
            reminder.mark_undeliverable(recipient, reason=reason, actor=actor, effective_on=effective_on)
            recorded += 1
    if not recorded:
        return 0
    try:
        app.save(*loaded.values())
        return recorded
    except IntegrityError:
        return sum(
            _mark_once(app, key, recipient, reason, actor=actor, effective_on=effective_on)
            for key, recipient, reason in wanted
            if app.exists(reminder_id(key))
        )


def _mark_once(app: PlanTrail, key: str, recipient: str, reason: str, *, actor: str, effective_on: date) -> bool:
    """Record one, on fresh state, retrying on a concurrent write; False if it was already recorded."""
    made = [False]

    def load() -> Reminder:
        return app.repository.get(reminder_id(key))

    def mark(reminder: Reminder) -> None:
        made[0] = recipient not in reminder.undeliverable
        if made[0]:
            reminder.mark_undeliverable(recipient, reason=reason, actor=actor, effective_on=effective_on)

    app._change(load, mark)
    return made[0]
