"""In Chromium: every page passes axe-core's WCAG 2.0/2.1/2.2 A and AA rules, reflows at phone
width (and so at 400 % zoom of a small window), and an update can be recorded with the keyboard
alone. The page runs under the real CSP: a violation in the console fails the test."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.smtp_server import free_port
from tests.web.browser import CHROMIUM, CHROMIUM_FLAGS, LiveServer, axe_violations, require_chromium, screenshot
from tests.web.conftest import CLERK_EMAIL, mail_settings_for
from tests.web.html import sign_in_links

LIAM = "liam.purdie@example.org"
RISK1 = "/actions/SOS%20001/SS_ICSAP_RISK1"


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def live(staffed, smtp_server, tmp_path, clock) -> Iterator[LiveServer]:
    from plantrail.settings import WebSettings
    from web.app import create_app

    port = free_port()
    settings = WebSettings(secret_key="b" * 48, base_url=f"http://127.0.0.1:{port}", mail=mail_settings_for(smtp_server.port, tmp_path))
    with LiveServer(create_app(staffed, settings, clock=clock), port) as server:
        yield server


def wait_for_mail(smtp_server, before: int, email: str, seconds: float = 15) -> list:
    """The server sends after it has answered: give the mail a moment to arrive."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        mine = [m for m in smtp_server.received[before:] if email in m.rcpt_tos]
        if mine:
            return mine
        time.sleep(0.05)
    raise AssertionError(f"no mail for {email} within {seconds}s")


class Session:
    """One person's browser tab, with the console watched for CSP violations."""

    def __init__(self, chromium, live: LiveServer, smtp_server, width: int = 1280) -> None:
        self.context = chromium.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.live = live
        self.smtp = smtp_server
        self.console_errors: list[str] = []
        self.page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)

    def go(self, path: str, status: int = 200) -> None:
        response = self.page.goto(self.live.url + path)
        assert response is not None and response.status == status, f"{path}: {response.status if response else None}"

    def link_for(self, email: str) -> str:
        before = len(self.smtp.received)
        self.go("/sign-in")
        self.page.fill("#f-email", email)
        self.page.click("button[type=submit]")
        self.page.wait_for_url("**/sign-in/sent")
        mine = wait_for_mail(self.smtp, before, email)
        link = sign_in_links(mine[-1].text())[0]
        parts = urlsplit(link)
        return parts.path + "?" + parts.query

    def sign_in(self, email: str) -> None:
        self.go(self.link_for(email))
        self.page.click("main button[type=submit]")
        self.page.wait_for_load_state()

    def assert_accessible(self, name: str) -> None:
        violations = axe_violations(self.page)
        assert violations == [], f"{name}: {violations}"
        assert not [e for e in self.console_errors if "Content Security Policy" in e], self.console_errors
        screenshot(self.page, name)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def session(chromium, live, smtp_server) -> Iterator[Session]:
    s = Session(chromium, live, smtp_server)
    yield s
    s.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_page_passes_axe_wcag_a_and_aa(session: Session, chromium, live, smtp_server):
    s = session
    s.go("/sign-in")
    s.assert_accessible("sign-in")
    s.page.fill("#f-email", "not an address")
    s.page.click("main button[type=submit]")
    s.assert_accessible("sign-in-error")
    link = s.link_for(CLERK_EMAIL)
    s.assert_accessible("sign-in-sent")
    s.go(link)
    s.assert_accessible("confirm")
    s.page.click("main button[type=submit]")
    s.page.wait_for_load_state()
    s.go(link, status=400)
    s.assert_accessible("link-refused")
    for path, name in [
        ("/plans", "plans"),
        ("/plans/SOS%20001?as_at=2015-03-06", "dashboard"),
        ("/plans/SOS%20001/actions?as_at=2015-03-25&status=warning", "plan-actions"),
        ("/plans/SOS%20001/changes?as_at=2015-03-25&since=2015-03-06", "changes"),
        ("/plans/SOS%20001/round", "round"),
        ("/audit?plan=SOS+001", "audit"),
        (RISK1, "action"),
    ]:
        s.go(path)
        s.assert_accessible(name)
    s.page.fill("#f-progress-progress", "150")
    s.page.click("text=Record progress")
    s.assert_accessible("action-error")
    s.go("/no/such/page", status=404)
    s.assert_accessible("not-found")
    s.go("/people", status=403)
    assert s.page.inner_text("h1") == "You can't do that here"
    s.assert_accessible("forbidden")
    s.page.click("text=Sign out everywhere")
    s.page.wait_for_url("**/sign-in?signed_out=everywhere")
    assert s.page.inner_text("#signed-out") == "✔ Signed out on every device."
    s.assert_accessible("signed-out")
    owner = Session(chromium, live, smtp_server)
    try:
        owner.sign_in(LIAM)
        owner.go("/my-actions")
        owner.assert_accessible("my-actions")
    finally:
        owner.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("path", ["/my-actions", RISK1, "/plans/SOS%20001", "/audit?plan=SOS+001"])
def test_pages_reflow_at_phone_width_without_sideways_scrolling(chromium, live, smtp_server, path):
    phone = Session(chromium, live, smtp_server, width=320)
    try:
        phone.sign_in(CLERK_EMAIL if "my-actions" not in path else LIAM)
        phone.go(path)
        overflow = phone.page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 320px"
        assert axe_violations(phone.page) == []
    finally:
        phone.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_keyboard_only_journey_records_an_update(session: Session, staffed):
    s = session
    s.go(s.link_for(LIAM))
    page = s.page
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Skip to main content"
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "focus must be visible"

    def tab_to(selector: str, limit: int = 60) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate("(sel) => document.activeElement.matches(sel)", selector):
                return
        raise AssertionError(f"Tab never reached {selector}")

    tab_to("main button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/my-actions")
    page.goto(s.live.url + RISK1)
    tab_to("#f-progress-progress")
    page.keyboard.press("Control+A")
    page.keyboard.type("85")
    tab_to("#f-progress-note")
    page.keyboard.type("Typed without a mouse")
    tab_to("form[action$='/progress'] button[type=submit]")
    page.keyboard.press("Space")
    page.wait_for_url("**saved=progress&on=*")
    shown = staffed.show("SOS 001/SS_ICSAP_RISK1")
    assert (shown["progress"], shown["notes"][-1]["text"], shown["notes"][-1]["author"]) == (85, "Typed without a mouse", "Liam Purdie")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_update_is_recorded_with_javascript_turned_off(chromium, live, smtp_server, staffed):
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        before = len(smtp_server.received)
        page.goto(live.url + "/sign-in")
        page.fill("#f-email", LIAM)
        page.click("main button[type=submit]")
        link = sign_in_links(wait_for_mail(smtp_server, before, LIAM)[-1].text())[0]
        page.goto(link)
        page.click("main button[type=submit]")
        page.goto(live.url + RISK1)
        page.fill("#f-progress-progress", "55")
        page.click("form[action$='/progress'] button[type=submit]")
        page.wait_for_url("**saved=progress&on=*")
        assert staffed.show("SOS 001/SS_ICSAP_RISK1")["progress"] == 55
    finally:
        context.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_dashboard_prints_without_navigation_and_forms(session: Session):
    session.sign_in(CLERK_EMAIL)
    session.go("/plans/SOS%20001?as_at=2015-03-25")
    session.page.emulate_media(media="print")
    hidden = session.page.evaluate(
        "() => ['nav', 'form', '.who'].map(s => [...document.querySelectorAll(s)].every(e => getComputedStyle(e).display === 'none'))"
    )
    assert hidden == [True, True, True]
    assert session.page.locator("table.summary").is_visible()
    pdf = session.page.pdf()  # Chromium's own print path
    assert pdf.startswith(b"%PDF")
