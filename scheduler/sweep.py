"""One sweep: decide what is due as of a day, raise it (once, enforced by the store), and hand
the digests to the outbox. Safe to run any number of times, from any number of processes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

from jinja2 import Environment
from sqlalchemy import Engine, insert, select, text

from domain.application import PlanTrail
from domain.errors import BadInputError
from domain.reminder_use_cases import raise_reminders
from notifications.links import LinkMaker
from notifications.outbox import Outbox
from scheduler import facts, sign_off
from scheduler import tables as st
from scheduler.enqueue import SCHEDULER_ACTOR, enqueue_pending
from scheduler.policy import DueReminder, ReminderPolicy, due_reminders, round_opened_since
from scheduler.sign_off import SignOffFacts

__all__ = [
    "CHASE_QUIET",
    "SCHEDULER_ACTOR",
    "SweepContext",
    "SweepOutcome",
    "due_now",
    "enqueue_pending",
    "not_just_chased",
    "raise_due",
    "reminder_spec",
    "sweep",
    "swept_on",
]

log = logging.getLogger("plantrail.sweep")

# Advisory locks are per database, not per schema: the key includes the schema, so two plantrail
# stores in one database (or two test runs) never skip each other's sweeps.
SWEEP_LOCK = "hashtextextended('plantrail-sweep:' || coalesce(current_schema(), ''), 0)"

# How long after a clerk's chase the sweep leaves the chased owners be (``not_just_chased``).
CHASE_QUIET = timedelta(days=1)


@dataclass
class SweepOutcome:
    as_of: date
    sweep_id: str
    due: list[DueReminder] = field(default_factory=list)
    raised: list[str] = field(default_factory=list)
    already_raised: int = 0
    messages: int = 0
    undeliverable: int = 0  # (reminder, recipient) pairs recorded as undeliverable
    failed_plans: dict[str, str] = field(default_factory=dict)  # plan code -> why it could not be swept
    skipped: str | None = None  # why nothing was done (another instance holds the sweep)


@dataclass
class SweepContext:
    """What a sweep needs, wired by the composition root."""

    app: PlanTrail
    engine: Engine
    catch_up: Callable[[], object]
    outbox: Outbox
    templates: Environment
    mail_from: str
    policy_for: Callable[[str], ReminderPolicy] = lambda plan_code: ReminderPolicy()
    admin_email: str | None = None  # who hears about reminders that cannot be delivered
    links: LinkMaker | None = None  # where digests link to; None: they say how to get an action updated


@contextmanager
def sweep_lock(engine: Engine) -> Iterator[bool]:
    """On PostgreSQL, one instance sweeps at a time; the others skip (the keys would stop
    duplicates anyway, this only saves the work). SQLite serialises writers by itself."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    with engine.begin() as conn:
        yield bool(conn.execute(text(f"SELECT pg_try_advisory_xact_lock({SWEEP_LOCK})")).scalar())


def due_now(ctx: SweepContext, as_of: date, today: date, failed_plans: dict[str, str] | None = None) -> list[DueReminder]:
    """Every reminder due on ``as_of``, recipients by their registered names. A plan that cannot
    be evaluated (a bad per-plan setting, say) is skipped and named in ``failed_plans``."""
    people = facts.directory(ctx.engine)
    managers = people.managers()
    sign_off_shared = SignOffFacts.read(ctx.engine, people)
    due: list[DueReminder] = []
    for plan in facts.plans(ctx.engine, people.canonical):
        try:
            policy = ctx.policy_for(plan.code)
            since = round_opened_since(plan, as_of, policy)
            actions = facts.actions(ctx.engine, plan.code, as_of, current=as_of >= today, canonical=people.canonical, round_since=since)
            claims = sign_off.pending_for_plan(ctx.engine, sign_off_shared, plan.code, as_of)
            due.extend(due_reminders(plan, sign_off.with_pending_claims(actions, claims), managers, as_of, policy))
            due.extend(sign_off.due_for_plan(ctx.engine, sign_off_shared, plan.code, as_of, claims))
        except BadInputError:
            raise  # a setting that cannot be used (plantrail.toml) is the operator's to fix: say so loudly
        except Exception as error:  # one plan's trouble must not stop every other plan's reminders
            log.exception("could not sweep plan %s", plan.code)
            if failed_plans is not None:
                failed_plans[plan.code] = f"{type(error).__name__}: {error}"
    return due


def not_just_chased(ctx: SweepContext, due: list[DueReminder], now: datetime) -> list[DueReminder]:
    """``due`` without the committee-round reminders of actions a clerk chased for the same round
    (the same committee meeting) less than ``CHASE_QUIET`` (a day) before ``now``: chased at
    ``at``, the sweep holds the round's reminder while ``now - at < CHASE_QUIET`` and raises it
    from ``at + CHASE_QUIET`` on (if the owners have still not updated in the round). Only the
    round's reminder waits: the other rules ask for something else."""
    round_reminders = [d for d in due if d.rule == "committee_round"]
    if not round_reminders:
        return due
    chased = facts.last_chases(ctx.engine, min(d.about for d in round_reminders))
    if not chased:
        return due
    moment = now if now.tzinfo else now.replace(tzinfo=UTC)

    def just_chased(d: DueReminder) -> bool:
        at = chased.get((d.plan_code, d.action_code, d.about))
        return d.rule == "committee_round" and at is not None and moment - at < CHASE_QUIET

    return [d for d in due if not just_chased(d)]


def reminder_spec(due: DueReminder, *, sweep_id: str, as_of: date, latest_note: dict[str, Any] | None) -> dict[str, Any]:
    """The keyword arguments of ``Reminder.raise_for`` for a due reminder, raised by the scheduler on ``as_of``."""
    return {
        "key": due.key,
        "rule": due.rule,
        "plan_code": due.plan_code,
        "action_code": due.action_code,
        "about": due.about,
        "period": due.period,
        "recipients": [{"name": name, "role": role} for name, role in due.recipients],
        "details": due.details | {"latest_note": latest_note},
        "sweep_id": sweep_id,
        "actor": SCHEDULER_ACTOR,
        "effective_on": as_of,
    }


def raise_due(ctx: SweepContext, new: list[DueReminder], *, sweep_id: str, as_of: date) -> list[str]:
    """Raise these reminders as events (each once, whoever tries), each action's latest note
    with them; return the keys this call raised. The read models are caught up after."""
    notes: dict[str, dict] = {}
    for plan_code in {d.plan_code for d in new}:
        found = facts.latest_notes(ctx.engine, plan_code, {d.action_code for d in new if d.plan_code == plan_code}, as_of)
        notes.update({f"{plan_code}/{code}": note for code, note in found.items()})
    specs = [reminder_spec(d, sweep_id=sweep_id, as_of=as_of, latest_note=notes.get(f"{d.plan_code}/{d.action_code}")) for d in new]
    raised = [spec["key"] for spec in raise_reminders(ctx.app, specs)]
    ctx.catch_up()
    return raised


def sweep(ctx: SweepContext, *, as_of: date, today: date, now: datetime, dry_run: bool = False) -> SweepOutcome:
    outcome = SweepOutcome(as_of=as_of, sweep_id=f"{as_of.isoformat()}/{uuid4().hex[:12]}")
    with sweep_lock(ctx.engine) as acquired:
        if not acquired:
            outcome.skipped = "another plantrail instance is sweeping"
            return outcome
        ctx.catch_up()
        outcome.due = not_just_chased(ctx, due_now(ctx, as_of, today, outcome.failed_plans), now)
        already = facts.raised_keys(ctx.engine, [d.key for d in outcome.due])
        outcome.already_raised = len(already)
        new = [d for d in outcome.due if d.key not in already]
        if dry_run:
            outcome.raised = [d.key for d in new]
            return outcome
        outcome.raised = raise_due(ctx, new, sweep_id=outcome.sweep_id, as_of=as_of)
        enqueued = enqueue_pending(ctx, now)
        outcome.messages, outcome.undeliverable = enqueued.messages, enqueued.undeliverable_reminders
        with ctx.engine.begin() as conn:
            conn.execute(
                insert(st.sweep_runs).values(
                    sweep_id=outcome.sweep_id,
                    as_of=as_of,
                    started_at=now,
                    finished_at=datetime.now(now.tzinfo),
                    due=len(outcome.due),
                    raised=len(outcome.raised),
                    messages=outcome.messages,
                )
            )
    return outcome


def swept_on(engine: Engine, as_of: date) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(st.sweep_runs.c.sweep_id).where(st.sweep_runs.c.as_of == as_of).limit(1)).first() is not None
