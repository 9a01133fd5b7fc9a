"""Owner pages: "My actions" and the action page's update forms, every write an event whose actor
is whoever is signed in; bad fields are 400s that write nothing; concurrent changes are shown."""

from __future__ import annotations

from datetime import date

from domain.commands import AddNote
from projections.audit import history
from tests.web.conftest import CLERK_EMAIL, Browser
from tests.web.html import Page

LIAM = "liam.purdie@example.org"
RISK1 = "/actions/SOS%20001/SS_ICSAP_RISK1"


def _events(services, code: str) -> list[dict]:
    return history(services.engine, plan_code="SOS 001", action_code=code)


def test_my_actions_lists_every_owned_action_overdue_first_then_due_soonest(browser: Browser, staffed):
    browser.sign_in(LIAM)
    page = browser.get("/my-actions")
    rows = [f.action for f in page.forms]  # no forms in the table; read the links instead
    assert rows == ["/sign-out", "/sign-out/everywhere"]
    codes = [line.split("/")[-1] for line in _links(page.html) if line.startswith("/actions/")]
    expected = []
    for plan in staffed.queries.plans():
        expected += staffed.queries.actions(plan["code"], as_at=date(2015, 3, 25), owner="Liam Purdie", with_children=False)
    closed = ("Complete", "Cancelled")
    expected.sort(key=lambda a: (a["status"] != "Alert", a["status"] in closed, a["due_date"] or "9999-12-31"))
    assert codes == [a["code"] for a in expected]
    assert expected[0]["status"] == "Alert" and expected[-1]["status"] != "Alert"


def _links(html: str) -> list[str]:
    import re

    return [m.replace("%20", " ") for m in re.findall(r'<th scope="row"><a href="([^"]+)">', html)]


def test_progress_with_a_note_is_recorded_with_the_signed_in_owner_as_actor(browser: Browser, staffed):
    browser.sign_in(LIAM)
    page = browser.get(RISK1)
    # Typed as the CLI and spreadsheets take it, with a percent sign.
    response = browser.submit(page, "/progress", progress=" 80% ", note="Risk matrix agreed with partners", effective_on="2015-03-24")
    assert response.headers["location"] == RISK1 + "?saved=progress&on=2015-03-24"
    after = browser.get(response.headers["location"])
    assert "Progress recorded" in after.text
    shown = staffed.show("SOS 001/SS_ICSAP_RISK1")
    assert shown["progress"] == 80
    assert shown["notes"][-1]["text"] == "Risk matrix agreed with partners"
    latest = _events(staffed, "SS_ICSAP_RISK1")[-2:]
    assert latest[0]["source"] == "web"
    assert [(e["type"], e["actor"], e["effective_on"]) for e in latest] == [
        ("ProgressUpdated", "Liam Purdie", "2015-03-24"),
        ("NoteAdded", "Liam Purdie", "2015-03-24"),
    ]


def test_a_bad_progress_value_is_a_400_with_the_message_next_to_the_field_and_nothing_written(browser: Browser, staffed):
    browser.sign_in(LIAM)
    before = len(_events(staffed, "SS_ICSAP_RISK1"))
    page = browser.get(RISK1)
    response = browser.submit(page, "/progress", expect=400, progress="150", note="typo", effective_on="2015-03-24")
    refused = Page(response.text)
    assert "from 0 to 100" in refused.by_id("e-progress-progress")
    assert refused.form("/progress").fields["note"] == "typo"  # what was typed is kept
    assert len(_events(staffed, "SS_ICSAP_RISK1")) == before


def test_an_effective_date_more_than_a_day_ahead_is_refused(browser: Browser, staffed):
    browser.sign_in(LIAM)
    before = len(_events(staffed, "SS_ICSAP_RISK1"))
    response = browser.submit(browser.get(RISK1), "/progress", expect=400, progress="50", effective_on="2015-03-27")
    assert "more than a day ahead" in Page(response.text).by_id("e-progress-effective_on")
    browser.submit(browser.get(RISK1), "/progress", progress="50", effective_on="2015-03-26")  # one day is fine
    assert len(_events(staffed, "SS_ICSAP_RISK1")) == before + 1


def test_a_change_made_since_the_form_was_loaded_is_shown_instead_of_overwritten(browser: Browser, staffed):
    browser.sign_in(LIAM)
    page = browser.get(RISK1)
    staffed.record("SOS 001/SS_ICSAP_RISK1", AddNote("Val: please check the figures"), actor="Val DeSouza")
    before = len(_events(staffed, "SS_ICSAP_RISK1"))
    response = browser.submit(page, "/progress", expect=409, progress="90", note="done nearly")
    conflict = Page(response.text)
    assert "Val: please check the figures" in conflict.by_id("conflict")
    assert len(_events(staffed, "SS_ICSAP_RISK1")) == before
    # Sending the kept entries again records them on top of the newer state.
    browser.submit(conflict, "/progress")
    assert staffed.show("SOS 001/SS_ICSAP_RISK1")["progress"] == 90


def test_a_form_sent_back_with_a_problem_still_catches_a_change_made_meanwhile(browser: Browser, staffed):
    """Every update form keeps the version the person first saw when it comes back with a
    problem: fixing the problem later does not overwrite what someone else recorded meanwhile."""
    browser.sign_in(LIAM)
    page = browser.get(RISK1)
    staffed.record("SOS 001/SS_ICSAP_RISK1", AddNote("Val: the date is agreed already"), actor="Val DeSouza")
    refused = Page(browser.submit(page, "/due-date", expect=400, due_date="2015-06-30", reason="").text)
    before = len(_events(staffed, "SS_ICSAP_RISK1"))
    response = browser.submit(refused, "/due-date", expect=409, reason="Waiting for the partner's data")
    assert "Val: the date is agreed already" in Page(response.text).by_id("conflict")
    assert len(_events(staffed, "SS_ICSAP_RISK1")) == before


def test_due_date_request_sub_action_note_and_completion_with_evidence(browser: Browser, staffed):
    browser.sign_in(LIAM)
    no_reason = browser.submit(browser.get(RISK1), "/due-date", expect=400, due_date="2015-06-30", reason="")
    assert "reason" in Page(no_reason.text).by_id("e-due-date-reason")
    staffed.app.configure_sign_off("SOS 001", sign_off="none", actor="Cara Clerk", reason="this test records directly")
    staffed.projector.catch_up()
    browser.submit(browser.get(RISK1), "/due-date", due_date="30-Jun-2015", reason="Partner sign-off moved to June")
    shown = staffed.show("SOS 001/SS_ICSAP_RISK1")
    assert (shown["due_date"], shown["original_due_date"]) == ("2015-06-30", "2015-01-31")
    subs = shown["sub_actions"]
    if subs:
        browser.submit(browser.get(RISK1), "/sub-note", sub_action=str(subs[0]["number"]), note="First workshop held")
        assert staffed.show("SOS 001/SS_ICSAP_RISK1")["sub_actions"][0]["notes"][-1]["text"] == "First workshop held"
    browser.submit(browser.get(RISK1), "/complete", evidence="Signed risk register, v3")
    done = staffed.show("SOS 001/SS_ICSAP_RISK1")
    assert (done["lifecycle"], done["progress"], done["evidence"][-1]) == ("completed", 100, "Signed risk register, v3")
    assert {e["actor"] for e in _events(staffed, "SS_ICSAP_RISK1")[-3:]} == {"Liam Purdie"}


def test_a_manager_updates_the_actions_of_the_people_they_manage(browser: Browser, staffed):
    browser.sign_in("val.desouza@example.org")  # Liam Purdie's manager
    browser.submit(browser.get(RISK1), "/progress", progress="40")
    assert _events(staffed, "SS_ICSAP_RISK1")[-1]["actor"] == "Val DeSouza"


def test_a_clerk_updates_any_action_of_their_plan(browser: Browser, staffed):
    browser.sign_in(CLERK_EMAIL)
    browser.submit(browser.get(RISK1), "/progress", progress="45")
    assert _events(staffed, "SS_ICSAP_RISK1")[-1]["actor"] == "Cara Clerk"


def test_an_unknown_action_is_a_404_page(browser: Browser):
    browser.sign_in(LIAM)
    page = browser.get("/actions/SOS%20001/NO_SUCH_ACTION", expect=404)
    assert page.title.startswith("Not found") or "not found" in page.text


def test_an_update_posted_to_an_unknown_action_or_plan_is_a_404_and_writes_nothing(browser: Browser, staffed):
    browser.sign_in(LIAM)
    fields = browser.get(RISK1).form("/progress").fields
    before = len(history(staffed.engine))
    for address in ("/actions/SOS%20001/NO_SUCH_ACTION/progress", "/actions/NO%20PLAN/SS_ICSAP_RISK1/progress"):
        assert browser.client.post(address, data=fields | {"progress": "50"}).status_code == 404
    assert len(history(staffed.engine)) == before


def test_an_update_posted_to_the_action_typed_in_another_case_is_recorded_on_that_action(browser: Browser, staffed):
    browser.sign_in(LIAM)
    fields = browser.get(RISK1).form("/progress").fields
    response = browser.client.post("/actions/sos%20%20001/ss_icsap_risk1/progress", data=fields | {"progress": "46"})
    assert response.status_code == 303 and response.headers["location"].startswith(RISK1 + "?saved=progress")
    assert staffed.show("SOS 001/SS_ICSAP_RISK1")["progress"] == 46


def test_the_action_page_shows_the_whole_history_with_backdated_entries_flagged(browser: Browser, staffed):
    browser.sign_in(LIAM)
    page = browser.get(RISK1)
    trail = _events(staffed, "SS_ICSAP_RISK1")
    assert page.html.count("<li>\n    <p><strong>") == len(trail)
    assert page.html.count("⚑ backdated") == sum(1 for e in trail if e["backdated"])


def test_under_sign_off_a_completion_is_sent_for_sign_off_and_says_so(browser: Browser, staffed):
    browser.sign_in(LIAM)
    response = browser.submit(browser.get(RISK1), "/complete", evidence="Signed risk register, v3")
    assert response.headers["location"].endswith("?saved=complete&as=submitted")
    page = browser.get(response.headers["location"])
    assert "sent for sign-off" in page.text
    assert "claimed by Liam Purdie" in page.by_id("awaiting") and "Signed risk register, v3" in page.by_id("awaiting")
    assert staffed.show("SOS 001/SS_ICSAP_RISK1")["lifecycle"] == "open"  # a claim, not yet a change
    assert [(c["action"], c["claimant"]) for c in staffed.pending("SOS 001")] == [("SS_ICSAP_RISK1", "Liam Purdie")]


def test_a_completion_with_blank_evidence_is_a_400_beside_the_evidence_field_and_writes_nothing(browser: Browser, staffed):
    browser.sign_in(LIAM)
    before = len(_events(staffed, "SS_ICSAP_RISK1"))
    page = browser.get(RISK1)
    response = browser.client.post(page.form("/complete").action, data=page.form("/complete").fields | {"evidence": "   "})
    assert response.status_code == 400
    refused = Page(response.text)
    assert refused.by_id("e-complete-evidence").startswith("Error: Say what shows the action is done")
    assert len(_events(staffed, "SS_ICSAP_RISK1")) == before
    assert staffed.show("SOS 001/SS_ICSAP_RISK1")["awaiting_sign_off"] == []


def test_a_refusal_page_links_back_to_the_page_the_person_came_from(browser: Browser):
    browser.sign_in(LIAM)
    response = browser.client.get("/actions/SOS%20001/NO_SUCH_ACTION", headers={"Referer": "http://testserver/my-actions"})
    assert response.status_code == 404
    assert Page(response.text).by_id("came-from") == "Back to the page you were on"
    assert '<a href="/my-actions" id="came-from">' in response.text
    elsewhere = browser.client.get("/actions/SOS%20001/NO_SUCH_ACTION", headers={"Referer": "https://evil.example/my-actions"})
    assert not Page(elsewhere.text).has_id("came-from")  # only a page of this site


def test_a_refusal_beside_a_field_does_not_repeat_the_fields_machine_name(browser: Browser, staffed):
    # The CLI says "effective date: …" (its option is --on); beside the field labelled
    # "Completed on" the label says which field it is.
    browser.sign_in(LIAM)
    page = browser.get(RISK1)
    response = browser.client.post(
        page.form("/complete").action, data=page.form("/complete").fields | {"evidence": "Register v3", "effective_on": "2027-01-01"}
    )
    assert response.status_code == 400
    beside = Page(response.text).by_id("e-complete-effective_on")
    assert beside.startswith("Error: 2027-01-01 is more than a day ahead of today (2015-03-25)"), beside


def test_a_missing_field_is_said_beside_it_without_its_name(browser: Browser, staffed):
    browser.sign_in(LIAM)
    response = browser.submit(browser.get(RISK1), "/due-date", expect=400, due_date="", reason="Partner data late")
    page = Page(response.text)
    assert page.by_id("e-due-date-due_date") == "Error: This is needed"
    assert "new due date: this is needed" in page.text  # the summary at the top names the field


def test_a_field_holding_zero_shows_zero_not_an_empty_box():
    from web.render import templates

    macros = templates().env.get_template("_partials/fields.html").module
    shown = str(macros.text_field("progress", "Progress (%)", 0, {}))  # type: ignore[attr-defined]
    assert 'value="0"' in shown
    assert 'value=""' in str(macros.text_field("progress", "Progress (%)", None, {}))  # type: ignore[attr-defined]
