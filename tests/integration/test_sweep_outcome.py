"""What one sweep reports and records: its outcome, its run row, the registered spelling of every
recipient, the plan it could not evaluate, and on PostgreSQL the instance that stood aside."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from domain.action import Action
from plantrail.bootstrap import bootstrap, sweep_context
from scheduler import tables as st
from scheduler.policy import ReminderPolicy
from scheduler.sweep import SWEEP_LOCK, sweep, swept_on
from tests.conftest import fixed_clock
from tests.integration.legacy import legacy_plan
from tests.integration.test_reminders import settings_for

AS_OF = date(2015, 3, 24)
NOW = datetime(2015, 3, 24, 7, tzinfo=UTC)
TODAY = date(2026, 1, 1)  # a later day: the sweep reads the history as it stood on AS_OF


def plan_with_names_typed_loosely(services) -> None:
    """The sponsor and an owner recorded in another case and spacing than they registered with."""
    app = services.app
    on = date(2015, 1, 1)
    app.register_person(name="Mo Manager", email="mo@example.org", actor="t", effective_on=on)
    app.register_person(name="Ann Owner", email="ann@example.org", manager="Mo Manager", actor="t", effective_on=on)
    app.register_person(name="Sue Sponsor", email="sue@example.org", actor="t", effective_on=on)
    app.save(legacy_plan("T 2", "Loose names", sponsor="sue   SPONSOR"))
    # Due 2015-02-20: 32 days overdue on AS_OF, past the sponsor's 28 days.
    # Saved past add_action's check (which stores the registered spelling), as an older import could leave it.
    late = Action.add(
        plan_code="T 2",
        code="LATE",
        title="Late",
        description="",
        owners=["ann  OWNER"],
        due_date=date(2015, 2, 20),
        priority="Medium",
        priority_number=None,
        actor="t",
        effective_on=on,
    )
    app.save(late)
    app.add_action(plan_code="T 2", code="SOON", title="Soon", owners=["Ann Owner"], due_date=date(2015, 3, 31), actor="t", effective_on=on)
    for code in ("LATE", "SOON"):
        app.add_note("T 2", code, "started", actor="t", effective_on=date(2015, 3, 20))
    services.projector.catch_up()


def test_recipients_are_named_as_registered_whatever_spelling_the_plan_or_action_holds(services, smtp_server):
    plan_with_names_typed_loosely(services)
    outcome = sweep(sweep_context(services, settings_for(smtp_server)), as_of=AS_OF, today=TODAY, now=NOW, dry_run=True)
    late = {d.rule: set(d.recipients) for d in outcome.due if d.action_code == "LATE"}
    assert late["overdue"] == {("Ann Owner", "owner"), ("Mo Manager", "manager"), ("Sue Sponsor", "sponsor")}
    everyone = {name for d in outcome.due for name, _role in d.recipients}
    assert everyone == {"Ann Owner", "Mo Manager", "Sue Sponsor"}


def test_the_outcome_names_its_day_and_a_fresh_sweep_id_and_a_second_sweep_finds_everything_raised(services, smtp_server):
    plan_with_names_typed_loosely(services)
    context = sweep_context(services, settings_for(smtp_server))
    first = sweep(context, as_of=AS_OF, today=TODAY, now=NOW)
    assert first.as_of == AS_OF and re.fullmatch(r"2015-03-24/[0-9a-f]{12}", first.sweep_id)
    assert first.already_raised == 0 and sorted(first.raised) == sorted(d.key for d in first.due) and first.due
    second = sweep(context, as_of=AS_OF, today=TODAY, now=NOW)
    assert second.sweep_id != first.sweep_id
    assert (second.already_raised, second.raised) == (len(first.due), [])


def test_a_dry_run_reports_what_it_would_raise_and_records_no_run(services, smtp_server):
    plan_with_names_typed_loosely(services)
    context = sweep_context(services, settings_for(smtp_server))
    dry = sweep(context, as_of=AS_OF, today=TODAY, now=NOW, dry_run=True)
    assert sorted(dry.raised) == sorted(d.key for d in dry.due) and len(dry.due) >= 2
    assert not swept_on(services.engine, AS_OF)
    real = sweep(context, as_of=AS_OF, today=TODAY, now=NOW)
    assert sorted(real.raised) == sorted(dry.raised)


def test_a_finished_sweep_is_recorded_for_its_day_only_with_its_counts_and_times_in_one_zone(services, smtp_server):
    plan_with_names_typed_loosely(services)
    # A zone far from UTC: a start and an end written in different zones would be hours apart.
    started = datetime.now(ZoneInfo("Pacific/Kiritimati"))
    outcome = sweep(sweep_context(services, settings_for(smtp_server)), as_of=AS_OF, today=TODAY, now=started)
    assert swept_on(services.engine, AS_OF) and not swept_on(services.engine, AS_OF + timedelta(days=1))
    assert not swept_on(services.engine, AS_OF - timedelta(days=1))
    with services.engine.connect() as conn:
        [row] = conn.execute(select(st.sweep_runs)).mappings().all()
    assert (row["sweep_id"], row["as_of"], row["due"], row["raised"], row["messages"]) == (
        outcome.sweep_id,
        AS_OF,
        len(outcome.due),
        len(outcome.raised),
        outcome.messages,
    )
    took = row["finished_at"] - row["started_at"]
    assert timedelta(0) <= took < timedelta(minutes=5)


def test_a_plan_that_cannot_be_evaluated_is_logged_by_its_code(services, smtp_server, caplog: pytest.LogCaptureFixture):
    plan_with_names_typed_loosely(services)

    def policy_for(plan_code: str) -> ReminderPolicy:
        raise RuntimeError(f"no policy for {plan_code}")

    context = replace(sweep_context(services, settings_for(smtp_server)), policy_for=policy_for)
    with caplog.at_level(logging.ERROR, logger="plantrail.sweep"):
        outcome = sweep(context, as_of=AS_OF, today=TODAY, now=NOW)
    assert outcome.failed_plans == {"T 2": "RuntimeError: no policy for T 2"}
    [record] = [r for r in caplog.records if r.name == "plantrail.sweep"]
    assert record.getMessage() == "could not sweep plan T 2"


def test_on_postgresql_a_sweep_stands_aside_while_another_instance_holds_the_lock(postgres_url: str, smtp_server):
    services = bootstrap(postgres_url, clock=fixed_clock(NOW))
    try:
        plan_with_names_typed_loosely(services)
        with services.engine.connect() as rival, rival.begin():
            assert rival.execute(text(f"SELECT pg_try_advisory_xact_lock({SWEEP_LOCK})")).scalar() is True
            skipped = sweep(sweep_context(services, settings_for(smtp_server)), as_of=AS_OF, today=TODAY, now=NOW)
        assert (skipped.skipped, skipped.due, skipped.raised) == ("another plantrail instance is sweeping", [], [])
        assert not swept_on(services.engine, AS_OF)
        after = sweep(sweep_context(services, settings_for(smtp_server)), as_of=AS_OF, today=TODAY, now=NOW)
        assert after.skipped is None and after.raised
    finally:
        services.close()


def test_a_sweep_of_today_reads_the_current_state_and_finds_what_reading_the_history_finds(services, smtp_server):
    # The current-state table is a shortcut for as_of == today; it must answer as the history does.
    plan_with_names_typed_loosely(services)
    context = sweep_context(services, settings_for(smtp_server))
    from_current = sweep(context, as_of=AS_OF, today=AS_OF, now=NOW, dry_run=True).due
    from_history = sweep(context, as_of=AS_OF, today=AS_OF + timedelta(days=1), now=NOW, dry_run=True).due
    assert {d.action_code for d in from_current} == {"LATE", "SOON"} and from_current == from_history
