"""A 403 page speaks to the reader: a heading, the reason in plain words (no internal prefix),
who can do it, named from the roles granted, and a way back; the status and the log line stay."""

from __future__ import annotations

import logging

from tests.web.conftest import CLERK, VIEWER_EMAIL, Browser

LIAM = "liam.purdie@example.org"
ROUND = "/plans/SOS%20001/round"
RISK1 = "/actions/SOS%20001/SS_ICSAP_RISK1"


def _granted(staffed, role: str, plan: str | None = None) -> list[str]:
    """Who holds a role, asked person by person (the CLI's query), not by the page's own."""
    return sorted(n for n in staffed.queries.person_names() if (role, plan) in staffed.person_with_roles(n)["roles"])


def test_a_refused_round_page_names_the_plans_clerks_and_offers_a_way_back(browser: Browser, staffed, caplog):
    browser.sign_in(LIAM)
    with caplog.at_level(logging.WARNING, logger="plantrail.web"):
        response = browser.client.get(ROUND, headers={"Referer": "http://testserver/plans/SOS%20001"})
    assert response.status_code == 403
    assert any(r.message.startswith("forbidden: GET /plans/SOS 001/round by Liam Purdie") for r in caplog.records)
    page = type(browser.get("/plans"))(response.text)
    assert page.by_id("error-heading") == "You can't do that here"
    message = page.text
    assert "not allowed" not in message.lower()
    assert "Only a clerk of SOS 001 runs its committee cycle" in message
    assert _granted(staffed, "clerk", "SOS 001") == [CLERK]
    assert page.by_id("who-can") == f"The clerk of SOS 001: {CLERK}."
    assert page.by_id("came-from") == "Back to the page you were on"


def test_a_refused_update_names_the_actions_owners_and_clerks(browser: Browser, staffed):
    browser.sign_in(VIEWER_EMAIL)
    csrf = browser.get(RISK1).form("/sign-out").fields["csrf_token"]
    response = browser.client.post(RISK1 + "/progress", data={"csrf_token": csrf, "progress": "99"})
    assert response.status_code == 403
    page = type(browser.get("/plans"))(response.text)
    owners = staffed.show("SOS 001/SS_ICSAP_RISK1")["owners"]
    assert page.by_id("error-heading") == "You can't do that here"
    assert "You can't record changes on SS_ICSAP_RISK1" in page.text
    who_can = page.by_id("who-can")
    assert all(owner in who_can for owner in owners) and CLERK in who_can
    assert staffed.show("SOS 001/SS_ICSAP_RISK1")["progress"] != 99


def test_a_refused_audit_trail_says_who_can_open_it_on_a_store_with_no_admin(browser: Browser, staffed):
    assert _granted(staffed, "admin") == []
    browser.sign_in(LIAM)
    page = browser.get("/audit", expect=403)
    assert "The audit trail is for clerks of a plan, administrators and viewers" in page.text
    assert "Nobody has been made an administrator yet" in page.by_id("who-can")
