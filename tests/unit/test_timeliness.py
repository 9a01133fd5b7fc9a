from dataclasses import dataclass
from datetime import date

import pytest

from domain.timeliness import Timeliness, status


@dataclass
class State:
    progress: int = 0
    lifecycle: str = "open"
    due_date: date | None = date(2015, 3, 31)


AS_AT = date(2015, 3, 25)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (State(progress=100), Timeliness.COMPLETE),
        (State(progress=40, lifecycle="completed"), Timeliness.COMPLETE),
        (State(lifecycle="cancelled", due_date=date(2014, 1, 1)), Timeliness.CANCELLED),
        (State(due_date=date(2015, 3, 24)), Timeliness.ALERT),
        (State(due_date=date(2015, 3, 25)), Timeliness.WARNING),
        (State(due_date=date(2015, 4, 8)), Timeliness.WARNING),
        (State(due_date=date(2015, 4, 9)), Timeliness.OK),
        (State(due_date=None), Timeliness.OK),
        (State(lifecycle="on_hold", due_date=date(2015, 1, 1)), Timeliness.ALERT),
    ],
)
def test_status_follows_the_covalent_rule(state, expected):
    assert status(state, AS_AT) is expected


def test_warning_window_is_a_per_plan_setting():
    state = State(due_date=date(2015, 4, 20))
    assert status(state, AS_AT) is Timeliness.OK
    assert status(state, AS_AT, warning_days=30) is Timeliness.WARNING
