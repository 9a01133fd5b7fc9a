"""Sign-off in the web app, against a real uvicorn server on SQLite and PostgreSQL: "Waiting for
my sign-off" lists what the signed-in person may decide with what it would change; Approve and
Reject record events with the approver as actor; every refusal is the domain's and writes nothing.

Liam Purdie owns SS_ICSAP_TRAN2 (with Maureen Dryden) and is managed by Val DeSouza; Cara Clerk is a clerk of SOS 001;
Vic Viewer reads only. SOS 001 is under sign-off = completion (the default).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from domain.timeliness import status
from projections.audit import history
from projections.statuses import status_mark
from projections.wording import shown_day, shown_time
from tests.web.conftest import CLERK_EMAIL, VIEWER_EMAIL, Browser
from tests.web.html import Page, sign_in_links
from tests.web.test_browser import live, wait_for_mail  # noqa: F401 - fixture

LIAM, VAL = "liam.purdie@example.org", "val.desouza@example.org"
TRAN2 = "/actions/SOS%20001/SS_ICSAP_TRAN2"
DECIDE = "/sign-off/SOS%20001/SS_ICSAP_TRAN2/"


class LiveBrowser(Browser):
    """``Browser`` over HTTP to the live server; mail is sent after the answer, so wait for it."""

    def __init__(self, live, smtp_server) -> None:  # noqa: F811
        super().__init__(httpx.Client(base_url=live.url, follow_redirects=False, timeout=60), smtp_server)  # type: ignore[arg-type]

    def request_link(self, email: str) -> str:
        before = len(self.smtp.received)
        self.submit(self.get("/sign-in"), "/sign-in", email=email)
        return sign_in_links(wait_for_mail(self.smtp, before, email)[-1].text())[0]


@pytest.fixture
def people(live, smtp_server) -> Iterator[dict[str, LiveBrowser]]:  # noqa: F811
    """One signed-in browser per person of the scenario."""
    browsers = {}
    for name, email in {"liam": LIAM, "val": VAL, "clerk": CLERK_EMAIL, "viewer": VIEWER_EMAIL}.items():
        browsers[name] = LiveBrowser(live, smtp_server)
        browsers[name].sign_in(email)
    yield browsers
    for b in browsers.values():
        b.client.close()


def _claim_completion(liam: LiveBrowser) -> None:
    response = liam.submit(liam.get(TRAN2), "/complete", evidence="Signed risk register, v3")
    assert response.headers["location"].endswith("?saved=complete&as=submitted")


def _stored(services) -> int:
    return len(history(services.engine, plan_code="SOS 001", action_code="SS_ICSAP_TRAN2"))


def _nav_count(page: Page) -> int:
    return int(page.by_id("nav-sign-off").split("(")[1].split()[0].rstrip(")"))


def _changes(page: Page, anchor: str) -> dict[str, tuple[str, str]]:
    """The claim's table of changes: field → (now, if approved), as the page shows them."""
    import re

    section = page.html.split(f'id="{anchor}"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<th scope="row">([^<]+)</th>\s*<td>(.*?)</td><td>(.*?)</td>', section, re.S)
    return {field.lower(): (Page(old).text, Page(new).text) for field, old, new in rows}


def test_the_page_lists_each_claim_the_person_may_decide_with_what_it_would_change(people, staffed):
    liam, val, clerk, viewer = people["liam"], people["val"], people["clerk"], people["viewer"]
    before = staffed.show("SOS 001/SS_ICSAP_TRAN2")
    assert (before["status"], before["lifecycle"]) == ("Warning", "open")  # so the claim changes it
    _claim_completion(liam)
    [waiting] = staffed.pending(for_person="Val DeSouza")
    plan = staffed.queries.plan("SOS 001")

    page = val.get("/sign-off")
    assert _nav_count(page) == 1
    heading = page.by_id("claim-1-h")
    assert heading.startswith("SOS 001/SS_ICSAP_TRAN2") and before["title"] in heading
    assert f"Liam Purdie proposes: {waiting['proposed']}, effective {shown_day(waiting['effective_on'])}" in page.by_id("claim-1")
    assert "Signed risk register, v3" in page.by_id("claim-1")
    completed = type("State", (), {"progress": before["progress"], "lifecycle": "completed", "due_date": None})()
    assert _changes(page, "claim-1") == {
        "status": (status_mark(before["status"]), status_mark(status(completed, date(2015, 3, 25), plan["warning_days"]).value)),
        "lifecycle": (before["lifecycle"], "completed"),
        "progress": (f"{before['progress']}%", "100%"),  # completing records 100 %
    }
    assert before["progress"] != 100
    approve, reject = page.form(DECIDE + "approve"), page.form(DECIDE + "reject")
    assert (approve.fields["kind"], approve.fields["claim"]) == ("completion", str(waiting["version"]))
    assert reject.fields["claim"] == str(waiting["version"])

    assert clerk.get("/sign-off").has_id("claim-1")  # a clerk of the plan may decide it too
    for who in (liam, viewer):  # never one's own claim; a viewer decides nothing
        mine = who.get("/sign-off")
        assert (mine.has_id("claim-1"), mine.has_id("none")) == (False, True)


def test_the_navigation_offers_sign_off_only_to_people_who_could_ever_decide_a_claim(people, staffed):
    # Liam manages nobody and clerks no plan; a viewer reads only: neither could ever approve,
    # so neither is shown a "Waiting for my sign-off (0)" they can never use. Val manages Liam
    # and the clerk clerks SOS 001: theirs shows, at 0 while nothing waits.
    shown = {name: people[name].get("/my-actions").has_id("nav-sign-off") for name in ("liam", "viewer", "val", "clerk")}
    assert shown == {"liam": False, "viewer": False, "val": True, "clerk": True}
    assert _nav_count(people["val"].get("/plans")) == 0
    _claim_completion(people["liam"])
    assert (_nav_count(people["val"].get("/plans")), people["viewer"].get("/plans").has_id("nav-sign-off")) == (1, False)


def test_an_admin_may_decide_any_claim_and_sees_it_on_their_page(people, live, smtp_server, staffed):  # noqa: F811
    staffed.app.register_person(name="Ada Admin", email="ada.admin@example.org", actor="test setup")
    staffed.app.grant_role("Ada Admin", "admin", None, actor="test setup", reason="runs plantrail")
    staffed.projector.catch_up()
    _claim_completion(people["liam"])
    ada = LiveBrowser(live, smtp_server)
    ada.sign_in("ada.admin@example.org")
    page = ada.get("/sign-off")
    assert _nav_count(page) == 1 and page.by_id("claim-1-h").startswith("SOS 001/SS_ICSAP_TRAN2 ")
    ada.submit(page, DECIDE + "reject", reason="Evidence is a draft")
    assert [(c["outcome"], c["decided_by"]) for c in staffed.claims("SOS 001/SS_ICSAP_TRAN2")] == [("rejected", "Ada Admin")]
    ada.client.close()


def test_approving_records_the_claimed_change_with_both_actors_and_says_so(people, staffed):
    liam, val = people["liam"], people["val"]
    _claim_completion(liam)
    response = val.submit(val.get("/sign-off"), DECIDE + "approve", comment="Seen the register")
    assert response.headers["location"] == "/sign-off?decided=approved&plan=SOS+001&action=SS_ICSAP_TRAN2"
    after = val.get(response.headers["location"])
    assert after.by_id("done").startswith("✔ Approved: SOS 001/SS_ICSAP_TRAN2.")
    assert (_nav_count(after), after.has_id("claim-1")) == (0, False)
    assert staffed.show("SOS 001/SS_ICSAP_TRAN2")["lifecycle"] == "completed"
    trail = history(staffed.engine, plan_code="SOS 001", action_code="SS_ICSAP_TRAN2", axis="recorded")
    assert [(e["type"], e["actor"]) for e in trail[-3:]] == [
        ("ChangeApproved", "Val DeSouza"),
        ("ActionCompleted", "Liam Purdie"),
        ("EvidenceAdded", "Liam Purdie"),
    ]
    assert trail[-3]["reason"] == "Seen the register"


def test_rejecting_without_a_reason_is_a_400_beside_the_reason_field_and_writes_nothing(people, staffed):
    liam, val = people["liam"], people["val"]
    _claim_completion(liam)
    stored = _stored(staffed)
    response = val.submit(val.get("/sign-off"), DECIDE + "reject", expect=400, reason="   ")
    page = Page(response.text)
    assert page.by_id("e-reject-1-reason") == "Error: A reason is required to reject a claim"
    assert 'aria-invalid="true"' in page.html.split('id="f-reject-1-reason"', 1)[1].split(">", 1)[0]
    assert page.by_id("problems").endswith("SOS 001/SS_ICSAP_TRAN2: reason: a reason is required to reject a claim")
    assert 'href="#f-reject-1-reason"' in page.html.split('id="problems"', 1)[1].split("</div>", 1)[0]
    assert _stored(staffed) == stored
    assert [c["outcome"] for c in staffed.claims("SOS 001/SS_ICSAP_TRAN2")] == ["pending"]


def test_a_claim_decided_in_another_tab_is_a_409_saying_what_became_of_it(people, staffed):
    liam, val, clerk = people["liam"], people["val"], people["clerk"]
    _claim_completion(liam)
    first_tab, second_tab = val.get("/sign-off"), val.get("/sign-off")
    clerk_tab = clerk.get("/sign-off")
    val.submit(first_tab, DECIDE + "reject", reason="No evidence of the partners' agreement")
    stored = _stored(staffed)
    for browser, tab in ((val, second_tab), (clerk, clerk_tab)):
        response = browser.submit(tab, DECIDE + "approve", expect=409)
        problem = Page(response.text).by_id("problem")
        assert "is no longer pending" in problem
        assert "was rejected by Val DeSouza" in problem and "No evidence of the partners' agreement" in problem
    assert _stored(staffed) == stored
    assert staffed.show("SOS 001/SS_ICSAP_TRAN2")["lifecycle"] == "open"


@pytest.mark.parametrize("who", ["liam", "viewer"])
def test_deciding_ones_own_claim_or_without_being_an_approver_is_a_403_page(people, staffed, who):
    _claim_completion(people["liam"])
    [waiting] = staffed.pending("SOS 001")
    browser = people[who]
    token = browser.get("/sign-off").form("/sign-out").fields["csrf_token"]  # their own, valid token
    stored = _stored(staffed)
    for decision, text in (("approve", "comment"), ("reject", "reason")):
        fields = {"csrf_token": token, "kind": "completion", "claim": str(waiting["version"]), text: "mine"}
        response = browser.client.post(DECIDE + decision, data=fields)
        assert response.status_code == 403, response.text[:500]
        expected = "made this claim and cannot decide it" if who == "liam" else "is not Liam Purdie's manager, a clerk of SOS 001"
        assert expected in Page(response.text).text
        # and who can, by name, from the read models (the people the sweep asks)
        assert Page(response.text).by_id("who-can").startswith("Awaiting sign-off by Val DeSouza (Liam Purdie's manager)")
    assert _stored(staffed) == stored


def test_a_decision_without_the_forms_csrf_token_is_refused_and_writes_nothing(people, staffed):
    _claim_completion(people["liam"])
    val = people["val"]
    fields = val.get("/sign-off").form(DECIDE + "approve").fields
    stored = _stored(staffed)
    for token in (None, "0" * 64):
        sent = {k: v for k, v in fields.items() if k != "csrf_token"} | ({"csrf_token": token} if token else {})
        assert val.client.post(DECIDE + "approve", data=sent).status_code == 403
    assert _stored(staffed) == stored


def test_the_action_page_shows_the_pending_claim_to_all_and_the_rejection_to_the_owner(people, staffed):
    liam, val, viewer = people["liam"], people["val"], people["viewer"]
    _claim_completion(liam)
    [waiting] = staffed.pending("SOS 001")
    awaiting = viewer.get(TRAN2).by_id("awaiting")
    assert f"claimed by Liam Purdie on {shown_time(waiting['since'])}." in awaiting
    assert viewer.get(TRAN2).by_id("deciders-completion") == (
        "Awaiting sign-off by Val DeSouza (Liam Purdie's manager) or Cara Clerk (clerk of SOS 001)."
    )
    assert "Complete (effective 25 Mar 2015), claimed by Liam Purdie" in awaiting
    assert "sign-off page" not in awaiting  # not theirs to decide
    assert "Approve or reject it on your sign-off page" in val.get(TRAN2).by_id("awaiting")

    response = val.submit(val.get("/sign-off"), DECIDE + "reject", reason="No evidence of the partners' agreement")
    assert val.get(response.headers["location"]).by_id("done") == (
        "✔ Rejected: SOS 001/SS_ICSAP_TRAN2. The action stays as last approved; their next reminder email tells them the reason "
        "(the daily reminder digest, or a clerk's chase if that comes first)."
    )
    [rejected] = [c for c in staffed.claims("SOS 001/SS_ICSAP_TRAN2") if c["outcome"] == "rejected"]
    told = liam.get(TRAN2).by_id("rejected-completion")
    assert f"rejected by {rejected['decided_by']} on {shown_day(rejected['decided_at'])}" in told
    assert "Reason given: No evidence of the partners' agreement" in told
    assert not viewer.get(TRAN2).has_id("rejected-completion")  # the owner's business
    _claim_completion(liam)  # made again: the rejection is answered, the new claim waits
    again = liam.get(TRAN2)
    assert not again.has_id("rejected-completion") and again.has_id("awaiting")


def test_a_sign_off_link_confirms_then_signs_in_to_decide_claims_and_nothing_else(people, live, smtp_server, staffed, clock):  # noqa: F811
    from web.links import ReminderLinks

    _claim_completion(people["liam"])
    maker = ReminderLinks(staffed.engine, "b" * 48, live.url, clock)  # the live server's key and address
    link = maker.sign_off_link("Val DeSouza")
    val = LiveBrowser(live, smtp_server)
    confirm = val.open_link(link)
    assert confirm.title.startswith("Sign in as Val DeSouza") and "claims awaiting your sign-off" in confirm.text
    assert val.client.get("/sign-off").status_code == 303  # opening the link signed nobody in
    assert val.submit(confirm, "/sign-in/confirm").headers["location"] == "/sign-off"
    page = val.get("/sign-off")
    assert page.has_id("claim-1") and "to decide sign-offs only" in page.text
    assert val.client.get("/my-actions").headers["location"] == "/sign-off"
    assert val.client.get("/plans/SOS%20001").status_code == 403
    action = val.get(TRAN2)  # reads the action, as the claim's context ...
    assert [f.action for f in action.forms] == ["/sign-out", "/sign-out/everywhere"]  # ... but updates nothing
    token = action.form("/sign-out").fields["csrf_token"]
    assert val.client.post(TRAN2 + "/progress", data={"csrf_token": token, "progress": "80"}).status_code == 403
    val.submit(page, DECIDE + "approve")
    assert staffed.show("SOS 001/SS_ICSAP_TRAN2")["lifecycle"] == "completed"

    again = val.client.get(urlsplit_path(link))
    assert again.status_code == 400 and "already been used" in Page(again.text).by_id("main")
    old = maker.sign_off_link("Val DeSouza")
    clock.advance(days=14, hours=1)
    expired = val.client.get(urlsplit_path(old))
    assert expired.status_code == 400 and "expired" in Page(expired.text).by_id("main")
    val.client.close()


def urlsplit_path(link: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"
