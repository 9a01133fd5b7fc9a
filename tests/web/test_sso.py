"""Single sign-on against a real OpenID provider on 127.0.0.1 (oidc-provider-mock): the person
is matched by verified email; an unverified or unknown address signs nobody in."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from starlette.testclient import TestClient

from plantrail.settings import OidcSettings
from tests.web.conftest import settings_with

LIAM = "liam.purdie@example.org"


@pytest.fixture
def provider() -> Iterator[str]:
    from oidc_provider_mock import User, run_server_in_thread

    users = [
        User(sub="liam", claims={"email": LIAM, "email_verified": True}),
        User(sub="unverified", claims={"email": LIAM, "email_verified": False}),
        User(sub="stranger", claims={"email": "stranger@example.org", "email_verified": True}),
    ]
    with run_server_in_thread(user_claims=users) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def sso_client(staffed, web_settings, clock, provider) -> Iterator[TestClient]:
    from web.app import create_app

    settings = settings_with(
        web_settings, oidc=OidcSettings(issuer=provider, client_id="plantrail", client_secret="s3cret", label="Council account")
    )
    with TestClient(create_app(staffed, settings, clock=clock), base_url="http://testserver", follow_redirects=False) as client:
        yield client


def _sign_on(client: TestClient, subject: str) -> httpx.Response:
    """What a person does at the provider: follow our redirect there, pick who they are, come back."""
    to_provider = client.get("/sso/login")
    assert to_provider.status_code in (302, 303, 307), to_provider.text
    with httpx.Client(follow_redirects=False) as outside:
        authorize = to_provider.headers["location"]
        assert outside.get(authorize).status_code == 200  # the provider's sign-in form
        back = outside.post(authorize, data={"sub": subject})
    assert back.status_code in (302, 303), back.text
    callback = urlsplit(back.headers["location"])
    assert callback.path == "/sso/callback"
    return client.get(f"{callback.path}?{callback.query}")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_single_sign_on_signs_in_the_person_with_that_verified_email(sso_client: TestClient):
    assert "Council account" in sso_client.get("/sign-in").text
    response = _sign_on(sso_client, "liam")
    assert (response.status_code, response.headers["location"]) == (303, "/my-actions")
    page = sso_client.get("/my-actions")
    assert page.status_code == 200 and "Signed in as <strong>Liam Purdie</strong>" in page.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("subject", ["unverified", "stranger"])
def test_an_unverified_or_unknown_email_signs_nobody_in(sso_client: TestClient, subject: str):
    assert _sign_on(sso_client, subject).status_code == 403
    assert sso_client.get("/my-actions").status_code == 303


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_callback_without_the_matching_state_is_refused(sso_client: TestClient):
    assert sso_client.get("/sso/callback?code=made-up&state=made-up").status_code == 400
    assert sso_client.get("/my-actions").status_code == 303
