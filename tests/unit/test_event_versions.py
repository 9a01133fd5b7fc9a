"""Every event class has a version, and every version step has its upcaster."""

from __future__ import annotations

import pytest

import domain.application
import domain.integrity  # noqa: F401 - registers the integrity events
from domain.action import SOURCES, Action
from domain.errors import BadInputError
from domain.events import RecordedEvent, upcast


def event_classes() -> list[type]:
    found, todo = [], [RecordedEvent]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if "TOPIC" in sub.__dict__ and sub.__name__ != "Event":
                found.append(sub)
    return found


@pytest.mark.parametrize("event_class", event_classes(), ids=lambda c: c.TOPIC)
def test_every_event_class_has_a_version_and_an_upcaster_for_each_step(event_class):
    version = event_class.class_version
    assert isinstance(version, int) and version >= 1
    for step in range(1, version):
        assert callable(getattr(event_class, f"upcast_v{step}_v{step + 1}"))


def test_a_version_1_progress_figure_is_upcast_to_one_without_a_recorded_source():
    state = {"progress": 40, "actor": "clerk", "reason": None}
    assert upcast(Action.ProgressUpdated, state) == {"progress": 40, "actor": "clerk", "reason": None, "source": None}
    current = {"progress": 40, "source": "web", "class_version": 2}
    assert upcast(Action.ProgressUpdated, current) == {"progress": 40, "source": "web"}


def test_a_progress_figure_records_where_it_came_from_and_refuses_an_unknown_source():
    from datetime import date

    action = Action.add(
        plan_code="P",
        code="A1",
        title="t",
        description="",
        owners=["Val"],
        due_date=None,
        priority=None,
        priority_number=None,
        actor="clerk",
        effective_on=date(2015, 3, 1),
    )
    for source in SOURCES:
        action.update_progress(10, actor="clerk", effective_on=date(2015, 3, 2), source=source)
    assert [e.source for e in action.collect_events() if isinstance(e, Action.ProgressUpdated)] == list(SOURCES)
    with pytest.raises(BadInputError, match="source: must be one of cli, web, import, sheet"):
        action.update_progress(10, actor="clerk", effective_on=date(2015, 3, 2), source="x" * 5_000_000)
