"""A large catch-up leaves the trail's and the notes' secondary indexes out and builds them at its
end (projections/bulk_load.py): the views come out the same, and a process killed in between
leaves consistent views whose indexes the next catch-up builds."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from datetime import UTC, date, datetime

import psycopg
import pytest
import sqlalchemy
from sqlalchemy import inspect

from plantrail.bootstrap import bootstrap
from projections import bulk_load
from projections import tables as t
from projections.bulk import COPY_MIN_ROWS, bulk_insert_rows
from projections.projector import Projector
from projections.scratch import scratch_space
from tests.integration.snapshots import stored_event_count, view_snapshot
from tests.integration.test_rebuild import scratch_leftovers

DEFERRED = sorted(index.name for index in bulk_load.DEFERRED_INDEXES if index.name)


def index_names(engine) -> list[str]:
    found = inspect(engine)
    return sorted(i["name"] for table in (t.events.name, t.notes.name) for i in found.get_indexes(table) if i["name"] in DEFERRED)


def emptied(services) -> None:
    """The views as a new store has them: no rows, position 0."""
    t.metadata.drop_all(services.engine, tables=t.VIEW_TABLES)
    t.metadata.create_all(services.engine, tables=t.VIEW_TABLES)
    with services.engine.begin() as conn:
        conn.execute(t.projector_positions.update().values(position=0))


def url_of(services) -> str:
    if services.database.kind == "sqlite":
        return services.engine.url.database
    env = services.database.eventsourcing_env
    return f"postgresql://{env['POSTGRES_USER']}@{env['POSTGRES_HOST']}:{env['POSTGRES_PORT']}/{env['POSTGRES_DBNAME']}?schema={env['POSTGRES_SCHEMA']}"


# Projects (or rebuilds) in a child process with pages of 40 events and every catch-up a bulk
# one, and kills that process outright (no clean-up runs) once it has committed three pages.
KILLED_AFTER_THREE_PAGES = """
import os, sys
from plantrail.bootstrap import bootstrap
from projections import bulk_load
bulk_load.BULK_LOAD_MIN_EVENTS = 1
services = bootstrap(sys.argv[1], page_size=40)
pages = []
def killed(position, target):
    pages.append(position)
    if len(pages) == 3:
        os._exit(9)
getattr(services.projector, sys.argv[2])(killed)
"""


def run_killed(services, method: str) -> None:
    child = subprocess.run([sys.executable, "-c", textwrap.dedent(KILLED_AFTER_THREE_PAGES), url_of(services), method], capture_output=True)
    assert child.returncode == 9, child.stderr.decode()


def test_a_bulk_catch_up_makes_the_same_views_and_indexes_as_one_kept_row_by_row(seeded, monkeypatch):
    expected = view_snapshot(seeded.engine)
    assert index_names(seeded.engine) == DEFERRED
    emptied(seeded)
    monkeypatch.setattr(bulk_load, "BULK_LOAD_MIN_EVENTS", 1)
    seeded.projector.page_size = 40
    dropped_while_loading = []
    seeded.projector.catch_up(lambda position, target: dropped_while_loading.append(index_names(seeded.engine) == []))
    assert dropped_while_loading and all(dropped_while_loading)
    assert view_snapshot(seeded.engine) == expected
    assert index_names(seeded.engine) == DEFERRED


def test_a_catch_up_of_fewer_events_than_are_projected_keeps_the_indexes_up_as_it_goes(seeded, monkeypatch):
    expected = view_snapshot(seeded.engine)
    total = stored_event_count(seeded.app)
    emptied(seeded)
    monkeypatch.setattr(bulk_load, "BULK_LOAD_MIN_EVENTS", 1)
    seeded.projector.page_size = 40
    seeded.projector.catch_up(upto=total * 2 // 3)  # a bulk load
    kept = []
    seeded.projector.catch_up(lambda position, target: kept.append(index_names(seeded.engine) == DEFERRED))  # a third: not
    assert kept and all(kept)
    assert view_snapshot(seeded.engine) == expected


def test_a_bulk_catch_up_killed_midway_leaves_consistent_views_and_the_next_catch_up_builds_the_indexes(seeded):
    total = stored_event_count(seeded.app)
    expected = view_snapshot(seeded.engine)
    emptied(seeded)
    run_killed(seeded, "catch_up")
    reached = seeded.projector.position()
    assert 0 < reached < total
    assert index_names(seeded.engine) == []
    # What was committed is exactly the events up to there projected: the same as a fold to there.
    with scratch_space(seeded.engine) as space:
        seeded.projector.fold_into(space, reached)
        assert view_snapshot(seeded.engine) == view_snapshot(space.engine)
    # The next catch-up, not a bulk one (fewer events than BULK_LOAD_MIN_EVENTS), builds the indexes.
    assert not bulk_load.is_bulk(reached, total)
    seeded.projector.catch_up()
    assert index_names(seeded.engine) == DEFERRED
    assert view_snapshot(seeded.engine) == expected


def test_a_rebuild_killed_midway_through_its_bulk_load_leaves_the_live_views_and_indexes_and_the_next_rebuild_works(seeded):
    expected = view_snapshot(seeded.engine)
    position = seeded.projector.position()
    run_killed(seeded, "rebuild")
    assert view_snapshot(seeded.engine) == expected
    assert index_names(seeded.engine) == DEFERRED
    assert seeded.projector.position() == position
    seeded.projector.rebuild()
    assert scratch_leftovers(seeded) == []
    assert view_snapshot(seeded.engine) == expected
    assert index_names(seeded.engine) == DEFERRED


def test_two_projectors_racing_through_a_bulk_load_apply_every_event_once_and_leave_the_indexes(seeded, monkeypatch):
    expected = view_snapshot(seeded.engine)
    emptied(seeded)
    monkeypatch.setattr(bulk_load, "BULK_LOAD_MIN_EVENTS", 1)
    rival = bootstrap(url_of(seeded))
    projectors = [Projector(s.app.recorder, s.app.mapper, s.engine, page_size=15) for s in (seeded, rival)]
    errors: list[BaseException] = []

    def run(projector: Projector) -> None:
        try:
            projector.catch_up()
        except Exception as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(p,)) for p in projectors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rival.close()
    assert errors == []
    assert view_snapshot(seeded.engine) == expected
    assert index_names(seeded.engine) == DEFERRED


@pytest.mark.parametrize(
    ("position", "target", "bulk"), [(0, 19_999, False), (0, 20_000, True), (30_000, 60_000, True), (30_001, 60_000, False)]
)
def test_a_catch_up_is_a_bulk_load_from_twenty_thousand_events_and_no_fewer_than_are_projected(position, target, bulk):
    assert bulk_load.is_bulk(position, target) is bulk


@pytest.mark.postgres
def test_a_number_too_big_for_its_column_is_refused_by_a_large_insert_as_by_a_small_one(postgres_url):
    """Large inserts on PostgreSQL go by binary COPY, which would store 2**31 in an int4 column as
    a negative number without a word; they must refuse it as a small INSERT does."""
    services = bootstrap(postgres_url)
    try:
        columns = ["action_id", "number", "details", "effective_on", "recorded_at"]
        at = datetime(2015, 3, 25, 12, tzinfo=UTC)

        def rows(first: int, count: int) -> list[tuple]:
            return [("a" * 36, first + i, f"step {i}", date(2015, 3, 1), at) for i in range(count)]

        for count in (3, COPY_MIN_ROWS + 2):  # a small INSERT, then a COPY
            out_of_range = (sqlalchemy.exc.DataError, psycopg.errors.NumericValueOutOfRange)
            with pytest.raises(out_of_range) as refused, services.engine.begin() as conn:
                bulk_insert_rows(conn, t.sub_actions, columns, rows(2**31 - 2, count))
            assert "out of range" in str(refused.value)
        with services.engine.begin() as conn:
            bulk_insert_rows(conn, t.sub_actions, columns, rows(2**31 - 1 - COPY_MIN_ROWS, COPY_MIN_ROWS))
        with services.engine.connect() as conn:
            query = "SELECT min(number), max(number), count(*) FROM view_sub_actions"
            assert tuple(conn.execute(sqlalchemy.text(query)).one()) == (2**31 - 1 - COPY_MIN_ROWS, 2**31 - 2, COPY_MIN_ROWS)
    finally:
        services.close()
