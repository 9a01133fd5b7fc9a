"""Signing in by emailed link: confirm step, single use, expiry, same answer for unknown
addresses, rate limits, sessions that end (idle, sign out, sign out everywhere)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.web.conftest import CLERK_EMAIL, Browser
from tests.web.html import Page

LIAM = "liam.purdie@example.org"


def test_emailed_link_opens_a_confirm_page_and_only_its_post_signs_in(browser: Browser, client: TestClient):
    link = browser.request_link(LIAM)
    confirm = browser.open_link(link)
    assert confirm.title.startswith("Sign in as Liam Purdie")
    # Opening the link (what a mail scanner does) signed nobody in.
    assert client.get("/my-actions").status_code == 303
    response = browser.submit(confirm, "/sign-in/confirm")
    assert response.headers["location"] == "/my-actions"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("pt_session="))
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/"} <= flags
    assert "secure" not in flags  # the base URL is http here
    page = browser.get("/my-actions")
    assert page.title.startswith("My actions")
    assert "Signed in as Liam Purdie" in page.text


def test_an_unknown_address_gets_the_same_answer_and_no_mail(browser: Browser, client: TestClient, smtp_server):
    answers = []
    for email in (LIAM, "nobody@example.org"):
        page = browser.get("/sign-in")
        response = browser.submit(page, "/sign-in", email=email)
        followed = client.get(response.headers["location"])
        answers.append((response.status_code, response.headers["location"], response.content, followed.status_code, followed.text))
    assert answers[0] == answers[1]
    assert [m.rcpt_tos for m in smtp_server.received] == [[LIAM]]


def test_a_used_link_is_refused_with_a_page_that_offers_a_fresh_one(browser: Browser):
    link = browser.request_link(LIAM)
    confirm = browser.open_link(link)
    browser.submit(confirm, "/sign-in/confirm")
    response = browser.client.get(link.split("testserver", 1)[1])
    assert response.status_code == 400
    refused = Page(response.text)
    assert "already been used" in refused.by_id("main")
    assert refused.form("/sign-in").fields.keys() >= {"email", "csrf_token"}
    assert refused.form("/sign-in").fields["email"] == LIAM  # the genuine link says whom it was for
    # The confirm POST of the used link is refused too, and opens no second session.
    fresh_csrf = refused.form("/sign-in").fields["csrf_token"]  # the old one was replaced at sign-in
    second = browser.client.post("/sign-in/confirm", data=confirm.form("/sign-in/confirm").fields | {"csrf_token": fresh_csrf})
    assert second.status_code == 400


def test_an_expired_link_is_refused(browser: Browser, clock):
    link = browser.request_link(LIAM)
    clock.advance(minutes=16)
    response = browser.client.get(link.split("testserver", 1)[1])
    assert response.status_code == 400
    assert "expired" in Page(response.text).by_id("main")
    assert Page(response.text).form("/sign-in").fields["email"] == LIAM


def test_a_tampered_link_is_refused(browser: Browser):
    link = browser.request_link(LIAM)
    path = link.split("testserver", 1)[1]
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    response = browser.client.get(tampered)
    assert response.status_code == 400
    assert "not valid" in Page(response.text).by_id("main")
    assert Page(response.text).form("/sign-in").fields["email"] == ""  # an altered link reveals nobody


def test_token_pages_send_no_referrer(browser: Browser):
    link = browser.request_link(LIAM)
    response = browser.client.get(link.split("testserver", 1)[1])
    assert response.headers["referrer-policy"] == "no-referrer"
    assert browser.client.get("/sign-in").headers["referrer-policy"] == "same-origin"


def test_sign_in_requests_are_limited_per_address(browser: Browser, smtp_server, web_settings):
    for _ in range(web_settings.signin_per_address + 2):
        browser.submit(browser.get("/sign-in"), "/sign-in", email=LIAM)
    assert len([m for m in smtp_server.received if LIAM in m.rcpt_tos]) == web_settings.signin_per_address


def test_sign_in_requests_are_limited_per_client(browser: Browser, web_settings):
    statuses = [
        browser.client.post("/sign-in", data=browser.get("/sign-in").form("/sign-in").fields | {"email": f"n{i}@example.org"}).status_code
        for i in range(web_settings.signin_per_client + 1)
    ]
    assert statuses == [303] * web_settings.signin_per_client + [429]


def test_a_session_ends_after_eight_idle_hours(browser: Browser, clock):
    browser.sign_in(LIAM)
    clock.advance(hours=7, minutes=59)
    assert browser.client.get("/my-actions").status_code == 200  # activity resets the idle time
    clock.advance(hours=7, minutes=59)
    assert browser.client.get("/my-actions").status_code == 200
    clock.advance(hours=8, minutes=1)
    assert browser.client.get("/my-actions").status_code == 303


def test_sign_out_everywhere_ends_every_session_of_the_person(web_app, smtp_server):
    with TestClient(web_app, follow_redirects=False) as phone, TestClient(web_app, follow_redirects=False) as desk:
        phone_browser, desk_browser = Browser(phone, smtp_server), Browser(desk, smtp_server)
        phone_browser.sign_in(LIAM)
        desk_browser.sign_in(LIAM)
        assert phone.get("/my-actions").status_code == 200
        response = desk_browser.submit(desk_browser.get("/my-actions"), "/sign-out/everywhere")
        assert response.headers["location"] == "/sign-in?signed_out=everywhere"
        assert desk_browser.get(response.headers["location"]).by_id("signed-out") == "✔ Signed out on every device."
        assert phone.get("/my-actions").status_code == 303
        assert desk.get("/my-actions").status_code == 303


def test_sign_out_ends_only_this_session(web_app, smtp_server):
    with TestClient(web_app, follow_redirects=False) as phone, TestClient(web_app, follow_redirects=False) as desk:
        Browser(phone, smtp_server).sign_in(LIAM)
        desk_browser = Browser(desk, smtp_server)
        desk_browser.sign_in(LIAM)
        response = desk_browser.submit(desk_browser.get("/my-actions"), "/sign-out")
        assert response.headers["location"] == "/sign-in?signed_out=here"
        assert desk_browser.get(response.headers["location"]).by_id("signed-out") == "✔ You are signed out."
        assert desk.get("/my-actions").status_code == 303
        assert phone.get("/my-actions").status_code == 200


def test_the_cookie_is_secure_when_the_base_url_is_https(staffed, web_settings, clock, smtp_server):
    from tests.web.conftest import settings_with
    from web.app import create_app

    app = create_app(staffed, settings_with(web_settings, base_url="https://testserver"), clock=clock)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as c:
        b = Browser(c, smtp_server)
        confirm = b.open_link(b.request_link(CLERK_EMAIL))
        response = b.submit(confirm, "/sign-in/confirm")
        cookie = next(x for x in response.headers.get_list("set-cookie") if x.startswith("pt_session="))
        assert "secure" in {p.strip().lower() for p in cookie.split(";")}


def test_a_shorter_idle_limit_from_the_settings_ends_the_session_sooner(staffed, web_settings, clock, smtp_server):
    from tests.web.conftest import settings_with
    from web.app import create_app

    app = create_app(staffed, settings_with(web_settings, session_idle_hours=0.5), clock=clock)
    with TestClient(app, follow_redirects=False) as c:
        b = Browser(c, smtp_server)
        b.sign_in(LIAM)
        clock.advance(minutes=29)
        assert c.get("/my-actions").status_code == 200  # within half an hour: still signed in
        clock.advance(minutes=31)
        assert c.get("/my-actions").status_code == 303  # half an hour idle and a minute: signed out


def test_signing_in_from_a_page_that_asked_for_it_comes_back_to_that_page(browser: Browser, client: TestClient):
    wanted = "/plans/SOS%20001?as_at=2015-03-06"
    to_sign_in = client.get(wanted)
    assert to_sign_in.headers["location"] == "/sign-in?next=%2Fplans%2FSOS%2520001%3Fas_at%3D2015-03-06"
    page = browser.get(to_sign_in.headers["location"])
    before = len(browser.smtp.received)
    browser.submit(page, "/sign-in", email=LIAM)
    link = [m for m in browser.smtp.received[before:] if LIAM in m.rcpt_tos][-1]
    from tests.web.html import sign_in_links

    confirm = browser.open_link(sign_in_links(link.text())[0])
    assert browser.submit(confirm, "/sign-in/confirm").headers["location"] == wanted


def test_a_next_address_on_another_site_is_ignored(browser: Browser):
    page = browser.get("/sign-in?next=//evil.example/steal")
    assert page.form("/sign-in").fields["next"] == ""


def test_stale_sessions_are_forgotten_when_the_app_starts(staffed, web_settings, clock):
    from sqlalchemy import func, select

    from web import tables
    from web.app import create_app

    app = create_app(staffed, web_settings, clock=clock)
    app.state.web.sessions.open("Liam Purdie", "link")
    clock.advance(days=9)
    with TestClient(app):  # the lifespan runs
        pass
    with staffed.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tables.sessions)).scalar() == 0


@pytest.mark.parametrize("flag", ["", "yes", "<script>alert(1)</script>", "You are signed out."])
def test_the_sign_in_page_confirms_only_its_own_fixed_flags(browser: Browser, flag):
    from urllib.parse import quote

    page = browser.get("/sign-in?signed_out=" + quote(flag))
    assert not page.has_id("signed-out")
    assert "signed out" not in page.text.lower() and "alert(1)" not in page.text
