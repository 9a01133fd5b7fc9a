"""In Chromium: the admin's people pages pass axe-core's WCAG A and AA rules, also when a form
was refused, and a person is registered with the keyboard alone."""

from __future__ import annotations

import pytest

from tests.web.conftest import CLERK_EMAIL
from tests.web.test_browser import Session, chromium, live, session  # noqa: F401  (fixtures)

ADMIN = "Ada Admin"
ADMIN_EMAIL = "ada.admin@example.org"


@pytest.fixture
def admin_session(staffed, session: Session) -> Session:  # noqa: F811  (the imported fixture)
    staffed.app.register_person(name=ADMIN, email=ADMIN_EMAIL, actor="test setup")
    staffed.app.grant_role(ADMIN, "admin", None, actor="test setup", reason="runs plantrail for the council")
    staffed.projector.catch_up()
    session.sign_in(ADMIN_EMAIL)
    return session


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_people_pages_pass_axe_including_refused_forms(admin_session: Session):
    s = admin_session
    s.go("/people")
    s.assert_accessible("people")
    s.page.fill("#f-add-name", "Nina Newstarter")
    s.page.fill("#f-add-email", "two@example.org; addresses@example.org")
    s.page.click('form[action="/people"] button[type=submit]')
    s.assert_accessible("people-error")
    s.go("/people/Liam%20Purdie")
    s.assert_accessible("person")
    s.page.click('form[action$="/grant"] button[type=submit]')
    s.assert_accessible("person-error")
    assert s.page.locator("#e-grant-role").count() == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_person_is_registered_with_the_keyboard_alone(admin_session: Session, staffed):
    s = admin_session
    s.go("/people")
    s.page.focus("#f-add-name")
    s.page.keyboard.type("Nina Newstarter")
    s.page.keyboard.press("Tab")
    s.page.keyboard.type("nina.newstarter@example.org")
    s.page.keyboard.press("Tab")
    s.page.keyboard.type("val desouza")
    s.page.keyboard.press("Tab")
    s.page.keyboard.press("Tab")
    s.page.keyboard.press("Enter")
    s.page.wait_for_url("**/people/Nina%20Newstarter?saved=added")
    added = {p["name"]: p for p in staffed.queries.people()}["Nina Newstarter"]
    assert (added["email"], added["manager"]) == ("nina.newstarter@example.org", "Val DeSouza")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_plan_settings_page_passes_axe_including_a_refused_import(session: Session, tmp_path):  # noqa: F811
    s = session
    s.sign_in(CLERK_EMAIL)
    s.go("/plans/SOS%20001/settings")
    s.assert_accessible("plan-settings")
    bad = tmp_path / "actions.csv"
    bad.write_text("Code & Title,Covalent Owner,Due Date\nNEW1 - Audit,Liam Purdie,Mar 2015\n", encoding="utf-8")
    s.page.set_input_files("#f-import-file", str(bad))
    s.page.click("form[action$='/settings/import'] button[type=submit]")
    s.page.wait_for_load_state()
    assert "actions.csv" in s.page.locator("#import-problems").inner_text()
    s.assert_accessible("plan-settings-error")
