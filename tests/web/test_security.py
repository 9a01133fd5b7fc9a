"""Security from the issue: CSRF on every form, 403 for what a person may not do (and a log line),
text shown as text, and the security headers on every response."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from domain.commands import AddNote
from tests.web.conftest import VIEWER_EMAIL, Browser
from tests.web.html import Page

LIAM = "liam.purdie@example.org"
RISK1 = "/actions/SOS%20001/SS_ICSAP_RISK1"
IMP1 = "/actions/SOS%20001/SS_ICSAP_IMP1"  # Christine Sutton's


def _post_routes(app) -> list[str]:
    paths = []
    for route in app.routes:
        if isinstance(route, Route) and "POST" in (route.methods or set()):
            paths.append(route.path.replace("{plan}", "SOS%20001").replace("{code}", "SS_ICSAP_RISK1").replace("{form}", "progress"))
    return paths


def test_every_form_post_without_a_csrf_token_or_with_a_wrong_one_is_403(browser: Browser, web_app, staffed):
    browser.sign_in(LIAM)
    paths = _post_routes(web_app)
    assert "/sign-in" in paths and "/actions/SOS%20001/SS_ICSAP_RISK1/progress" in paths
    before = len(staffed.app.recorder.select_notifications(start=0, limit=100000))
    for path in paths:
        assert browser.client.post(path, data={"progress": "99", "email": LIAM}).status_code == 403, path
        assert browser.client.post(path, data={"progress": "99", "csrf_token": "0" * 64}).status_code == 403, path
    assert len(staffed.app.recorder.select_notifications(start=0, limit=100000)) == before
    assert browser.client.get("/my-actions").status_code == 200  # still signed in: sign-out refused too


def test_a_viewer_post_is_403(browser: Browser, staffed, caplog):
    browser.sign_in(VIEWER_EMAIL)
    page = browser.get(RISK1)
    assert not any(f.action.endswith("/progress") for f in page.forms)  # no form offered
    csrf = page.form("/sign-out").fields["csrf_token"]
    with caplog.at_level(logging.WARNING, logger="plantrail.web"):
        response = browser.client.post(RISK1 + "/progress", data={"csrf_token": csrf, "progress": "99"})
    assert response.status_code == 403
    assert any("forbidden" in r.message and "Vic Viewer" in r.message for r in caplog.records)
    assert staffed.show("SOS 001/SS_ICSAP_RISK1")["progress"] != 99


def test_an_owner_updating_someone_elses_action_is_403(browser: Browser, staffed):
    browser.sign_in(LIAM)
    csrf = browser.get(IMP1).form("/sign-out").fields["csrf_token"]
    before = staffed.show("SOS 001/SS_ICSAP_IMP1")["progress"]
    assert browser.client.post(IMP1 + "/progress", data={"csrf_token": csrf, "progress": "99"}).status_code == 403
    assert staffed.show("SOS 001/SS_ICSAP_IMP1")["progress"] == before


def test_script_in_a_note_is_shown_as_text(browser: Browser, staffed):
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    staffed.record("SOS 001/SS_ICSAP_RISK1", AddNote(attack), actor="Liam Purdie")
    browser.sign_in(LIAM)
    page = browser.get(RISK1)
    assert "<script>alert" not in page.html and "<img src=x" not in page.html
    assert attack in page.text  # parsed back, it is the very text typed


@pytest.mark.parametrize("path", ["/sign-in", "/my-actions", RISK1, "/static/plantrail.css", "/no/such/page", "/healthz"])
def test_the_security_headers_are_on_every_response(browser: Browser, path):
    browser.sign_in(LIAM)
    response = browser.client.get(path)
    headers = response.headers
    assert headers["content-security-policy"].startswith("default-src 'self'")
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


def test_the_vendored_htmx_is_the_pinned_file(client: TestClient):
    vendored = (Path(__file__).resolve().parents[2] / "web" / "static" / "VENDORED.md").read_text()
    body = client.get("/static/htmx-2.0.11.min.js").content
    assert hashlib.sha256(body).hexdigest() in vendored
    assert Page(client.get("/sign-in").text).html.count('src="/static/htmx-2.0.11.min.js"') == 1


def test_a_reminder_session_opens_only_its_own_action(browser: Browser, staffed, web_app):
    from domain.access import ActionRef
    from web.auth import ACTION

    token = web_app.state.web.links.make(ACTION, "Liam Purdie", ActionRef("SOS 001", "SS_ICSAP_RISK1"))
    confirm = browser.get(f"/sign-in/confirm?token={token}")
    assert "SOS 001/SS_ICSAP_RISK1" in confirm.text
    assert browser.submit(confirm, "/sign-in/confirm").headers["location"] == RISK1
    assert browser.client.get("/my-actions").headers["location"] == "/sign-in?next=%2Fmy-actions"  # offers a full sign-in
    assert browser.client.get("/actions/SOS%20001/SS_ICSAP_RISK2").status_code == 403
    browser.submit(browser.get(RISK1), "/progress", progress="61")
    assert staffed.show("SOS 001/SS_ICSAP_RISK1")["progress"] == 61


def test_a_status_badge_escapes_what_it_is_given():
    from web.render import status_badge

    assert str(status_badge("Alert")) == '<span class="status status-alert">▲ Alert</span>'
    assert str(status_badge('<b x="1">')) == '<span class="status status-&lt;b x=&#34;1&#34;&gt;">&lt;b x=&#34;1&#34;&gt;</span>'
