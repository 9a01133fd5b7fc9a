"""Query-string pages refuse a bad value beside its field (400), in the words of the field's label,
keeping the form as typed; the navigation offers only what the person may open."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import CLERK_EMAIL, VIEWER_EMAIL, Browser
from tests.web.html import Page

LIAM = "liam.purdie@example.org"


def _nav_hrefs(page: Page) -> list[str]:
    nav = page.html.split('<nav aria-label="Main">', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'href="([^"]+)"', nav)


def test_an_owner_with_no_audit_role_is_not_offered_the_audit_trail(browser: Browser):
    browser.sign_in(LIAM)
    hrefs = _nav_hrefs(browser.get("/my-actions"))
    assert "/audit" not in hrefs and "/my-actions" in hrefs
    assert browser.client.get("/audit").status_code == 403  # still refused if typed in


@pytest.mark.parametrize("email", [CLERK_EMAIL, VIEWER_EMAIL])
def test_a_clerk_or_viewer_is_offered_the_audit_trail(browser: Browser, email):
    browser.sign_in(email)
    assert "/audit" in _nav_hrefs(browser.get("/plans"))


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ("actor=Liam+Purdey", "actor", "Person: nobody called 'Liam Purdey'"),
        ("type=ProgressUpdatd", "type", "Event type: 'ProgressUpdatd' is not a kind of event"),
        ("since=2015-02-30", "since", "From: '2015-02-30' is not a real date"),
        ("until=yesterday-ish", "until", "To: 'yesterday-ish' is not a real date"),
        ("axis=sideways", "axis", "Dates are: must be effective or recorded"),
        ("since=2015-03-31&until=2015-03-01", "until", "To: 2015-03-01 is before From (2015-03-31)"),
        ("action=NOPE+999", "action", "Action code: "),
    ],
)
def test_a_bad_audit_filter_is_a_400_beside_its_field_with_the_form_kept(browser: Browser, query, field, words):
    browser.sign_in(VIEWER_EMAIL)
    response = browser.client.get(f"/audit?plan=SOS+001&{query}")
    assert response.status_code == 400
    page = Page(response.text)
    assert page.title.startswith("Audit trail")
    assert words in page.by_id(f"e-{field}")
    kept = page.form("/audit").fields
    typed = dict(pair.split("=", 1) for pair in query.split("&"))
    for name, value in typed.items():
        if name not in ("axis", "type"):  # choices: a value not among them cannot be kept
            assert kept[name] == value.replace("+", " ")
    assert f'id="f-{field}" name="{field}"' in response.text.replace("\n", " ") or field == "axis"
    assert not page.has_id("audit-table")  # no rows that the filters did not choose


def test_a_refused_htmx_filter_swaps_the_form_with_its_message_and_the_next_good_one_clears_it(browser: Browser):
    browser.sign_in(VIEWER_EMAIL)
    refused = browser.client.get("/audit?plan=SOS+001&actor=Nobody+Atall", headers={"HX-Request": "true"})
    assert refused.status_code == 400
    assert (refused.headers["HX-Retarget"], refused.headers["HX-Reswap"]) == ("#audit", "innerHTML")
    fragment = Page(refused.text)
    assert "<html" not in refused.text and "nobody called 'Nobody Atall'" in fragment.by_id("e-actor")
    assert 'hx-headers=\'{"X-Audit-Refused": "true"}\'' in refused.text
    fixed = browser.client.get("/audit?plan=SOS+001&actor=ada+admin", headers={"HX-Request": "true", "X-Audit-Refused": "true"})
    assert fixed.status_code == 200, fixed.text[-1500:]
    assert fixed.headers["HX-Retarget"] == "#audit"
    cleared = Page(fixed.text)
    assert not cleared.has_id("e-actor") and cleared.has_id("audit-table")
    plain = browser.client.get("/audit?plan=SOS+001&actor=ada+admin", headers={"HX-Request": "true"})
    assert "HX-Retarget" not in plain.headers and "<form" not in plain.text  # an ordinary change swaps only the rows


DASHBOARD = "/plans/SOS%20001"


@pytest.mark.parametrize(
    ("path", "field", "message"),
    [
        (DASHBOARD + "?as_at=2015-02-30", "as_at", "Show the plan as at: '2015-02-30' is not a real date; pick one from the calendar"),
        (
            DASHBOARD + "/changes?since=2015-02-30&as_at=2015-03-25",
            "since",
            "From: '2015-02-30' is not a real date; pick one from the calendar",
        ),
        (
            DASHBOARD + "/changes?since=2015-03-06&as_at=31-31-2015",
            "as_at",
            "To: '31-31-2015' is not a real date; pick one from the calendar",
        ),
        (
            DASHBOARD + "/changes?since=2015-03-25&as_at=2015-03-06",
            "since",
            "From: 2015-03-25 is after To (2015-03-06); pick an earlier date",
        ),
    ],
)
def test_a_bad_date_on_the_dashboard_or_changes_page_is_a_400_beside_its_field_in_its_labels_words(browser: Browser, path, field, message):
    browser.sign_in(CLERK_EMAIL)
    response = browser.client.get(path)
    assert response.status_code == 400
    page = Page(response.text)
    assert page.by_id(f"e-{field}") == f"Error: {message}"
    assert "write 31-Mar-2015" not in page.text
    typed = dict(pair.split("=", 1) for pair in path.split("?", 1)[1].split("&"))
    form = next(f for f in page.forms if f.action.split("?")[0] in (DASHBOARD, DASHBOARD + "/changes"))
    assert form.fields[field] == typed[field]  # the form keeps what was typed
