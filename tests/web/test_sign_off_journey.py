"""The sign-off issue's end-to-end journey, in Chromium against a real server, SMTP server and
store (SQLite and PostgreSQL):

an owner records a completion through the web (the plan's sign_off = completion) → the sweep
(`plantrail remind`, the real scheduler path) emails the approver through SMTP with the sign-off
section and its link → the link from the received message signs the approver in → they reject
with a reason → the owner sees the reason on the action page → resubmits → the approver approves
→ the summary counts the action complete and `history` shows submitted → rejected → submitted →
approved with both actors. axe-core checks each new page on the way (0 violations)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date
from urllib.parse import urlsplit

import pytest

from projections.summary import summary
from tests.cli_runner import invoke
from tests.web.test_browser import Session, chromium, live  # noqa: F401 - fixtures
from tests.web.test_journey import _env

LIAM, VAL = "liam.purdie@example.org", "val.desouza@example.org"
TRAN2 = "/actions/SOS%20001/SS_ICSAP_TRAN2"
REVIEW = re.compile(r"Review and decide: (https?://\S+/sign-in/confirm\?token=[A-Za-z0-9_.\-]+)")
DECISIONS = ("ChangeSubmitted", "ChangeRejected", "ChangeApproved")


def _complete(owner: Session, evidence: str) -> None:
    owner.go(TRAN2)
    owner.page.fill("#f-complete-evidence", evidence)
    owner.page.click("form[action$='/complete'] button[type=submit]")
    owner.page.wait_for_url("**saved=complete&as=submitted")
    assert "sent for sign-off" in owner.page.locator("main p[role=status]").inner_text()


def test_an_owners_completion_is_rejected_with_a_reason_then_resubmitted_and_approved(
    chromium,  # noqa: F811
    live,  # noqa: F811
    staffed,
    smtp_server,
    database_url,
):
    assert staffed.sign_off_settings("SOS 001")["sign_off"] == "completion"
    before = summary(staffed.queries, "SOS 001", as_at=date(2015, 3, 25))["totals"]
    assert staffed.show("SOS 001/SS_ICSAP_TRAN2")["status"] == "Warning"
    owner, approver = Session(chromium, live, smtp_server), Session(chromium, live, smtp_server)
    try:
        owner.sign_in(LIAM)
        _complete(owner, "Transition protocol signed by both services")
        owner.assert_accessible("action-awaiting-sign-off")

        env = _env(database_url, smtp_server, live.url)
        sent = len(smtp_server.received)
        # Today's sweep: a claim is made at the recorded time (the library's clock, today), which
        # the sweep holds against the end of its day.
        subprocess.run([sys.executable, "-m", "plantrail", "remind"], env=os.environ | env, check=True, timeout=300)
        [digest] = [m for m in smtp_server.received[sent:] if VAL in m.rcpt_tos]
        text = digest.text()
        assert "Awaiting your sign-off (1)." in text and "SS_ICSAP_TRAN2" in text.split("Awaiting your sign-off", 1)[1]
        [link] = REVIEW.findall(text)

        parts = urlsplit(link)
        approver.go(f"{parts.path}?{parts.query}")
        assert approver.page.title().startswith("Sign in as Val DeSouza")
        approver.assert_accessible("confirm-sign-off")
        approver.page.click("main button[type=submit]")
        approver.page.wait_for_url("**/sign-off")
        claim = approver.page.locator("#claim-1")
        assert "Liam Purdie proposes: complete" in claim.inner_text()
        assert " ".join(approver.page.locator("#nav-sign-off").text_content().split()) == "Waiting for my sign-off (1 claim)"
        approver.assert_accessible("sign-off")

        approver.page.click("#claim-1 button.reject")  # no reason yet: refused beside the field
        assert "A reason is required to reject a claim" in approver.page.locator("#e-reject-1-reason").inner_text()
        approver.assert_accessible("sign-off-error")
        approver.page.fill("#f-reject-1-reason", "Attach the signed protocol, not the draft")
        approver.page.click("#claim-1 button.reject")
        approver.page.wait_for_url("**decided=rejected**")
        assert approver.page.locator("#done").inner_text().startswith("✔ Rejected: SOS 001/SS_ICSAP_TRAN2.")

        owner.go(TRAN2)
        told = owner.page.locator("#rejected-completion").inner_text()
        assert "rejected by Val DeSouza" in told and "Attach the signed protocol, not the draft" in told
        owner.assert_accessible("action-claim-rejected")
        _complete(owner, "Signed protocol, final version, on the shared drive")

        approver.go("/sign-off")
        assert "Signed protocol, final version" in approver.page.locator("#claim-1").inner_text()
        approver.page.fill("#f-approve-1-comment", "Final version seen")
        approver.page.click("#claim-1 form[action$='/approve'] button[type=submit]")
        approver.page.wait_for_url("**decided=approved**")
        assert approver.page.locator("#none").is_visible()
    finally:
        owner.close()
        approver.close()

    after = summary(staffed.queries, "SOS 001", as_at=date(2015, 3, 25))["totals"]
    assert (after["complete"], after["warning"]) == (before["complete"] + 1, before["warning"] - 1)
    trail = json.loads(invoke(env, "history", "SOS 001/SS_ICSAP_TRAN2", "--format", "json").stdout)
    decisions = [(e["type"], e["actor"]) for e in trail if e["type"] in DECISIONS]
    assert decisions == [
        ("ChangeSubmitted", "Liam Purdie"),
        ("ChangeRejected", "Val DeSouza"),
        ("ChangeSubmitted", "Liam Purdie"),
        ("ChangeApproved", "Val DeSouza"),
    ]
    rejected = next(e for e in trail if e["type"] == "ChangeRejected")
    assert rejected["reason"] == "Attach the signed protocol, not the draft"


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_claim_is_decided_at_phone_width_with_javascript_turned_off(chromium, live, staffed, smtp_server):  # noqa: F811
    from domain.commands import ChangeLifecycle
    from tests.web.html import sign_in_links
    from tests.web.test_browser import wait_for_mail

    staffed.record("SOS 001/SS_ICSAP_TRAN2", ChangeLifecycle("complete", None, None, "Signed protocol"), actor="Liam Purdie")
    context = chromium.new_context(java_script_enabled=False, viewport={"width": 320, "height": 640})
    page = context.new_page()
    try:
        before = len(smtp_server.received)
        page.goto(live.url + "/sign-in?next=/sign-off")
        page.fill("#f-email", VAL)
        page.click("main button[type=submit]")
        page.goto(sign_in_links(wait_for_mail(smtp_server, before, VAL)[-1].text())[0])
        page.click("main button[type=submit]")
        page.wait_for_url("**/sign-off")
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the sign-off page scrolls sideways by {overflow}px at 320px"
        page.fill("#f-approve-1-comment", "Approved from a phone")
        page.click("#claim-1 form[action$='/approve'] button[type=submit]")
        page.wait_for_url("**decided=approved**")
    finally:
        context.close()
    assert staffed.show("SOS 001/SS_ICSAP_TRAN2")["lifecycle"] == "completed"
    assert staffed.claims("SOS 001/SS_ICSAP_TRAN2")[-1]["outcome"] == "approved"
