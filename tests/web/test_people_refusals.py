"""People pages refusing what would break the council's set-up: the last admin revoking their
own role, a manager loop. Each refusal sits beside its field, with the summary at the top."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from tests.web.conftest import Browser

ADMIN = "Ada Admin"
ADMIN_EMAIL = "ada.admin@example.org"


@pytest.fixture
def only_admin(browser: Browser, staffed) -> Browser:
    staffed.app.register_person(name=ADMIN, email=ADMIN_EMAIL, actor="test setup")
    staffed.app.grant_role(ADMIN, "admin", None, actor="test setup", reason="runs plantrail for the council")
    staffed.projector.catch_up()
    browser.sign_in(ADMIN_EMAIL)
    return browser


def test_the_only_admin_revoking_their_own_admin_role_is_a_409_beside_the_role(only_admin: Browser, staffed):
    path = "/people/" + quote(ADMIN)
    page = only_admin.get(path)
    refused = only_admin.submit(page, path + "/revoke", expect=409, role="admin", plan="", reason="tidying up")
    assert type(page)(refused.text).by_id("e-revoke-role") == (
        "Error: Ada Admin is the only admin; grant admin to someone else first, or nobody could manage people and roles"
    )
    assert staffed.person_with_roles(ADMIN)["roles"] == [("admin", None)]
    only_admin.get("/people")  # still an admin: the page opens


def test_a_manager_loop_is_a_400_beside_the_manager_and_changes_nothing(only_admin: Browser, staffed):
    path = "/people/" + quote("Val DeSouza")
    page = only_admin.get(path)
    refused = only_admin.submit(page, path + "/edit", expect=400, email="", manager="Liam Purdie", reason="restructure")
    assert type(page)(refused.text).by_id("e-edit-manager") == (
        "Error: Liam Purdie is managed by Val DeSouza, so Val DeSouza cannot be managed by Liam Purdie "
        "(they would sign off each other's claims)"
    )
    assert staffed.queries.person("Val DeSouza")["manager"] is None


def summary_links(page) -> list[str]:
    """Where the "There is a problem" summary's links go, in order."""
    start = page.html.index('id="problems"')
    return re.findall(r'href="#([^"]+)"', page.html[start : page.html.index("</div>", start)])


def test_a_refused_registration_is_summarised_above_the_list_of_people_linking_to_the_name(only_admin: Browser):
    page = only_admin.get("/people")
    response = only_admin.submit(page, "/people", expect=409, name="liam  PURDIE")
    refused = type(page)(response.text)
    assert refused.by_id("problems") == (
        "There is a problem; nothing was recorded person: 'liam PURDIE' is already registered as 'Liam Purdie'"
    )
    assert summary_links(refused) == ["f-add-name"] and refused.has_id("f-add-name")
    assert response.text.index('id="problems"') < response.text.index("<table")


def test_a_refused_change_to_a_person_is_summarised_at_the_top_linking_to_its_form_field(only_admin: Browser):
    path = "/people/" + quote("Liam Purdie")
    page = only_admin.get(path)
    response = only_admin.submit(page, path + "/revoke", expect=422, role="viewer", plan="", reason="never was")
    refused = type(page)(response.text)
    assert refused.by_id("problems") == "There is a problem; nothing was recorded role: Liam Purdie is not viewer"
    assert summary_links(refused) == ["f-revoke-role"] and refused.has_id("f-revoke-role")
    assert response.text.index('id="problems"') < response.text.index('id="edit-h"')


def test_a_refusal_that_belongs_to_no_field_is_shown_once(only_admin: Browser, staffed):
    # A one-word name ("Cher: contact details are unchanged") reads as no field of the form.
    staffed.app.register_person(name="Cher", email="cher@example.org", actor="test setup")
    staffed.projector.catch_up()
    path = "/people/Cher"
    page = only_admin.get(path)
    response = only_admin.submit(page, path + "/edit", expect=422, email="cher@example.org", manager="", reason="no change really")
    refused = type(page)(response.text)
    assert refused.text.count("contact details are unchanged") == 1
    assert "contact details are unchanged" in refused.by_id("problems")
    assert response.text.count('class="error-summary"') == 1
