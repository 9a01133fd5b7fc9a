"""The "⚑ backdated" flag means one thing everywhere (the action page, the audit page, its CSV and
`plantrail history`): the entry was first stated more than a week after the date it is true. An
approval was stated when its claim was made; an import's history reads "from import" instead.

The library's clock is moved (as in tests/integration/sign_off_scenario.py) so that an entry is
recorded on the scenario's day rather than today."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from plantrail.listings import history_row
from projections.audit import history
from tests.cli_runner import invoke
from tests.integration.sign_off_scenario import ScenarioClock
from tests.web.conftest import CLERK_EMAIL, Browser

LIAM, VAL = "liam.purdie@example.org", "val.desouza@example.org"
TRAN2 = "/actions/SOS%20001/SS_ICSAP_TRAN2"
CLAIMED = datetime(2015, 3, 25, 9, 0, tzinfo=UTC)
DECIDED = datetime(2015, 4, 14, 9, 0, tzinfo=UTC)  # 20 days after the claim


@pytest.fixture
def library_clock(monkeypatch: pytest.MonkeyPatch) -> ScenarioClock:
    clock = ScenarioClock(datetime(2015, 3, 20, 9, 0, tzinfo=UTC))
    monkeypatch.setattr("eventsourcing.domain.datetime_now_with_tzinfo", clock.now)
    return clock


@pytest.fixture
def staffed(library_clock, staffed):
    return staffed


def _claim_and_approve(browser: Browser, clock: ScenarioClock, completed_on: str) -> None:
    clock.set(CLAIMED)
    browser.sign_in(LIAM)
    browser.submit(browser.get(TRAN2), "/complete", evidence="Signed risk register, v3", effective_on=completed_on)
    browser.client.cookies.clear()
    clock.set(DECIDED)
    browser.sign_in(VAL)
    browser.submit(browser.get("/sign-off"), "/sign-off/SOS%20001/SS_ICSAP_TRAN2/approve", comment="Seen the register")


def _flags(entries: list[dict]) -> dict[str, bool]:
    return {e["type"]: e["backdated"] for e in entries if e["type"] in ("ChangeSubmitted", "ChangeApproved", "ActionCompleted")}


def test_an_approval_weeks_after_a_claim_made_on_its_day_is_not_flagged_anywhere(browser: Browser, staffed, library_clock, database_url):
    _claim_and_approve(browser, library_clock, completed_on="2015-03-25")
    trail = history(staffed.engine, plan_code="SOS 001", action_code="SS_ICSAP_TRAN2")
    assert _flags(trail) == {"ChangeSubmitted": False, "ChangeApproved": False, "ActionCompleted": False}
    imported = [e for e in trail if e["from_import"]]
    assert imported and not any(e["backdated"] for e in imported)
    assert len(imported) == len([e for e in trail if e["actor"] == "test import"])

    page = browser.get(TRAN2)
    assert page.html.count("⚑ backdated") == 0
    assert page.html.count("(from import)") == len(imported)
    browser.client.cookies.clear()
    browser.sign_in(CLERK_EMAIL)
    audit = browser.get("/audit?plan=SOS+001&action=SS_ICSAP_TRAN2")
    assert "⚑ backdated" not in audit.by_id("audit-table")
    rows = list(csv.DictReader(io.StringIO(browser.client.get("/audit.csv?plan=SOS+001&action=SS_ICSAP_TRAN2").text)))
    assert {(r["type"], r["backdated"], r["from_import"]) for r in rows if r["actor"] != "test import"} >= {
        ("ChangeApproved", "", ""),
        ("ActionCompleted", "", ""),
    }
    assert {(r["backdated"], r["from_import"]) for r in rows if r["actor"] == "test import"} == {("", "yes")}

    listing = invoke({"PLANTRAIL_DATABASE_URL": database_url}, "history", "SOS 001/SS_ICSAP_TRAN2", "--no-pager").stdout
    assert "⚑ backdated" not in listing
    assert listing.count("(from import)") == len(imported)


def test_an_approval_of_a_backdated_claim_is_flagged_as_its_claim_is(browser: Browser, staffed, library_clock):
    _claim_and_approve(browser, library_clock, completed_on="2015-03-01")  # claimed 24 days late
    trail = history(staffed.engine, plan_code="SOS 001", action_code="SS_ICSAP_TRAN2")
    assert _flags(trail) == {"ChangeSubmitted": True, "ChangeApproved": True, "ActionCompleted": True}
    # (The moved clock also makes the recorded time "suspect": earlier than plantrail first saw it.)
    [approval] = [history_row(e)[0] for e in trail if e["type"] == "ChangeApproved"]
    assert approval.startswith("2015-03-01 ⚑ backdated ")


def test_the_audit_page_says_what_the_flag_means(browser: Browser):
    browser.sign_in(CLERK_EMAIL)
    explained = browser.get("/audit").text
    assert "⚑ backdated: recorded more than 7 days after the date it is true" in explained
    assert "when the claim was made, not when it was approved" in explained
