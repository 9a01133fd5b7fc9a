"""The web app on the seeded store (SQLite and PostgreSQL), a real SMTP server for its mail,
and a client that signs people in the way a person does: by the emailed link."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from starlette.testclient import TestClient

from plantrail.settings import MailSettings, WebSettings, default_mail_settings
from tests.web.html import Page, sign_in_links

SECRET = "test-secret-key-0123456789-abcdefghijklmnop"
CLERK = "Cara Clerk"
CLERK_EMAIL = "cara.clerk@example.org"
VIEWER = "Vic Viewer"
VIEWER_EMAIL = "vic.viewer@example.org"


@dataclass
class MovableClock:
    """The web's wall clock (links, sessions): tests move it to expire things."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def mail_settings_for(smtp_port: int, tmp_path: Path) -> MailSettings:
    return default_mail_settings(
        transport="smtp",
        outbox_dir=tmp_path / "outbox",
        mail_from="plantrail <plantrail@example.org>",
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
    )


@pytest.fixture
def web_settings(smtp_server, tmp_path: Path) -> WebSettings:
    return WebSettings(secret_key=SECRET, base_url="http://testserver", mail=mail_settings_for(smtp_server.port, tmp_path))


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(datetime(2015, 3, 25, 12, 0, tzinfo=UTC))


@pytest.fixture
def staffed(seeded):
    """The seeded store plus a clerk of SOS 001 and a viewer (committee member), granted by an admin."""
    app = seeded.app
    app.register_person(name=CLERK, email=CLERK_EMAIL, actor="test setup")
    app.register_person(name=VIEWER, email=VIEWER_EMAIL, actor="test setup")
    app.grant_role(CLERK, "clerk", "SOS 001", actor="Ada Admin", reason="runs the Alliance's committee cycle")
    app.grant_role(VIEWER, "viewer", None, actor="Ada Admin", reason="committee member")
    seeded.projector.catch_up()
    return seeded


@pytest.fixture
def web_app(staffed, web_settings, clock):
    from web.app import create_app

    return create_app(staffed, web_settings, clock=clock)


@pytest.fixture
def client(web_app):
    with TestClient(web_app, base_url="http://testserver", follow_redirects=False) as c:
        yield c


class Browser:
    """A TestClient used the way a person uses the site."""

    def __init__(self, client: TestClient, smtp_server) -> None:
        self.client = client
        self.smtp = smtp_server

    def get(self, path: str, expect: int = 200) -> Page:
        response = self.client.get(path)
        assert response.status_code == expect, f"GET {path}: {response.status_code}\n{response.text[:2000]}"
        return Page(response.text)

    def submit(self, page: Page, action: str, expect: int = 303, **fields: str):
        form = page.form(action)
        response = self.client.post(form.action, data=form.fields | fields)
        assert response.status_code == expect, f"POST {form.action}: {response.status_code}\n{response.text[:3000]}"
        return response

    def request_link(self, email: str) -> str:
        """Ask for a sign-in link and return the one that arrives by SMTP for this address."""
        before = len(self.smtp.received)
        page = self.get("/sign-in")
        self.submit(page, "/sign-in", email=email)
        arrived = [m for m in self.smtp.received[before:] if email in m.rcpt_tos]
        assert arrived, f"no sign-in email reached {email}"
        links = sign_in_links(arrived[-1].text())
        assert links, arrived[-1].text()
        return links[0]

    def open_link(self, link: str) -> Page:
        parts = urlsplit(link)
        return self.get(parts.path + "?" + parts.query)

    def sign_in(self, email: str) -> None:
        confirm = self.open_link(self.request_link(email))
        self.submit(confirm, "/sign-in/confirm")


@pytest.fixture
def browser(client, smtp_server) -> Browser:
    return Browser(client, smtp_server)


def settings_with(settings: WebSettings, **changes) -> WebSettings:
    return replace(settings, **changes)
