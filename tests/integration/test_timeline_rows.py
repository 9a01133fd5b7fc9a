"""The bitemporal rows an action's events leave, read straight from ``view_action_states``: a row
replaced within the page that wrote it is closed in the table too, and an action's head is the
row still believed whatever order the table hands rows back in."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, insert, select

from domain.ids import action_id
from projections import tables as pt
from projections.current_state import ACTIONS_WITH_HEADS, PageWriter
from projections.timeline import FOREVER_TIME
from tests.integration.test_timeline import PLAN, START, make_plan


def add(services, code: str) -> str:
    services.app.add_action(
        plan_code=PLAN, code=code, title=code, owners=["Ann"], due_date=date(2015, 6, 30), priority="High", actor="t", effective_on=START
    )
    return str(action_id(PLAN, code))


def believed(services, action: str) -> list[tuple[date, int]]:
    """(valid_from, progress) of the rows believed now, by date."""
    s = pt.action_states
    query = (
        select(s.c.valid_from, s.c.progress)
        .where(s.c.action_id == action, s.c.recorded_to == FOREVER_TIME)
        .order_by(s.c.valid_from, s.c.id)
    )
    with services.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


def test_a_row_written_earlier_in_the_page_is_closed_in_the_table_when_a_change_on_its_date_replaces_it(services):
    make_plan(services.app)
    first, second = add(services, "A"), add(services, "B")
    services.app.update_progress(PLAN, "A", 20, actor="t", effective_on=date(2015, 2, 1))
    services.projector.catch_up()
    # One page: B's figure for 1 March; a figure for A dated before A's last one, whose refold
    # writes out the page so far (B's new row included); then a second figure for B's 1 March.
    services.app.update_progress(PLAN, "B", 30, actor="t", effective_on=date(2015, 3, 1))
    services.app.update_progress(PLAN, "A", 10, actor="t", effective_on=date(2015, 1, 15))
    services.app.update_progress(PLAN, "B", 60, actor="t", effective_on=date(2015, 3, 1))
    assert services.projector.catch_up() == 1
    assert believed(services, second) == [(START, 0), (date(2015, 3, 1), 60)]
    assert believed(services, first) == [(START, 0), (date(2015, 1, 15), 10), (date(2015, 2, 1), 20)]


def test_the_head_is_the_row_still_believed_though_the_row_it_replaced_on_its_date_is_stored_after_it(services):
    make_plan(services.app)
    action = add(services, "B")
    services.app.update_progress(PLAN, "B", 30, actor="t", effective_on=date(2015, 3, 1))
    services.projector.catch_up()
    services.app.update_progress(PLAN, "B", 60, actor="t", effective_on=date(2015, 3, 1))
    services.projector.catch_up()
    s = pt.action_states
    # PostgreSQL writes an updated row anew, after the rows inserted since: put the closed row
    # there, as a table may hand it back after the row that replaced it; and the action's first
    # row, still believed but no longer the latest, after both.
    with services.engine.begin() as conn:
        closed = [dict(row) for row in conn.execute(select(s).where(s.c.action_id == action, s.c.recorded_to < FOREVER_TIME)).mappings()]
        assert [(row["valid_from"], row["progress"]) for row in closed] == [(date(2015, 3, 1), 30)]
        earlier = [dict(row) for row in conn.execute(select(s).where(s.c.action_id == action, s.c.valid_from == START)).mappings()]
        assert [(row["progress"], row["recorded_to"].year) for row in earlier] == [(0, 9999)]
        moved = closed + earlier
        conn.execute(delete(s).where(s.c.id.in_([row["id"] for row in moved])))
        conn.execute(insert(s), [{k: v for k, v in row.items() if k != "id"} for row in moved])
    with services.engine.begin() as conn:
        writer = PageWriter(conn, lambda *_: pytest.fail("loading heads reads no events"))
        writer.preload([action])
    head = writer.timelines.heads[action]
    assert (head["valid_from"], head["state"]["progress"], head["persisted"]) == (date(2015, 3, 1), 60, True)
    assert writer.rows[action]["owners"] == head["state"]["owners"]
    # One row per action, its head's: not one per row still believed (which a page would then
    # take in whatever order the table gives them).
    with services.engine.connect() as conn:
        found = conn.execute(ACTIONS_WITH_HEADS, {"ids": [action]}).mappings().all()
    assert [(row["id"], row["head_valid_from"], row["head_progress"]) for row in found] == [(action, date(2015, 3, 1), 60)]


def test_heads_are_loaded_chunk_by_chunk_for_every_action_of_a_page(services, monkeypatch):
    # 500 ids a query keeps under the databases' parameter limits; two here, so that five actions
    # take three chunks and one missed chunk would leave actions without a head.
    monkeypatch.setattr("projections.current_state._CHUNK", 2)
    make_plan(services.app)
    actions = [add(services, f"A{n}") for n in range(5)]
    services.projector.catch_up()
    with services.engine.begin() as conn:
        writer = PageWriter(conn, lambda *_: pytest.fail("loading heads reads no events"))
        writer.preload(reversed(actions))
    assert sorted(writer.timelines.heads) == sorted(writer.rows) == sorted(actions)
    assert {head["valid_from"] for head in writer.timelines.heads.values()} == {START}
    # Each action joined with its own head only, though all five heads start on the same day.
    with services.engine.connect() as conn:
        found = conn.execute(ACTIONS_WITH_HEADS, {"ids": actions}).mappings().all()
    assert sorted((row["id"], row["head_action_id"]) for row in found) == sorted((a, a) for a in actions)
