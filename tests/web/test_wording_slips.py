"""Small wording slips a new user met: event names, plurals, evidence where it belongs, the report's
formats, and no engine terms ("version") in what a decider reads."""

from __future__ import annotations

import re

from tests.web.conftest import CLERK_EMAIL, VIEWER_EMAIL, Browser
from tests.web.html import Page, table_cells

LIAM, VAL = "liam.purdie@example.org", "val.desouza@example.org"
TRAN2 = "/actions/SOS%20001/SS_ICSAP_TRAN2"
RISK1 = "/actions/SOS%20001/SS_ICSAP_RISK1"
DASHBOARD = "/plans/SOS%20001"


def _claim(browser: Browser, form: str, action: str = TRAN2, **fields: str) -> None:
    browser.sign_in(LIAM)
    response = browser.submit(browser.get(action), form, **fields)
    assert response.headers["location"].endswith("&as=submitted")
    browser.client.cookies.clear()


def _sections(html: str) -> dict[str, str]:
    """Each action's section on the sign-off page (its claims), by action code."""
    found = [Page(s).text for s in re.findall(r'<section class="claim".*?</section>', html, re.S)]
    return {text.removeprefix("SOS 001/").split(" ", 1)[0]: text for text in found}


def test_a_sub_action_note_is_named_with_its_hyphen(browser: Browser):
    browser.sign_in(VIEWER_EMAIL)
    rows = table_cells(browser.get("/audit?plan=SOS+001&type=SubActionNoteAdded"), "audit-table")[1:]
    assert rows and {r[2] for r in rows} == {"Sub-action note added"}


def test_evidence_is_shown_only_on_a_completion_claim(browser: Browser):
    _claim(browser, "/due-date", due_date="2015-06-30", reason="case file audit moved")
    _claim(browser, "/complete", RISK1, evidence="Signed risk register, v3")
    browser.sign_in(VAL)
    html = browser.get("/sign-off").html
    sections = _sections(html)
    assert "Evidence" not in sections["SS_ICSAP_TRAN2"] and "Due date" in sections["SS_ICSAP_TRAN2"]
    # What approving it changes: the due date now and if approved, in words as the rest of the page.
    assert re.search(r"<th scope=\"row\">Due date</th>\s*<td>31 Mar 2015</td><td>30 Jun 2015</td>", html)
    assert "proposes: due date 30 Jun 2015, effective 25 Mar 2015." in sections["SS_ICSAP_TRAN2"]
    assert "EvidenceSigned risk register, v3" in sections["SS_ICSAP_RISK1"]  # <dt>Evidence</dt><dd>Signed…


def test_the_report_counts_claims_in_proper_plurals(browser: Browser, staffed):
    _claim(browser, "/complete", evidence="Signed risk register, v3")
    browser.sign_in(CLERK_EMAIL)
    report = Page(browser.client.get(DASHBOARD + "/report.html").text).text
    assert "◷ 1 action carries a claim awaiting sign-off; it is counted above as last approved." in report
    assert "(s)" not in report


def test_an_unknown_report_format_lists_every_format_there_is(browser: Browser):
    browser.sign_in(CLERK_EMAIL)
    response = browser.client.get(DASHBOARD + "/report.pdf")
    assert response.status_code == 404
    assert "no report format 'pdf' (html, csv, json or xlsx)" in Page(response.text).text


def test_a_claim_decided_meanwhile_is_explained_without_engine_terms(browser: Browser):
    _claim(browser, "/complete", evidence="Signed risk register, v3")
    browser.sign_in(VAL)
    tab = browser.get("/sign-off")
    browser.submit(tab, "/SS_ICSAP_TRAN2/reject", reason="No evidence of the partners' agreement")
    response = browser.submit(tab, "/SS_ICSAP_TRAN2/approve", expect=409)  # the first tab, still showing the claim
    problem = Page(response.text).by_id("problem")
    assert "the claim you saw on SOS 001/SS_ICSAP_TRAN2 is no longer pending: it was decided meanwhile; nothing was recorded" in problem
    assert "version" not in problem.lower()
