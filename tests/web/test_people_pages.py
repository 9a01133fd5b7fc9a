"""Admin pages: people and roles, every change an event with the signed-in admin as actor;
refused fields are 400s beside the field with nothing written; non-admins get 403."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from projections.audit import history
from tests.web.conftest import Browser
from tests.web.html import table_cells

ADMIN = "Ada Admin"
ADMIN_EMAIL = "ada.admin@example.org"
LIAM = "liam.purdie@example.org"


@pytest.fixture
def admin(browser: Browser, staffed) -> Browser:
    staffed.app.register_person(name=ADMIN, email=ADMIN_EMAIL, actor="test setup")
    staffed.app.grant_role(ADMIN, "admin", None, actor="test setup", reason="runs plantrail for the council")
    staffed.projector.catch_up()
    browser.sign_in(ADMIN_EMAIL)
    return browser


def _person_events(services, name: str) -> list[dict]:
    return [e for e in history(services.engine) if e["aggregate"] == "person" and e.get("subject") == name]


def _people(services) -> dict[str, dict]:
    return {p["name"]: p for p in services.queries.people()}


def test_an_admin_registers_a_person_with_a_manager_typed_in_another_case(admin: Browser, staffed):
    page = admin.get("/people")
    response = admin.submit(page, "/people", name="Nina Newstarter", email="nina.newstarter@example.org", manager="liam purdie")
    assert response.headers["location"] == "/people/Nina%20Newstarter?saved=added"
    added = _people(staffed)["Nina Newstarter"]
    assert (added["email"], added["manager"]) == ("nina.newstarter@example.org", "Liam Purdie")
    shown = admin.get(response.headers["location"])
    assert "Person registered" in shown.text


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"name": "Nina Newstarter", "email": "nina@example.org;boss@example.org"}, "email", "holds more than one address"),
        ({"name": "Nina Newstarter", "manager": "Nobody Known"}, "manager", "is not a registered person"),
        ({"name": "  ", "email": "x@example.org"}, "name", "needed"),
        ({"name": "liam  PURDIE"}, "name", "already registered"),
    ],
)
def test_a_refused_registration_is_a_400_beside_its_field_and_writes_nothing(admin: Browser, staffed, fields, field, words):
    before = _people(staffed)
    page = admin.get("/people")
    response = admin.submit(page, "/people", expect=response_status(fields), **fields)
    refused = type(page)(response.text)
    assert words in refused.by_id(f"e-add-{field}").lower()
    assert "plantrail " not in refused.by_id(f"e-add-{field}")  # no command-line hint in a browser
    assert 'aria-invalid="true"' in response.text
    assert _people(staffed) == before


def response_status(fields: dict[str, str]) -> int:
    return 409 if fields["name"].strip().lower().startswith("liam") else 400


def test_an_admin_changes_email_and_manager_with_a_reason_recorded_as_theirs(admin: Browser, staffed):
    path = "/people/" + quote("Liam Purdie")
    page = admin.get(path)
    missing = admin.submit(page, path + "/edit", expect=400, email="liam.p@example.org", manager="", reason="")
    assert "reason" in type(page)(missing.text).by_id("e-edit-reason").lower()
    assert _people(staffed)["Liam Purdie"]["email"] == LIAM
    # Nobody manages themselves (they would sign off their own claims), whatever the case typed.
    own = admin.submit(page, path + "/edit", expect=400, email=LIAM, manager="liam purdie", reason="typo")
    assert type(page)(own.text).by_id("e-edit-manager") == "Error: Liam Purdie cannot be their own manager"
    assert _people(staffed)["Liam Purdie"]["manager"] != "Liam Purdie"
    admin.submit(page, path + "/edit", email="liam.p@example.org", manager="Val DeSouza", reason="new line manager from April")
    changed = _people(staffed)["Liam Purdie"]
    assert (changed["email"], changed["manager"]) == ("liam.p@example.org", "Val DeSouza")
    last = [e for e in history(staffed.engine) if e["aggregate"] == "person"][-1]
    assert (last["actor"], last["reason"]) == (ADMIN, "new line manager from April")


def test_a_clerk_role_granted_in_the_browser_opens_the_round_page_and_revoking_closes_it(admin: Browser, staffed, client):
    path = "/people/" + quote("Liam Purdie")
    page = admin.get(path)
    no_plan = admin.submit(page, path + "/grant", expect=400, role="clerk", plan="", reason="covers the cycle")
    assert "plan" in type(page)(no_plan.text).by_id("e-grant-plan").lower()
    admin.submit(page, path + "/grant", role="clerk", plan="SOS 001", reason="covers the cycle while Cara is away")
    assert staffed.person_with_roles("Liam Purdie")["roles"] == [("clerk", "SOS 001")]
    again = admin.submit(page, path + "/grant", expect=422, role="clerk", plan="SOS 001", reason="twice")
    assert "already" in type(page)(again.text).by_id("e-grant-role").lower()

    client.cookies.clear()
    liam = Browser(client, admin.smtp)
    liam.sign_in(LIAM)
    liam.get("/plans/SOS%20001/round")
    client.cookies.clear()
    admin.sign_in(ADMIN_EMAIL)
    page = admin.get(path)
    admin.submit(page, path + "/revoke", role="clerk", plan="SOS 001", reason="Cara is back")
    assert staffed.person_with_roles("Liam Purdie")["roles"] == []
    client.cookies.clear()
    liam.sign_in(LIAM)
    liam.get("/plans/SOS%20001/round", expect=403)


def test_people_pages_are_for_admins_only(browser: Browser, staffed):
    browser.sign_in(LIAM)
    browser.get("/people", expect=403)
    browser.get("/people/" + quote("Val DeSouza"), expect=403)
    csrf = browser.get("/my-actions").forms[0].fields["csrf_token"]
    before = _people(staffed)
    assert browser.client.post("/people", data={"csrf_token": csrf, "name": "Sneaky Self-Registered"}).status_code == 403
    response = browser.client.post("/people/" + quote("Liam Purdie") + "/grant", data={"csrf_token": csrf, "role": "admin", "reason": "me"})
    assert response.status_code == 403
    assert _people(staffed) == before and staffed.person_with_roles("Liam Purdie")["roles"] == []


def test_the_people_page_lists_each_persons_granted_roles_in_plain_words(admin: Browser, staffed):
    staffed.app.grant_role("Liam Purdie", "clerk", "SOS 001", actor=ADMIN, reason="covers the committee cycle")
    staffed.app.grant_role("Liam Purdie", "viewer", None, actor=ADMIN, reason="reads every plan")
    staffed.projector.catch_up()
    page = admin.get("/people")
    header, *rows = table_cells(page, "people-table")
    column = header.index("Permissions")
    shown = {row[0]: row[column] for row in rows}
    # Expected from the grants as made above and by the fixtures, not from the page's own query.
    assert shown[ADMIN] == "Admin"
    assert shown["Liam Purdie"] == "Clerk of SOS 001; viewer"
    assert shown["Cara Clerk"] == "Clerk of SOS 001"
    assert shown["Vic Viewer"] == "Viewer"
    assert shown["Val DeSouza"] == "—"
    assert header[header.index("Permissions") - 1] == "Manager"  # the job title is not mistaken for it


def test_a_name_with_markup_is_shown_as_text(admin: Browser, staffed):
    page = admin.get("/people")
    admin.submit(page, "/people", name="<script>alert(1)</script> Smith")
    listing = admin.get("/people")
    assert "<script>alert(1)</script>" not in listing.html
    assert "<script>alert(1)</script> Smith" in listing.text


def test_an_unknown_person_is_a_404(admin: Browser):
    admin.get("/people/" + quote("Nobody Known"), expect=404)


@pytest.mark.parametrize(
    ("change", "fields", "confirmation"),
    [
        ("edit", {"email": LIAM, "manager": "", "reason": "left the team"}, "✔ Details changed."),
        ("grant", {"role": "viewer", "plan": "", "reason": "joins the committee"}, "✔ Role granted."),
        ("revoke", {"role": "clerk", "plan": "SOS 001", "reason": "Cara is back"}, "✔ Role revoked."),
    ],
)
def test_each_change_to_a_person_is_confirmed_on_the_page_it_lands_on(admin: Browser, staffed, change, fields, confirmation):
    staffed.app.grant_role("Liam Purdie", "clerk", "SOS 001", actor="test setup", reason="covers the cycle")
    staffed.projector.catch_up()
    path = "/people/" + quote("Liam Purdie")
    response = admin.submit(admin.get(path), f"{path}/{change}", **fields)
    assert admin.get(response.headers["location"]).by_id("saved") == confirmation
