"""In Chromium with htmx: a refused audit filter replaces the form and the rows with the form
showing its message beside the field (a 400 htmx swaps in), and the next good filter clears it."""

from __future__ import annotations

import pytest

from tests.web.conftest import VIEWER_EMAIL
from tests.web.test_browser import Session, chromium, live, session  # noqa: F401 - fixtures


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_refused_filter_shows_beside_its_field_and_a_good_one_brings_the_rows_back(session: Session):  # noqa: F811
    s = session
    s.sign_in(VIEWER_EMAIL)
    s.go("/audit?plan=SOS+001")
    assert s.page.locator("#audit-table tbody tr").count() > 1
    s.page.fill("#f-actor", "Nobody Atall")
    s.page.press("#f-actor", "Enter")
    s.page.wait_for_selector("#e-actor")
    assert " ".join(s.page.locator("#e-actor").inner_text().split()) == "Error: Person: nobody called 'Nobody Atall' has recorded anything"
    assert s.page.locator("#f-actor").input_value() == "Nobody Atall"
    assert s.page.locator("#f-actor").get_attribute("aria-invalid") == "true"
    assert s.page.locator("#audit-table").count() == 0  # no rows left from the filters before
    s.assert_accessible("audit-refused-filter")
    s.page.fill("#f-actor", "Ada Admin")
    s.page.press("#f-actor", "Enter")
    s.page.wait_for_selector("#audit-table")
    assert s.page.locator("#e-actor").count() == 0
    actors = {" ".join(t.split()) for t in s.page.locator("#audit-table tbody td:nth-child(5)").all_inner_texts()}
    assert actors == {"Ada Admin"}
