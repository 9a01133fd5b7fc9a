"""A rebuild builds fresh tables and swaps them in: whatever goes wrong, the live views stay whole."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from projections import current_state
from projections import tables as t
from projections.chain import ChainMismatchError
from projections.projector import ProjectionFailedError, Projector
from projections.scratch import Scratch
from tests.integration.snapshots import stored_event_count, view_snapshot
from tests.integration.test_integrity import rows, state_at


def scratch_leftovers(services) -> list[str]:
    if services.database.kind == "sqlite":
        from pathlib import Path

        live = Path(services.engine.url.database)
        return [p.name for p in live.parent.glob(live.name + ".scratch_*")]
    schema = services.database.eventsourcing_env["POSTGRES_SCHEMA"]
    with services.engine.connect() as conn:
        query = text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :pattern")
        return list(conn.execute(query, {"pattern": schema + "\\_\\_scratch\\_%"}).scalars())


def test_a_rebuild_that_fails_at_an_event_leaves_the_views_as_they_were_and_names_the_event(seeded, monkeypatch):
    before = view_snapshot(seeded.engine)
    position = seeded.projector.position()
    original = current_state.OTHER_HANDLERS["plantrail:Person.PersonRegistered"]

    def failing(writer, s):
        if s["name"] == "Liam Purdie":
            raise KeyError("initials")
        return original(writer, s)

    monkeypatch.setitem(current_state.OTHER_HANDLERS, "plantrail:Person.PersonRegistered", failing)
    with pytest.raises(ProjectionFailedError, match=r"rebuild stopped: event \d+ \(PersonRegistered\)") as raised:
        seeded.projector.rebuild()
    failed_at = int(str(raised.value).split()[3])
    with seeded.engine.connect() as conn:
        subject = conn.execute(text("SELECT subject FROM view_events WHERE position = :p"), {"p": failed_at}).scalar_one()
    assert subject == "Liam Purdie"
    assert view_snapshot(seeded.engine) == before
    assert seeded.projector.position() == position
    assert scratch_leftovers(seeded) == []


def test_a_rebuild_refuses_an_event_changed_after_it_was_chained_and_keeps_the_views(seeded):
    before = view_snapshot(seeded.engine)
    table, pos = rows(seeded)
    changed = state_at(seeded, 120).replace(b"Christine Sutton", b"Somebody Else").replace(b"SOS 001", b"SOS 001")
    with seeded.engine.begin() as conn:
        conn.execute(text(f"UPDATE {table} SET state = :s WHERE {pos} = 120"), {"s": changed + b" "})
    with pytest.raises(ChainMismatchError, match=r"event 120 \(\w+ on [^)]+\) does not match its chain link"):
        seeded.projector.rebuild()
    assert view_snapshot(seeded.engine) == before
    # Told to accept that one position, the rebuild goes through.
    seeded.projector.rebuild(accepted={120})
    assert seeded.projector.position() == stored_event_count(seeded.app)


def test_events_stored_while_a_rebuild_runs_reach_the_swapped_in_views(seeded, monkeypatch):
    original = Projector.catch_up
    added = {"done": False}

    def catch_up_and_write(self, on_progress=None, *, upto=None):
        if self.chain_source is not None and not added["done"]:  # the scratch projector, mid-rebuild
            added["done"] = True
            seeded.app.add_note("SOS 001", "SS_ICSAP_IMP1", "Written during the rebuild", actor="clerk")
        return original(self, on_progress, upto=upto)

    monkeypatch.setattr(Projector, "catch_up", catch_up_and_write)
    seeded.projector.rebuild()
    monkeypatch.setattr(Projector, "catch_up", original)
    shown = seeded.queries.action("SOS 001", "SS_ICSAP_IMP1", as_at=seeded.today("SOS 001"))
    assert "Written during the rebuild" in [n["text"] for n in shown["notes"]]
    assert seeded.projector.position() == stored_event_count(seeded.app)


def test_a_scratch_space_left_by_a_dead_process_is_removed_by_the_next_rebuild(seeded):
    abandoned = Scratch(seeded.engine)
    abandoned.engine.dispose()
    if seeded.database.kind == "sqlite":
        dead = abandoned.path.with_name(abandoned.path.name.replace(f"scratch_{__import__('os').getpid()}_", "scratch_999999999_"))
        abandoned.path.rename(dead)
    else:
        assert abandoned._lock is not None
        abandoned._lock.invalidate()  # the session ends as a killed process's would, releasing its lock
    seeded.projector.rebuild()
    assert scratch_leftovers(seeded) == []


def test_the_view_tables_are_listed_explicitly_and_exclude_the_evidence():
    names = [table.name for table in t.VIEW_TABLES]
    # Every table the projector writes is listed (a new view left out would be filled twice by a rebuild).
    assert sorted(names) == sorted(set(t.metadata.tables) - {"integrity_chain", "projector_positions"})


def test_every_view_table_has_a_rule_for_the_rows_of_one_plan():
    from projections.compare import PLAN_ROWS

    assert set(PLAN_ROWS) == {table.name for table in t.VIEW_TABLES} - {"view_people"}
