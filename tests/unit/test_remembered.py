"""Aggregates a process remembers between commands (domain.remembered), on the library's
in-memory store: a load replays only the events stored since the remembered version, through the
projector given; the least recently loaded is forgotten first; a copy handed out is the caller's
own; a later version is never replaced by an earlier one. And the application loads its plans
and actions through them."""

from __future__ import annotations

from datetime import date

import pytest

from domain.application import PlanTrail, replay
from domain.commands import UpdateProgress
from domain.errors import PlanNotFoundError
from domain.ids import action_id, plan_id
from domain.remembered import RememberedAggregates
from tests.unit.test_application import new_app


class CountingProjector:
    """``replay``, counting the events it is given per aggregate."""

    def __init__(self) -> None:
        self.applied: list[int] = []

    def __call__(self, aggregate, events):
        events = list(events)
        self.applied.append(len(events))
        return replay(aggregate, events)


def three_people() -> tuple[PlanTrail, list]:
    app = PlanTrail()
    for name in ("Ann", "Bob", "Cat"):
        app.register_person(name=name, actor="clerk", effective_on=date(2015, 1, 5))
    return app, [app.get_person(name).id for name in ("Ann", "Bob", "Cat")]


def test_a_second_load_reads_only_what_was_stored_since_and_shares_the_remembered_aggregate():
    app, (ann, _, _) = three_people()
    projector = CountingProjector()
    remembered = RememberedAggregates(app.repository, projector)
    first = remembered.peek(ann)
    assert (first.name, first.version, projector.applied) == ("Ann", 1, [1])
    assert remembered.peek(ann) is first and projector.applied == [1]  # nothing new: no replay
    app.edit_person("Ann", changes={"email": "ann@example.org"}, reason="r", actor="admin", effective_on=date(2015, 2, 1))
    app.edit_person("Ann", changes={"role": "Lead"}, reason="r", actor="admin", effective_on=date(2015, 2, 2))
    newer = remembered.peek(ann)
    assert (newer.email, newer.role, newer.version, projector.applied) == ("ann@example.org", "Lead", 3, [1, 2])
    assert first.version == 1 and first.email is None  # the shared one was never changed in place


def test_a_copy_is_the_callers_own():
    app, (ann, _, _) = three_people()
    remembered = RememberedAggregates(app.repository, replay)
    mine = remembered.get(ann)
    mine.change_contact(email="x@example.org", manager=None, role=None, reason="r", actor="a", effective_on=date(2015, 2, 1))
    assert remembered.peek(ann).email is None and remembered.get(ann) is not remembered.get(ann)


def test_the_least_recently_loaded_is_forgotten_first():
    app, (ann, bob, cat) = three_people()
    projector = CountingProjector()
    remembered = RememberedAggregates(app.repository, projector, size=2)
    remembered.peek(ann), remembered.peek(bob), remembered.peek(ann)  # Ann loaded last
    remembered.peek(cat)  # Bob is forgotten
    assert projector.applied == [1, 1, 1]
    remembered.peek(ann)
    assert projector.applied == [1, 1, 1]  # still remembered
    remembered.peek(bob)
    assert projector.applied == [1, 1, 1, 1]  # replayed again


def test_an_earlier_version_brought_up_to_date_later_does_not_replace_a_later_one():
    """Two threads load one aggregate at once; the one that read less finishes last."""
    app, (ann, _, _) = three_people()
    remembered = RememberedAggregates(app.repository, replay)
    earlier = remembered.get(ann)
    app.edit_person("Ann", changes={"role": "Lead"}, reason="r", actor="admin", effective_on=date(2015, 2, 2))
    later = remembered.peek(ann)
    same_version = remembered.get(ann)
    remembered._remember(ann, earlier)
    remembered._remember(ann, same_version)
    assert remembered.peek(ann) is later


def test_the_application_loads_plans_and_actions_through_what_it_remembers():
    app = new_app()
    projector = CountingProjector()
    app.remembered = RememberedAggregates(app.repository, projector)  # forget what setting up loaded
    app.get_plan("SOS 001"), app.get_action("SOS 001", "A1")
    app.get_plan("SOS 001"), app.get_action("SOS 001", "A1")
    assert len(projector.applied) == 2  # each replayed once, then remembered
    shared = app.plan_as_stored("SOS 001")
    assert app.plan_as_stored("sos 001") is shared and shared.id == plan_id("SOS 001")
    app.handle("SOS 001", "A1", UpdateProgress(40, None, date(2015, 6, 5)), actor="Pat Preece")
    assert app.get_action("SOS 001", "A1").progress == 40 and app.get_action("SOS 001", "A1").id == action_id("SOS 001", "A1")
    with pytest.raises(PlanNotFoundError) as unknown:
        app.plan_as_stored("NOPE 9")
    assert str(unknown.value) == "plan 'NOPE 9' not found"
