"""Read-model schema versions: a store whose views are of another version is rebuilt into fresh
tables before it is served; the kept tables (outbox, sweeps) keep their rows."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import func, select, update

from notifications import tables as outbox_tables
from plantrail.bootstrap import bootstrap
from plantrail.keys import store_facts
from plantrail.migrate import recorded_versions
from projections.tables import VIEWS_SCHEMA_VERSION
from scheduler import tables as sweep_tables
from tests.integration.snapshots import view_snapshot


def with_kept_rows(services) -> None:
    now = datetime(2015, 3, 25, 12, tzinfo=UTC)
    with services.engine.begin() as conn:
        conn.execute(
            sweep_tables.sweep_runs.insert().values(
                sweep_id="s1", as_of=now.date(), started_at=now, finished_at=now, due=1, raised=1, messages=1
            )
        )
        conn.execute(
            outbox_tables.messages.insert().values(
                message_id="<m1@example.org>",
                kind="digest",
                recipient_name="Val",
                subject="s",
                content=b"x",
                status="sent",
                attempts=1,
                created_at=now,
                next_attempt_at=now,
            )
        )


def kept(services) -> tuple[int, int]:
    with services.engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(outbox_tables.messages)).scalar_one(),
            conn.execute(select(func.count()).select_from(sweep_tables.sweep_runs)).scalar_one(),
        )


def set_views_version(services, version: int) -> None:
    with services.engine.begin() as conn:
        conn.execute(update(store_facts).where(store_facts.c.name == "schema.views").values(value=str(version)))


def test_views_of_another_schema_version_are_rebuilt_before_serving_and_kept_tables_keep_their_rows(seeded, database_url):
    with_kept_rows(seeded)
    expected = view_snapshot(seeded.engine)
    set_views_version(seeded, VIEWS_SCHEMA_VERSION - 1)
    with seeded.engine.begin() as conn:  # views an older version left behind: one row gone
        conn.exec_driver_sql("DELETE FROM view_notes")
    shown: list[tuple[str, int, int]] = []

    class Bar:
        def __init__(self, label: str) -> None:
            self.label = label

        def __enter__(self):
            return lambda position, target: shown.append((self.label, position, target))

        def __exit__(self, *exc) -> None:
            return None

    reopened = bootstrap(database_url, progress=Bar)
    try:
        assert reopened.migrations == [
            f"views: rebuilt from the events for schema version {VIEWS_SCHEMA_VERSION} (was {VIEWS_SCHEMA_VERSION - 1})"
        ]
        assert shown and shown[-1][1] == shown[-1][2] and "schema version" in shown[0][0]
        assert view_snapshot(reopened.engine) == expected
        assert recorded_versions(reopened.engine)["views"] == VIEWS_SCHEMA_VERSION
        assert kept(reopened) == (1, 1)
    finally:
        reopened.close()


def test_two_processes_opening_an_outdated_store_at_once_both_serve_it(seeded, database_url):
    expected = view_snapshot(seeded.engine)
    set_views_version(seeded, VIEWS_SCHEMA_VERSION - 1)
    opened, errors = [], []

    def open_store() -> None:
        try:
            opened.append(bootstrap(database_url))
        except Exception as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=open_store) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        assert sum(len(s.migrations) for s in opened) >= 1
        assert view_snapshot(seeded.engine) == expected
        assert recorded_versions(seeded.engine)["views"] == VIEWS_SCHEMA_VERSION
    finally:
        for s in opened:
            s.close()


def test_a_new_store_starts_at_the_current_versions(services):
    assert recorded_versions(services.engine) == {
        "integrity_chain": 2,
        "outbox": 2,
        "sweeps": 1,
        "web": 1,
        "import_cache": 1,
        "views": VIEWS_SCHEMA_VERSION,
    }
    assert services.migrations == []


def test_version_3_views_are_rebuilt_with_plan_counts_and_one_state_row_per_change(seeded, database_url):
    """Version 3 had no action counts on plans and an explicit valid_to on every state row."""
    as_at = datetime(2015, 3, 25, tzinfo=UTC).date()
    before = {p["code"]: seeded.queries.actions(p["code"], as_at=as_at) for p in seeded.queries.plans()}
    with seeded.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE view_plans DROP COLUMN action_count")
        conn.exec_driver_sql("ALTER TABLE view_action_states ADD COLUMN valid_to DATE")
    set_views_version(seeded, 3)
    reopened = bootstrap(database_url)
    try:
        assert reopened.migrations == [f"views: rebuilt from the events for schema version {VIEWS_SCHEMA_VERSION} (was 3)"]
        with reopened.engine.connect() as conn:
            counted = dict(conn.exec_driver_sql("SELECT plan_code, COUNT(*) FROM view_actions GROUP BY plan_code").all())
            state_rows = conn.exec_driver_sql("SELECT COUNT(*) FROM view_action_states").scalar_one()
            state_events = conn.exec_driver_sql(
                "SELECT COUNT(*) FROM view_events WHERE aggregate = 'action' AND type IN ("
                "'ActionAdded', 'ProgressUpdated', 'DueDateRevised', 'OwnersChanged', 'PriorityChanged', 'ActionCompleted', "
                "'ActionCancelled', 'ActionReopened', 'ActionPutOnHold', 'DescriptionRevised')"
            ).scalar_one()
        assert {p["code"]: p["actions"] for p in reopened.queries.plans()} == counted
        assert sum(counted.values()) > 40
        assert state_rows <= state_events  # at most one row per event about an action's state
        assert {code: reopened.queries.actions(code, as_at=as_at) for code in before} == before
    finally:
        reopened.close()
