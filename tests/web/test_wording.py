"""What pages say, read as text (whitespace-normalised, one space between the text of separate
elements, as a screen reader's or a text dump's reading does): no stray space before punctuation,
counts pluralised, events in plain words without internal keys."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from urllib.parse import urlsplit

from notifications.relay import relay_once
from plantrail.rounds import chase
from projections.audit import history
from projections.summary import changes
from projections.wording import shown_day
from tests.web.conftest import CLERK_EMAIL, SECRET, Browser
from tests.web.html import Page
from web.links import ReminderLinks

LIAM, VAL = "liam.purdie@example.org", "val.desouza@example.org"
TRAN2 = "/actions/SOS%20001/SS_ICSAP_TRAN2"
DASHBOARD = "/plans/SOS%20001"


class _Runs(HTMLParser):
    """The page's text runs, each element's text apart from its neighbours'."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.runs: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in ("script", "style", "title")

    def handle_endtag(self, tag):
        self.hidden -= tag in ("script", "style", "title")

    def handle_data(self, data):
        if not self.hidden:
            self.runs.append(data)


def read_aloud(html: str) -> str:
    parser = _Runs()
    parser.feed(html)
    return " ".join(" ".join(parser.runs).split())


def _stray_spaces(text: str) -> list[str]:
    return [text[max(0, m.start() - 30) : m.end() + 10] for m in re.finditer(r" [,;.)](?!\w)", text)]


def _claim_completion(browser: Browser) -> None:
    browser.sign_in(LIAM)
    page = browser.get(TRAN2)
    browser.submit(page, "/complete", evidence="Signed risk register, v3")
    browser.client.cookies.clear()


def test_the_sign_off_page_and_navigation_read_without_stray_spaces(browser: Browser, staffed):
    _claim_completion(browser)
    browser.sign_in(VAL)
    html = browser.client.get("/sign-off").text
    text = read_aloud(html)
    [claim] = staffed.pending(for_person="Val DeSouza")
    assert f"Liam Purdie proposes: {claim['proposed']}, effective {shown_day(claim['effective_on'])}. Waiting since" in text
    assert "Waiting for my sign-off (1 claim) Signed in as" in text
    assert _stray_spaces(text) == []
    recent = [
        " ".join(Page(li).text.split())
        for li in re.findall(r"<li>(.*?)</li>", html.split('class="recent"', 1)[1].split("</ul>", 1)[0], re.S)
    ]
    assert recent and recent[0].split(": ", 1)[1].startswith("Change submitted for sign-off — “claims completion")
    assert not [r for r in recent if re.search(r": (?:[A-Z][a-z]+){2,}", r)]  # no event class names


def test_the_dashboard_and_plan_settings_read_without_stray_spaces(browser: Browser, staffed):
    browser.sign_in(CLERK_EMAIL)
    dashboard = read_aloud(browser.get(DASHBOARD + "?as_at=2015-03-25").html)
    assert re.search(r"\bAs at 25 Mar 2015\. ", dashboard)
    settings = read_aloud(browser.get(DASHBOARD + "/settings").html)
    mode = staffed.sign_off_settings("SOS 001")["sign_off"]
    assert f"Now: {mode}; a claim waiting more than" in settings
    assert (_stray_spaces(dashboard), _stray_spaces(settings)) == ([], [])


def test_changes_count_new_notes_in_words(browser: Browser, staffed):
    browser.sign_in(LIAM)
    browser.submit(browser.get(TRAN2), "/progress", progress="80", note="Risk register reviewed with the police lead")
    browser.client.cookies.clear()
    browser.sign_in(CLERK_EMAIL)
    page = browser.get(DASHBOARD + "/changes?since=2015-03-06&as_at=2015-03-25")
    expected = changes(staffed.queries, staffed.engine, "SOS 001", from_date=date(2015, 3, 6), to_date=date(2015, 3, 25))
    noted = {m["code"]: len(m["new_notes"]) for m in expected["actions"] if m.get("new_notes")}
    assert noted["SS_ICSAP_TRAN2"] == 1
    listed = {
        code: Page(rest).text.split(": ", 1)[1].split("; ")
        for code, rest in re.findall(r'<li><a href="/actions/SOS%20001/([^"]+)">[^<]*</a>(.*?)</li>', page.html)
    }
    for code, count in noted.items():
        assert f"{count} new note{'s' if count != 1 else ''}" in listed[code], (code, listed[code])
    assert not any(p.endswith("(s)") for phrases in listed.values() for p in phrases)


def test_a_double_submit_is_described_without_blaming_someone_else(browser: Browser, staffed):
    browser.sign_in(LIAM)
    page = browser.get(TRAN2)
    browser.submit(page, "/progress", progress="80")
    refused = browser.submit(page, "/progress", expect=409, progress="80")  # the same page's form, sent again
    conflict = Page(refused.text).by_id("conflict")
    assert conflict.startswith("This action changed since the page was opened")
    assert "Someone" not in conflict
    assert "Progress updated" in conflict and "ProgressUpdated" not in conflict


def _timeline_headings(html: str) -> list[str]:
    return [" ".join(h.split()) for h in re.findall(r"<li>\s*<p><strong>([^<]+)</strong> by", html)]


def test_the_timeline_names_events_in_plain_words_and_hides_reminder_keys(browser: Browser, staffed):
    browser.sign_in(CLERK_EMAIL)
    browser.submit(browser.get(DASHBOARD + "/round"), "/round/chase")
    browser.client.cookies.clear()
    reminded = history(staffed.engine, plan_code="SOS 001", event_type="ReminderRaised")
    assert reminded, "chasing raised reminders"
    code, key = reminded[0]["action"], reminded[0]["changes"]["reminder"][1]
    _claim_completion(browser)
    browser.sign_in(LIAM)
    owner_view = browser.client.get(TRAN2).text
    browser.client.cookies.clear()
    browser.sign_in(CLERK_EMAIL)
    clerk_view = browser.client.get(f"/actions/SOS%20001/{code}").text
    assert "Reminder sent" in _timeline_headings(clerk_view)
    assert key not in clerk_view and "stale|" not in clerk_view
    owned = _timeline_headings(owner_view)
    assert {"Change submitted for sign-off", "Progress updated"} <= set(owned), owned
    internal = [h for h in owned + _timeline_headings(clerk_view) if re.fullmatch(r"(?:[A-Z][a-z]+){2,}", h)]
    assert internal == []


def test_the_update_now_confirm_page_reads_without_stray_spaces(browser: Browser, staffed, clock):
    link = urlsplit(
        ReminderLinks(staffed.engine, SECRET, "http://testserver", clock).action_link("Liam Purdie", "SOS 001", "SS_ICSAP_RISK1")
    )
    text = read_aloud(browser.get(f"{link.path}?{link.query}").html)
    assert "This link is for updating SOS 001/SS_ICSAP_RISK1 only: you will be signed in for that action and nothing else." in text
    assert _stray_spaces(text) == []


def _timeline_items(html: str) -> list[str]:
    timeline = html.split('<ol class="timeline"', 1)[1].split("</ol>", 1)[0]
    return [" ".join(Page(item).text.split()) for item in re.findall(r"<li>(.*?)</li>\s*(?=<li>|$)", timeline, flags=re.S)]


def test_restating_the_same_figure_reads_as_progress_confirmed_with_no_change_listed(browser: Browser, staffed):
    figure = staffed.show("SOS 001/SS_ICSAP_TRAN2")["progress"]
    browser.sign_in(LIAM)
    browser.submit(browser.get(TRAN2), "/progress", progress=str(figure))
    newest = _timeline_items(browser.get(TRAN2).html)[0]
    assert newest.startswith(f"Progress confirmed at {figure}% by Liam Purdie "), newest
    assert "→" not in newest  # nothing is listed as changed
    [restated] = [e for e in history(staffed.engine, plan_code="SOS 001", action_code="SS_ICSAP_TRAN2") if e["actor"] == "Liam Purdie"]
    assert restated["changes"] == {"progress": [figure, figure]}  # the trail keeps which figure was confirmed
    browser.submit(browser.get(TRAN2), "/progress", progress=str(figure + 5))
    assert _timeline_items(browser.get(TRAN2).html)[0].startswith("Progress updated by Liam Purdie")


def test_a_reminder_reads_raised_until_the_relay_has_sent_it(browser: Browser, staffed, web_app, clock):
    clock.now = datetime.now(UTC)
    browser.sign_in(CLERK_EMAIL)
    web = web_app.state.web
    raised = chase(staffed, web.policy_for, web.sweep, "SOS 001", actor="Cara Clerk", now=clock.now)  # queued, not sent
    code = raised[0].split("|")[2]
    before = _timeline_headings(browser.get(f"/actions/SOS%20001/{code}").html)
    assert "Reminder raised" in before and "Reminder sent" not in before
    asyncio.run(relay_once(web.mailer.relay))
    after = _timeline_headings(browser.get(f"/actions/SOS%20001/{code}").html)
    assert "Reminder sent" in after and "Reminder raised" not in after
