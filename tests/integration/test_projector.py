import threading

import pytest
from sqlalchemy import func, select

from plantrail.bootstrap import bootstrap
from projections import current_state
from projections import tables as t
from projections.projector import ProjectionFailedError, Projector
from tests.integration.snapshots import stored_event_count, view_snapshot


def rebuilt_snapshot(services) -> dict:
    services.projector.rebuild()
    return view_snapshot(services.engine)


def test_rebuild_reproduces_the_views_kept_incrementally(seeded):
    incremental = view_snapshot(seeded.engine)
    assert rebuilt_snapshot(seeded) == incremental
    assert seeded.projector.position() == stored_event_count(seeded.app)


def test_a_crash_mid_page_rolls_back_and_the_page_is_applied_once_on_restart(seeded, monkeypatch):
    expected = view_snapshot(seeded.engine)
    seeded.projector.page_size = 40
    pages_before_crash = 3
    original_flush = current_state.PageWriter.flush
    calls = {"n": 0}

    def crashing_flush(self):
        calls["n"] += 1
        if calls["n"] > pages_before_crash:
            # Write part of the page, then die before commit.
            original_flush(self)
            raise RuntimeError("simulated crash")
        original_flush(self)

    t.metadata.drop_all(seeded.engine, tables=t.VIEW_TABLES)
    t.metadata.create_all(seeded.engine)
    with seeded.engine.begin() as conn:
        conn.execute(t.projector_positions.update().values(position=0))
    monkeypatch.setattr(current_state.PageWriter, "flush", crashing_flush)
    with pytest.raises(ProjectionFailedError, match="simulated crash"):
        seeded.projector.catch_up()
    position_after_crash = seeded.projector.position()
    assert 0 < position_after_crash < stored_event_count(seeded.app)
    monkeypatch.setattr(current_state.PageWriter, "flush", original_flush)
    seeded.projector.catch_up()
    assert view_snapshot(seeded.engine) == expected


def test_two_projectors_racing_apply_every_event_exactly_once(seeded):
    expected = view_snapshot(seeded.engine)
    t.metadata.drop_all(seeded.engine, tables=t.VIEW_TABLES)
    t.metadata.create_all(seeded.engine)
    with seeded.engine.begin() as conn:
        conn.execute(t.projector_positions.update().values(position=0))

    rival_services = bootstrap(
        seeded.database.sqlalchemy_url.replace("sqlite:///", "") if seeded.database.kind == "sqlite" else _pg_url(seeded)
    )
    projectors = [Projector(s.app.recorder, s.app.mapper, s.engine, page_size=15) for s in (seeded, rival_services)]
    committed = [0, 0]
    errors = []

    def run(index: int) -> None:
        try:
            committed[index] = projectors[index].catch_up()
        except Exception as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rival_services.close()
    assert errors == []
    assert view_snapshot(seeded.engine) == expected
    total_pages = -(-stored_event_count(seeded.app) // 15)
    assert sum(committed) == total_pages  # each page committed by exactly one of them
    with seeded.engine.connect() as conn:
        notes = conn.execute(select(func.count()).select_from(t.notes)).scalar_one()
    assert notes == len(expected["view_notes"])


def _pg_url(services) -> str:
    env = services.database.eventsourcing_env
    return f"postgresql://{env['POSTGRES_USER']}@{env['POSTGRES_HOST']}:{env['POSTGRES_PORT']}/{env['POSTGRES_DBNAME']}?schema={env['POSTGRES_SCHEMA']}"


def test_a_rebuild_killed_before_its_swap_leaves_the_live_views_untouched(seeded, monkeypatch):
    expected = view_snapshot(seeded.engine)
    original = Projector.catch_up

    def killed_in_scratch(self, on_progress=None, *, upto=None):
        if self.chain_source is not None:
            raise KeyboardInterrupt
        return original(self, on_progress, upto=upto)

    monkeypatch.setattr(Projector, "catch_up", killed_in_scratch)
    with pytest.raises(KeyboardInterrupt):
        seeded.projector.rebuild()
    monkeypatch.setattr(Projector, "catch_up", original)
    assert view_snapshot(seeded.engine) == expected
    assert seeded.projector.position() == stored_event_count(seeded.app)


def test_a_store_left_mid_rebuild_by_an_older_version_is_rebuilt_by_the_next_catch_up(seeded):
    expected = view_snapshot(seeded.engine)
    t.metadata.drop_all(seeded.engine, tables=t.VIEW_TABLES)
    t.metadata.create_all(seeded.engine, tables=t.VIEW_TABLES)
    with seeded.engine.begin() as conn:
        conn.execute(t.projector_positions.update().values(position=-1))  # the old "rebuild needed" mark
    seeded.projector.catch_up()
    assert view_snapshot(seeded.engine) == expected


def test_a_remembered_summary_is_recomputed_once_an_event_is_projected(seeded):
    from datetime import date

    from domain.commands import UpdateProgress
    from projections.summary import summary

    day = date(2015, 3, 25)
    seeded.app.configure_sign_off("SOS 001", sign_off="none", actor="test", reason="record directly")
    seeded.projector.catch_up()
    before = summary(seeded.queries, "SOS 001", as_at=day)
    assert summary(seeded.queries, "SOS 001", as_at=day) == before  # remembered
    open_action = next(a for a in seeded.queries.actions("SOS 001", as_at=day) if a["status"] == "Warning")
    seeded.record(f"SOS 001/{open_action['code']}", UpdateProgress(100, None, day), actor="test")
    after = summary(seeded.queries, "SOS 001", as_at=day)
    assert after["totals"]["complete"] == before["totals"]["complete"] + 1
    assert after["totals"]["warning"] == before["totals"]["warning"] - 1
