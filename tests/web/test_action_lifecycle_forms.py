"""The action page offers only the forms its lifecycle takes: a completed action takes notes and
reopening (with the figure the domain asks for), never a progress form that can only fail."""

from __future__ import annotations

from datetime import date

from domain.commands import ChangeLifecycle, UpdateProgress
from projections.audit import history
from tests.web.conftest import CLERK, Browser
from tests.web.html import Page

LIAM = "liam.purdie@example.org"
RISK1 = "/actions/SOS%20001/SS_ICSAP_RISK1"


def _completed_and_approved(staffed) -> None:
    claim = staffed.record("SOS 001/SS_ICSAP_RISK1", ChangeLifecycle("complete", evidence="Signed risk register"), actor="Liam Purdie")
    assert claim["recorded_as"] == "submitted"
    staffed.approve("SOS 001/SS_ICSAP_RISK1", actor=CLERK)
    assert staffed.show("SOS 001/SS_ICSAP_RISK1")["lifecycle"] == "completed"


def _form_kinds(page: Page) -> list[str]:
    return [f.action.rsplit("/", 1)[-1] for f in page.forms if f.action.startswith("/actions/")]


def test_a_completed_action_offers_a_note_and_reopening_but_no_progress_or_completion(browser: Browser, staffed):
    _completed_and_approved(staffed)
    browser.sign_in(LIAM)
    page = browser.get(RISK1)
    has_subs = bool(staffed.show("SOS 001/SS_ICSAP_RISK1")["sub_actions"])
    assert _form_kinds(page) == (["note", "sub-note", "reopen"] if has_subs else ["note", "reopen"])
    assert page.by_id("lifecycle-note") == "This action is complete: it takes notes, but no progress figures until it is reopened."
    browser.submit(page, "/note", note="Presented to committee on 24 March", effective_on="2015-03-25")
    shown = staffed.show("SOS 001/SS_ICSAP_RISK1")
    assert (shown["lifecycle"], shown["notes"][-1]["text"], shown["notes"][-1]["author"]) == (
        "completed",
        "Presented to committee on 24 March",
        "Liam Purdie",
    )


def test_reopening_at_100_asks_for_the_figure_beside_its_field_without_a_command_line_hint(browser: Browser, staffed):
    _completed_and_approved(staffed)
    browser.sign_in(LIAM)
    refused = Page(browser.submit(browser.get(RISK1), "/reopen", expect=400, reason="Evidence was the draft").text)
    assert "say how far it really is (below 100) to reopen it" in refused.by_id("e-reopen-progress")
    assert "plantrail" not in refused.by_id("problems") and "--progress" not in refused.html
    assert refused.form("/reopen").fields["reason"] == "Evidence was the draft"
    assert staffed.show("SOS 001/SS_ICSAP_RISK1")["lifecycle"] == "completed"

    response = browser.submit(refused, "/reopen", progress="80")
    assert response.headers["location"] == RISK1 + "?saved=reopen"
    reopened = browser.get(response.headers["location"])
    assert "Action reopened." in reopened.text
    shown = staffed.show("SOS 001/SS_ICSAP_RISK1")
    assert (shown["lifecycle"], shown["progress"]) == ("open", 80)
    latest = history(staffed.engine, plan_code="SOS 001", action_code="SS_ICSAP_RISK1")[-2:]
    assert [(e["type"], e["actor"], e["source"]) for e in latest] == [
        ("ActionReopened", "Liam Purdie", None),
        ("ProgressUpdated", "Liam Purdie", "web"),
    ]
    assert "progress" in _form_kinds(reopened) and "reopen" not in _form_kinds(reopened)
    browser.submit(reopened, "/progress", progress="85")
    assert staffed.show("SOS 001/SS_ICSAP_RISK1")["progress"] == 85


def test_a_viewer_of_a_completed_action_gets_no_reopen_form(browser: Browser, staffed):
    _completed_and_approved(staffed)
    browser.sign_in("vic.viewer@example.org")
    assert _form_kinds(browser.get(RISK1)) == []


def test_a_figure_backdated_before_a_later_one_says_it_was_recorded_and_why_the_current_figure_stays(browser: Browser, staffed):
    staffed.record("SOS 001/SS_ICSAP_RISK1", UpdateProgress(80, effective_on=date(2015, 3, 24)), actor="Liam Purdie")
    browser.sign_in(LIAM)
    response = browser.submit(browser.get(RISK1), "/progress", progress="82", effective_on="2015-03-23")
    page = browser.get(response.headers["location"])
    assert page.by_id("saved") == (
        "✔ Recorded 82% as at 23 Mar 2015. The current figure stays 80%, recorded for a later date (24 Mar 2015)."
    )
    assert staffed.show("SOS 001/SS_ICSAP_RISK1", as_at=date(2015, 3, 23))["progress"] == 82
    # A figure for the latest date is the current one: the plain message.
    response = browser.submit(browser.get(RISK1), "/progress", progress="85", effective_on="2015-03-25")
    assert browser.get(response.headers["location"]).by_id("saved") == "✔ Progress recorded."
