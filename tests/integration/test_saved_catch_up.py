"""A write's catch-up applies the events its own save returned, without reading the log back,
when they follow straight on from the projector's position, and reads the log as before when
they do not. Either way the views end as a rebuild from the log makes them.

On the seed plan (``seeded``: both example plans imported and projected), on a SQLite file and
on the PostgreSQL server.
"""

from __future__ import annotations

from datetime import date

import orjson
import pytest
from sqlalchemy import select

from domain.commands import AddNote, ChangeOwners, UpdateProgress
from projections import projector as projector_module
from projections import tables as t
from projections.timeline import FOREVER_TIME
from tests.integration.snapshots import stored_event_count, view_snapshot

PLAN = "SS SAAP 2014"
ACTION = f"{PLAN}/SAAP1.01"


def _log_never_read(monkeypatch: pytest.MonkeyPatch, services) -> None:
    def refuse(*_args, **_kwargs):
        pytest.fail("the log was read: the saved events should have been applied as they are")

    monkeypatch.setattr(projector_module, "select_page", refuse)
    monkeypatch.setattr(services.app.recorder, "max_notification_id", refuse)


def _matches_a_rebuild(services) -> None:
    kept = view_snapshot(services.engine)
    services.projector.rebuild()
    assert view_snapshot(services.engine) == kept


def test_a_write_straight_after_the_position_is_applied_as_saved(seeded, monkeypatch):
    _log_never_read(monkeypatch, seeded)
    shown = seeded.record(ACTION, UpdateProgress(40, note="Half the reviews done"), actor="Liam Purdie")
    monkeypatch.undo()
    assert shown["progress"] == 40
    assert seeded.projector.position() == stored_event_count(seeded.app)
    _matches_a_rebuild(seeded)


def test_events_stored_between_by_another_writer_are_read_from_the_log_first(seeded):
    # Stored and not projected, as another process's write would be; then our own write.
    seeded.app.handle(PLAN, "SAAP1.02", AddNote("Another writer's note"), actor="Jane Menzies")
    seeded.app.take_saved()  # that other writer's: not ours to apply
    before = seeded.projector.position()
    shown = seeded.record(ACTION, UpdateProgress(55), actor="Liam Purdie")
    assert shown["progress"] == 55
    assert seeded.projector.position() == stored_event_count(seeded.app) == before + 2
    with seeded.engine.connect() as conn:
        texts = conn.execute(select(t.notes.c.text).where(t.notes.c.author == "Jane Menzies")).scalars().all()
    assert texts == ["Another writer's note"]
    _matches_a_rebuild(seeded)


def test_saved_events_already_applied_are_not_applied_again(seeded):
    seeded.app.handle(PLAN, "SAAP1.01", AddNote("Only once"), actor="Liam Purdie")
    saved = seeded.app.take_saved()
    assert [n.id for n in saved] == [stored_event_count(seeded.app)]
    assert seeded.projector.catch_up(saved=saved) == 1
    kept = view_snapshot(seeded.engine)
    assert seeded.projector.catch_up(saved=saved) == 0  # the position has moved past them
    assert view_snapshot(seeded.engine) == kept
    assert kept["view_notes"].count(next(row for row in kept["view_notes"] if "Only once" in row)) == 1


def test_taking_the_saved_events_forgets_them(seeded):
    seeded.app.handle(PLAN, "SAAP1.01", AddNote("Taken"), actor="Liam Purdie")
    assert len(seeded.app.take_saved()) == 1
    assert seeded.app.take_saved() == []


def test_an_actions_owners_are_those_of_its_timelines_head(seeded):
    # The projector reads an action's owners from its timeline's head (one query, not three):
    # they must be the owners view_action_owners lists, also after a backdated owner change.
    seeded.record(ACTION, ChangeOwners(("Jane Menzies", "Liam Purdie"), reason="Shared"), actor="Val DeSouza")
    seeded.record(
        ACTION, ChangeOwners(("Jane Menzies",), reason="Handed over in January", effective_on=date(2015, 1, 5)), actor="Val DeSouza"
    )
    seeded.record(ACTION, UpdateProgress(70), actor="Jane Menzies")
    s, o = t.action_states, t.action_owners
    heads: dict[str, tuple[date, list[str]]] = {}
    listed: dict[str, list[str]] = {}
    with seeded.engine.connect() as conn:
        for row in conn.execute(select(s.c.action_id, s.c.owners, s.c.valid_from).where(s.c.recorded_to == FOREVER_TIME)):
            if row.action_id not in heads or row.valid_from > heads[row.action_id][0]:
                heads[row.action_id] = (row.valid_from, orjson.loads(row.owners))
        for row in conn.execute(select(o.c.action_id, o.c.person_name).order_by(o.c.action_id, o.c.position)):
            listed.setdefault(row.action_id, []).append(row.person_name)
        action_id = conn.execute(select(t.actions.c.id).where(t.actions.c.code == "SAAP1.01")).scalar_one()
    assert len(heads) > 10
    assert {action: owners for action, (_, owners) in heads.items()} == {action: listed.get(action, []) for action in heads}
    assert listed[action_id] == ["Jane Menzies", "Liam Purdie"]  # the change of today still stands after January's
    _matches_a_rebuild(seeded)


def test_a_large_save_is_not_kept_and_is_read_from_the_log(seeded):
    from domain.application import KEEP_SAVED_AT_MOST
    from domain.person import Person

    people = [
        Person.register(name=f"Temp {n:03d}", email=f"t{n}@example.org", actor="test", effective_on=date(2015, 3, 1))
        for n in range(KEEP_SAVED_AT_MOST + 1)
    ]
    seeded.app.save(*people)
    assert seeded.app.take_saved() == []  # its states are not held in memory till the next save
    seeded.app.save(Person.register(name="Temp one", email="one@example.org", actor="test", effective_on=date(2015, 3, 1)))
    assert len(seeded.app.take_saved()) == 1
    seeded.projector.catch_up()
    assert seeded.projector.position() == stored_event_count(seeded.app)


def test_a_save_of_exactly_the_most_kept_is_kept(seeded):
    from domain.application import KEEP_SAVED_AT_MOST
    from domain.person import Person

    people = [
        Person.register(name=f"Kept {n:03d}", email=f"k{n}@example.org", actor="test", effective_on=date(2015, 3, 1))
        for n in range(KEEP_SAVED_AT_MOST)
    ]
    seeded.app.save(*people)
    assert len(seeded.app.take_saved()) == KEEP_SAVED_AT_MOST


def test_a_thread_that_has_saved_nothing_takes_nothing(seeded):
    import threading

    taken: list[object] = []
    thread = threading.Thread(target=lambda: taken.append(seeded.app.take_saved()))
    thread.start()
    thread.join()
    assert taken == [[]]
