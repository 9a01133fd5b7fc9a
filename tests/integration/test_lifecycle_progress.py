"""Lifecycle and progress agree, through the real store and read models (SQLite and PostgreSQL)."""

from datetime import date

import pytest

from domain.commands import ChangeLifecycle, UpdateProgress
from domain.errors import ActionCompletedError, InvalidProgressError


def test_complete_then_reopen_with_a_figure_shows_the_figure_and_a_status_by_due_date(seeded):
    seeded.configure_sign_off("SOS 001", {"sign_off": "none"}, actor="clerk", reason="tests of direct recording")
    ref = "SS_ICSAP_PAR1"  # due 2015-03-31, 50 %
    done = seeded.record(ref, ChangeLifecycle("complete", None, date(2015, 3, 20), "Audit of 20 plans"), actor="clerk")
    assert (done["progress"], done["lifecycle"], done["status"]) == (100, "completed", "Complete")
    with pytest.raises(ActionCompletedError, match="reopen it first"):
        seeded.record(ref, UpdateProgress(60, None, date(2015, 3, 21)), actor="clerk")
    with pytest.raises(InvalidProgressError, match="stands at 100 %"):
        seeded.record(ref, ChangeLifecycle("reopen", "evidence not accepted", date(2015, 3, 22)), actor="clerk")
    reopened = seeded.record(ref, ChangeLifecycle("reopen", "evidence not accepted", date(2015, 3, 22), progress=70), actor="clerk")
    assert (reopened["progress"], reopened["lifecycle"], reopened["status"]) == (70, "open", "Warning")
    back_then = seeded.show(ref, as_at=date(2015, 3, 21))
    assert (back_then["progress"], back_then["status"]) == (100, "Complete")


def test_a_history_reopened_at_100_by_the_old_rule_replays_and_is_not_complete(seeded):
    action = seeded.app.get_action("SOS 001", "SS_ICSAP_PAR1")
    action.complete(reason=None, actor="clerk", effective_on=date(2015, 3, 20))
    action._reopened(reason=None, actor="clerk", effective_on=date(2015, 3, 22))  # as recorded before the rule changed
    seeded.app.save(action)
    seeded.projector.catch_up()
    shown = seeded.show("SS_ICSAP_PAR1", as_at=date(2015, 4, 2))
    assert (shown["progress"], shown["lifecycle"], shown["status"]) == (100, "reopened", "Alert")
    assert seeded.app.get_action("SOS 001", "SS_ICSAP_PAR1").lifecycle == "open"  # the stream still loads
    seeded.projector.rebuild()
    assert seeded.show("SS_ICSAP_PAR1", as_at=date(2015, 4, 2))["status"] == "Alert"
    after = seeded.record("SS_ICSAP_PAR1", UpdateProgress(90, None, date(2015, 3, 24)), actor="clerk")
    assert (after["lifecycle"], after["progress"]) == ("open", 90)
