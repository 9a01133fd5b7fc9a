"""Fixtures for the sign-off tests (test_sign_off, test_sign_off_mail): the seed plans on a
clock the scenario moves (``tests.integration.sign_off_scenario``)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.importing import import_plans
from plantrail.bootstrap import bootstrap
from plantrail.importers.json_plan import read_plan_file
from tests.conftest import EXAMPLES
from tests.integration.sign_off_scenario import ScenarioClock


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> ScenarioClock:
    clock = ScenarioClock(datetime(2015, 3, 25, 9, 0, tzinfo=UTC))
    monkeypatch.setattr("eventsourcing.domain.datetime_now_with_tzinfo", clock.now)
    return clock


@pytest.fixture
def plan(database_url: str, clock: ScenarioClock):
    """The seed plans imported at 09:00 on 25 March 2015; Pat Preece (an owner of SS_ICSAP_ARR1)
    is managed by Liam Purdie, as the seed's organisation chart would have it."""
    s = bootstrap(database_url, clock=clock.now)
    import_plans(s.app, [read_plan_file(p) for p in sorted(EXAMPLES.glob("*.json"))], actor="Covalent import")
    pat = s.app.get_person("Pat Preece")
    pat.change_contact(email=pat.email, manager="Liam Purdie", role=pat.role, actor="admin", effective_on=date(2014, 9, 5))
    s.app.save(pat)
    s.projector.catch_up()
    yield s
    s.close()
