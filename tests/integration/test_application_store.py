"""The application writes to the store it is configured with, not to the library's default
in-memory one: what one start saves, the next start reads from the file."""

from __future__ import annotations

from datetime import date

from domain.ids import plan_id
from plantrail.bootstrap import bootstrap


def test_a_plan_saved_by_one_start_is_found_by_the_next_on_the_same_file(sqlite_url):
    first = bootstrap(sqlite_url)
    first.app.create_plan(code="SOS 001", title="Inspection plan", actor="clerk", effective_on=date(2014, 9, 5))
    first.close()
    second = bootstrap(sqlite_url)
    try:
        assert second.app.exists(plan_id("SOS 001"))
        assert (second.app.get_plan("SOS 001").title, second.app.get_plan("sos 001").code) == ("Inspection plan", "SOS 001")
    finally:
        second.close()
