"""Plans and actions a process remembers between commands (``domain.remembered``) are loaded as
stored: what another process saved since counts, and a change made to a loaded copy and never
saved does not."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.commands import UpdateProgress
from plantrail.bootstrap import bootstrap
from tests.conftest import fixed_clock


def _open_action(services) -> tuple[str, str]:
    plan_code, code = services.queries.owned_action_refs("Val DeSouza")[0]
    assert services.app.get_action(plan_code, code).lifecycle != "completed"
    return plan_code, code


@pytest.fixture
def other_process(database_url: str, seeded):
    """A second process on the same store (its own application, its own memory)."""
    other = bootstrap(database_url, clock=fixed_clock(datetime(2015, 3, 25, 12, 0, tzinfo=UTC)))
    yield other
    other.close()


def test_a_sign_off_setting_changed_by_another_process_applies_to_the_next_update(seeded, other_process):
    plan_code, code = _open_action(seeded)
    on = date(2015, 3, 25)
    first = seeded.app.handle(plan_code, code, UpdateProgress(40, None, on), actor="Val DeSouza")
    assert first.get("outcome", "recorded") == "recorded"  # and the plan is remembered now
    other_process.app.configure_sign_off(plan_code, sign_off="changes", actor="admin")
    second = seeded.app.handle(plan_code, code, UpdateProgress(45, None, on), actor="Val DeSouza")
    assert second["outcome"] == "submitted"


def test_an_action_changed_by_another_process_is_loaded_with_that_change(seeded, other_process):
    plan_code, code = _open_action(seeded)
    before = seeded.app.get_action(plan_code, code)  # remembered from here on
    other_process.app.update_progress(plan_code, code, 77, actor="Val DeSouza", effective_on=date(2015, 3, 25))
    after = seeded.app.get_action(plan_code, code)
    assert (after.progress, after.version) == (77, before.version + 1)
    assert seeded.app.plan_as_stored(plan_code).sign_off == other_process.app.get_plan(plan_code).sign_off


def test_a_change_made_to_a_loaded_action_and_never_saved_is_not_remembered(seeded):
    plan_code, code = _open_action(seeded)
    loaded = seeded.app.get_action(plan_code, code)
    stored_progress, stored_version = loaded.progress, loaded.version
    loaded.update_progress(3 if stored_progress != 3 else 4, actor="Val DeSouza", effective_on=date(2015, 3, 25))
    again = seeded.app.get_action(plan_code, code)
    assert (again.progress, again.version) == (stored_progress, stored_version)
    assert again is not loaded and seeded.app.get_action(plan_code, code) is not again
