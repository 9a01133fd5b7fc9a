"""Clerk pages: the dashboard as at a committee date, the actions behind a count, the report
downloads, the update round with "chase now", and the audit trail with its filters and CSV."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit

from domain.commands import ChangeLifecycle, ReviseDueDate, UpdateProgress
from plantrail.rounds import round_status
from projections.audit import history
from projections.report import report_data
from projections.statuses import COUNT_STATUS
from projections.summary import summary
from projections.wording import shown_day, shown_time
from tests.mail_dates import local_day, mail_day
from tests.web.conftest import CLERK_EMAIL, VIEWER_EMAIL, Browser
from tests.web.html import Page, table_cells

DASHBOARD = "/plans/SOS%20001"


def test_the_dashboard_as_at_a_committee_date_shows_the_summary_of_that_date(browser: Browser, staffed):
    browser.sign_in(CLERK_EMAIL)
    page = browser.get(DASHBOARD + "?as_at=2015-03-06")
    expected = summary(staffed.queries, "SOS 001", as_at=date(2015, 3, 6))
    totals_row = next(r for r in table_cells(page, "trend-table") if r and r[0] == "6 Mar 2015")
    assert [int(n) for n in totals_row[1:5]] == [expected["totals"][k] for k in ("alert", "warning", "ok", "complete")]
    assert "/plans/SOS%20001?as_at=2015-04-02" in page.html  # one click for each committee date


def test_each_count_links_to_the_actions_behind_it(browser: Browser, staffed):
    browser.sign_in(CLERK_EMAIL)
    page = browser.get(DASHBOARD + "?as_at=2015-03-25")
    link = re.search(r'href="(/plans/SOS%20001/actions\?as_at=2015-03-25&amp;status=warning)"', page.html)
    assert link is not None
    behind = browser.get(link.group(1).replace("&amp;", "&"))
    codes = re.findall(r'<th scope="row"><a href="/actions/SOS%20001/([^"]+)">', behind.html)
    expected = [a["code"] for a in staffed.queries.actions("SOS 001", as_at=date(2015, 3, 25)) if a["status"] == "Warning"]
    assert codes == expected and len(codes) == summary(staffed.queries, "SOS 001", as_at=date(2015, 3, 25))["totals"]["warning"]


def test_a_count_in_a_priority_row_names_the_priority_it_lists(browser: Browser, staffed):
    browser.sign_in(CLERK_EMAIL)
    first = staffed.queries.priorities("SOS 001")[0]
    behind = browser.get(DASHBOARD + f"/actions?as_at=2015-03-25&priority={first['number']}")
    expected = [
        a
        for a in staffed.queries.actions("SOS 001", as_at=date(2015, 3, 25))
        if a["priority_area"] and a["priority_area"]["number"] == first["number"]
    ]
    heading = re.search(r"<h1>(.*?)</h1>", behind.html, flags=re.S).group(1)
    assert " ".join(heading.split()) == f"SOS 001: {len(expected)} actions in priority {first['number']}: {first['name']}"


def test_the_report_downloads_in_three_formats_with_the_same_numbers(browser: Browser, staffed):
    browser.sign_in(VIEWER_EMAIL)
    response = browser.client.get(DASHBOARD + "/report.json?as_at=2015-03-25&since=2015-03-06")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    data = json.loads(response.text)
    expected = report_data(staffed.queries, staffed.engine, "SOS 001", as_at=date(2015, 3, 25), since=date(2015, 3, 6))
    assert data["summary"] == expected["summary"]
    rows = list(csv.DictReader(io.StringIO(browser.client.get(DASHBOARD + "/report.csv?as_at=2015-03-25").text)))
    assert len(rows) == sum(len(s["actions"]) for s in expected["sections"])
    workbook = browser.client.get(DASHBOARD + "/report.xlsx?as_at=2015-03-25")
    import openpyxl

    sheets = openpyxl.load_workbook(io.BytesIO(workbook.content)).sheetnames
    assert len(sheets) == 1 + len(expected["sections"])  # the summary, then one sheet per priority
    html = browser.client.get(DASHBOARD + "/report.html?as_at=2015-03-25")
    assert html.headers["content-type"].startswith("text/html") and "SOS 001" in html.text


def test_the_update_round_splits_owners_and_chase_now_raises_reminders_as_events(browser: Browser, staffed, smtp_server, clock):
    clock.now = datetime.now(UTC)  # chases are recorded at the real time; the page compares the web's clock with it
    browser.sign_in(CLERK_EMAIL)
    page = browser.get(DASHBOARD + "/round")
    waiting = [r[0] for r in table_cells(page, "waiting")[1:]]
    assert waiting, "as at 2015-03-25 some owners have not updated since the round opened on 2015-03-15"
    assert not page.has_id("last-chase")
    before = len(smtp_server.received)
    response = browser.submit(page, "/round/chase")
    digests = [m.text() for m in smtp_server.received[before:]]
    assert 0 < len(digests) < len(waiting)  # the owners' digests went out, one per owner
    assert response.headers["location"].endswith(f"chased={len(waiting)}&emails={len(digests)}&sent={len(waiting)}")
    said = browser.get(response.headers["location"]).by_id("chased")
    assert said == f"✔ Chased the owners of {len(waiting)} actions: {len(digests)} emails (one per owner), all sent."
    chased = history(staffed.engine, plan_code="SOS 001", event_type="ReminderRaised", actor="Cara Clerk")
    assert sorted(e["action"] for e in chased) == sorted(waiting)
    # Each chased action's digest entry carries its latest note, as the scheduled reminders do.
    today = staffed.today("SOS 001")
    noted = {c: n for c in waiting if (n := staffed.queries.action("SOS 001", c, as_at=today)["latest_note"])}
    assert noted, "the seed's waiting actions have notes"
    for code, note in noted.items():
        entry = next(d.split(f" {code} ", 1)[1] for d in digests if f" {code} " in d).split("\n\n")[0]
        assert f"Latest note ({mail_day(note['effective_on'], today)}): " in entry, entry
    # A second click within the hour emails nobody again: the page says when the next chase may go.
    page = browser.get(DASHBOARD + "/round")
    assert page.by_id("last-chase").startswith(f"Last chased by Cara Clerk at {clock.now:%Y-%m-%d}")
    assert not [f for f in page.forms if f.action.endswith("/round/chase")]
    sent = len(smtp_server.received)
    round_url = f"http://testserver{DASHBOARD}/round"
    refused = browser.client.post(DASHBOARD + "/round/chase", data=page.form("/sign-out").fields, headers={"Referer": round_url})
    assert refused.status_code == 409
    web = browser.client.app.state.web
    last = round_status(web.services, web.policy_for, "SOS 001").last_chase
    assert (
        Page(refused.text)
        .by_id("main")
        .startswith(
            f"Already chased You chased the owners at {last.at:%H:%M} UTC and they were emailed then; "
            f"you can chase them again from {last.again_from:%H:%M} UTC."
        )
    )
    assert f'<a href="{DASHBOARD}/round" id="came-from">Back to the page you were on</a>' in refused.text
    assert len(history(staffed.engine, plan_code="SOS 001", event_type="ReminderRaised", actor="Cara Clerk")) == len(chased)
    assert len(smtp_server.received) == sent
    # An hour on, a chase is a new reminder (a new event), not a duplicate dropped.
    clock.advance(minutes=61)
    browser.submit(browser.get(DASHBOARD + "/round"), "/round/chase")
    assert len(history(staffed.engine, plan_code="SOS 001", event_type="ReminderRaised", actor="Cara Clerk")) == 2 * len(chased)


def test_a_chase_the_mail_server_did_not_take_says_so(browser: Browser, staffed, smtp_server, clock):
    clock.now = datetime.now(UTC)
    browser.sign_in(CLERK_EMAIL)
    page = browser.get(DASHBOARD + "/round")
    waiting = len(table_cells(page, "waiting")) - 1
    smtp_server.stop()  # the council's mail server is down
    response = browser.submit(page, "/round/chase")
    emails = staffed.outbox.message_count([e["changes"]["reminder"][1] for e in history(staffed.engine, event_type="ReminderRaised")])
    assert 0 < emails < waiting
    assert response.headers["location"].endswith(f"chased={waiting}&emails={emails}&sent=0")
    said = browser.get(response.headers["location"]).by_id("chased")
    assert said.startswith(
        f"✔ Chased the owners of {waiting} actions: {emails} emails (one per owner); the reminders about 0 of the actions sent. "
        f"The mail server did not take the other {waiting}:"
    )
    assert len(history(staffed.engine, plan_code="SOS 001", event_type="ReminderRaised", actor="Cara Clerk")) == waiting


def test_the_round_lists_a_completion_awaiting_sign_off_apart_and_does_not_chase_it(browser: Browser, staffed, smtp_server, clock):
    clock.now = datetime.now(UTC)
    browser.sign_in(CLERK_EMAIL)
    waiting = [r[0] for r in table_cells(browser.get(DASHBOARD + "/round"), "waiting")[1:]]
    code = waiting[0]
    owner = staffed.show(f"SOS 001/{code}")["owners"][0]
    # Claimed complete with a date before the round opened: it does not answer the round, but
    # the owners have nothing more to give; the approver is asked to decide it instead.
    staffed.record(f"SOS 001/{code}", ChangeLifecycle("complete", None, date(2015, 3, 1), "Signed off by the partners"), actor=owner)
    page = browser.get(DASHBOARD + "/round")
    assert [r[0] for r in table_cells(page, "waiting")[1:]] == waiting[1:]
    assert [r[0] for r in table_cells(page, "awaiting-sign-off")[1:]] == [code]
    response = browser.submit(page, "/round/chase")
    told = parse_qs(urlsplit(response.headers["location"]).query)
    assert (told["chased"], told["sent"]) == ([str(len(waiting) - 1)], [str(len(waiting) - 1)])
    chased = history(staffed.engine, plan_code="SOS 001", event_type="ReminderRaised", actor="Cara Clerk")
    assert sorted(e["action"] for e in chased) == sorted(waiting[1:])


def test_chase_now_tells_a_chased_owner_of_a_rejection_not_yet_told_with_its_reason(browser: Browser, staffed, smtp_server, clock):
    clock.now = datetime.now(UTC)
    tran3 = "SOS 001/SS_ICSAP_TRAN3"
    staffed.record(tran3, ReviseDueDate(date(2015, 4, 30), "Trainer off sick in March"), actor="Liam Purdie")
    reason = "Book another trainer; March still stands"
    assert staffed.reject(tran3, actor="Val DeSouza", reason=reason)["claimant_told"]["when"] == "next digest"
    browser.sign_in(CLERK_EMAIL)
    page = browser.get(DASHBOARD + "/round")
    assert "Liam Purdie" in {owner for row in table_cells(page, "waiting")[1:] for owner in row[1].split(", ")}
    before = len(smtp_server.received)
    browser.submit(page, "/round/chase")
    [liam] = [m for m in smtp_server.received[before:] if m.rcpt_tos == ["liam.purdie@example.org"]]
    text = liam.text().replace("\r\n", "\n")
    assert "\nYour claims not accepted (1).\n" in text
    assert (
        f"   Not accepted by Val DeSouza on {mail_day(local_day(staffed.claims(tran3)[-1]['decided_at']), staffed.today('SOS 001'))}. Reason given: {reason}\n"
        in text
    )


def test_only_a_clerk_of_the_plan_sees_the_round(browser: Browser):
    browser.sign_in("liam.purdie@example.org")
    assert browser.client.get(DASHBOARD + "/round").status_code == 403
    assert browser.client.get(DASHBOARD).status_code == 200  # reading the dashboard is for everyone


def test_the_audit_trail_filters_pages_and_exports(browser: Browser, staffed):
    browser.sign_in(VIEWER_EMAIL)
    page = browser.get("/audit?plan=SOS+001&type=NoteAdded&axis=effective&since=2015-01-01&until=2015-03-31")
    expected = history(staffed.engine, plan_code="SOS 001", event_type="NoteAdded", since=date(2015, 1, 1), until=date(2015, 3, 31))
    rows = table_cells(page, "audit-table")[1:]
    assert len(rows) == min(50, len(expected))
    assert [" ".join(r[0].split()[:3]) for r in rows] == [shown_day(e["effective_on"]) for e in expected[:50]]
    body = browser.client.get("/audit.csv?plan=SOS+001&type=NoteAdded&since=2015-01-01&until=2015-03-31").text
    exported = list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))  # a BOM, for Excel
    assert [int(r["position"]) for r in exported] == [e["position"] for e in expected]
    everything = history(staffed.engine, plan_code="SOS 001")
    second = browser.get("/audit?plan=SOS+001&page=2")
    assert table_cells(second, "audit-table")[1][1] == shown_time(everything[50]["recorded_at"])


def test_an_owner_without_a_role_may_not_read_the_audit_trail(browser: Browser):
    browser.sign_in("liam.purdie@example.org")
    assert browser.client.get("/audit").status_code == 403


def test_changes_since_the_last_committee_lists_what_moved(browser: Browser, staffed):
    from projections.summary import changes

    browser.sign_in(CLERK_EMAIL)
    dashboard = browser.get(DASHBOARD + "?as_at=2015-03-25")
    link = re.search(r'href="(/plans/SOS%20001/changes\?[^"]+)"', dashboard.html)
    assert link is not None and "since=2015-03-06" in link.group(1)
    page = browser.get(link.group(1).replace("&amp;", "&"))
    expected = changes(staffed.queries, staffed.engine, "SOS 001", from_date=date(2015, 3, 6), to_date=date(2015, 3, 25))
    listed = re.findall(r'<li><a href="/actions/SOS%20001/([^"]+)">', page.html)
    assert listed == [m["code"] for m in expected["actions"]]


def test_an_htmx_filter_request_gets_only_the_results(browser: Browser):
    browser.sign_in(VIEWER_EMAIL)
    partial = browser.client.get("/audit?plan=SOS+001&type=DueDateRevised", headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "<html" not in partial.text and 'id="audit-table"' in partial.text
    assert "<html" in browser.client.get("/audit?plan=SOS+001&type=DueDateRevised").text  # without JavaScript: the whole page


def test_the_audit_trails_what_changed_column_is_in_words_without_reminder_keys(browser: Browser, staffed, smtp_server, clock):
    clock.now = datetime.now(UTC)
    figure = staffed.show("SOS 001/SS_ICSAP_TRAN2")["progress"]
    staffed.record("SOS 001/SS_ICSAP_TRAN2", UpdateProgress(figure, source="web"), actor="Liam Purdie")
    browser.sign_in(CLERK_EMAIL)
    browser.submit(browser.get(DASHBOARD + "/round"), "/round/chase")
    keys = [e["changes"]["reminder"][1] for e in history(staffed.engine, plan_code="SOS 001", event_type="ReminderRaised")]
    assert keys
    page = browser.get("/audit?plan=SOS+001&type=ReminderRaised")
    changed = [row[5] for row in table_cells(page, "audit-table")[1:]]
    assert len(changed) == len(keys) and all(c.startswith("“committee update request: reminded ") for c in changed), changed
    assert not [k for k in keys if k in page.html]
    confirmed = browser.get("/audit?plan=SOS+001&type=progressupdated&actor=Liam+Purdie")
    assert [(row[2], row[5]) for row in table_cells(confirmed, "audit-table")[1:]] == [(f"Progress confirmed at {figure}%", "")]
    assert Page(confirmed.html).form("/audit").fields["type"] == "ProgressUpdated"  # the filter shows what it chose


def test_the_status_over_time_table_counts_each_committee_that_has_met_and_none_to_come(browser: Browser, staffed):
    today = staffed.today("SOS 001")
    staffed.schedule_committee("SOS 001", meets_on=date(2015, 6, 10), report_deadline=None, committee=None, actor="Cara Clerk")
    browser.sign_in(CLERK_EMAIL)
    rows = table_cells(browser.get(DASHBOARD), "trend-table")[1:]
    met = [d for c in staffed.queries.committees("SOS 001") if (d := date.fromisoformat(c["meets_on"])) <= today]
    assert [r[0] for r in rows] == [shown_day(d) for d in met] and met
    for row, meets_on in zip(rows, met, strict=True):
        totals = summary(staffed.queries, "SOS 001", as_at=meets_on)["totals"]
        assert [int(n) for n in row[1:]] == [totals.get(key, 0) for key in COUNT_STATUS]


def test_the_audit_trail_offers_a_clerk_only_their_own_plans(browser: Browser, staffed):
    def plan_options(page: Page) -> list[str]:
        select = page.html.split('name="plan"', 1)[1].split("</select>", 1)[0]
        return re.findall(r'<option value="([^"]*)"', select)

    browser.sign_in(CLERK_EMAIL)  # a clerk of SOS 001 only
    assert plan_options(browser.get("/audit")) == ["SOS 001"]
    browser.client.cookies.clear()  # signed out
    browser.sign_in(VIEWER_EMAIL)
    assert plan_options(browser.get("/audit")) == ["", *(p["code"] for p in staffed.queries.plans())]  # "All plans" first
