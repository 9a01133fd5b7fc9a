"""A clerk's plan settings page: committee dates, the sign-off setting and an action-list import,
each with the clerk as actor; refused input is a 400 beside its field with nothing written."""

from __future__ import annotations

import html
import re
from io import BytesIO

import pytest
from openpyxl import Workbook

from projections.audit import history
from tests.web.conftest import CLERK, CLERK_EMAIL, Browser
from tests.web.html import Page

SETTINGS = "/plans/SOS%20001/settings"
LIAM = "liam.purdie@example.org"
HEADER = ["Code & Title", "Covalent Owner", "Due Date", "Progress", "Priority Area", "Priority", "Latest note"]
ROWS = [
    ["NEW1 - Audit case files", "Liam Purdie", "30/04/2015", "20%", "Leadership", "High", "Sample of 40 – started"],
    ["NEW2: Café-style drop-ins", "val desouza", "31.05.2015", "0", "Children's Plans", "Medium", '=HYPERLINK("x")'],
]


@pytest.fixture
def clerk(browser: Browser) -> Browser:
    browser.sign_in(CLERK_EMAIL)
    return browser


def _semicolon_cp1252(rows: list[list[str]]) -> bytes:
    return ("\r\n".join(";".join(f'"{c}"' if (";" in c or '"' in c) else c for c in row) for row in rows) + "\r\n").encode("cp1252")


def _upload(clerk: Browser, name: str, content: bytes, expect: int, **fields: str):
    page = clerk.get(SETTINGS)
    form = page.form("/settings/import")
    response = clerk.client.post(form.action, data=form.fields | fields, files={"file": (name, content, "application/octet-stream")})
    assert response.status_code == expect, response.text[:3000]
    if expect == 303:  # Post/Redirect/Get: the settings page says the outcome at its top
        assert response.headers["location"].startswith(SETTINGS + "?imported=")
        return clerk.get(response.headers["location"])
    return Page(response.text)


def _codes(services) -> set[str]:
    return {a["code"] for a in services.queries.actions("SOS 001", as_at=services.today("SOS 001"))}


def test_a_clerk_adds_a_committee_date_recorded_as_theirs(clerk: Browser, staffed):
    latest_name = staffed.queries.committees("SOS 001")[-1]["committee"]
    page = clerk.get(SETTINGS)
    clerk.submit(page, "/settings/committee", meets_on="2015-09-16", report_deadline="2015-09-02", committee="")
    added = [c for c in staffed.queries.committees("SOS 001") if c["meets_on"] == "2015-09-16"]
    assert added == [{"committee": latest_name, "meets_on": "2015-09-16", "report_deadline": "2015-09-02"}]
    last = [e for e in history(staffed.engine, plan_code="SOS 001") if e["aggregate"] == "plan"][-1]
    assert last["actor"] == CLERK


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"meets_on": "Sep 2015", "report_deadline": ""}, "meets_on"),
        ({"meets_on": "", "report_deadline": "2015-09-02"}, "meets_on"),
        ({"meets_on": "2015-09-16", "report_deadline": "2015-09-30"}, "report_deadline"),
    ],
)
def test_a_refused_committee_date_is_a_400_beside_its_field(clerk: Browser, staffed, fields, field):
    before = staffed.queries.committees("SOS 001")
    page = clerk.get(SETTINGS)
    response = clerk.submit(page, "/settings/committee", expect=400, committee="", **fields)
    assert Page(response.text).by_id(f"e-committee-{field}")
    assert staffed.queries.committees("SOS 001") == before


def test_a_clerk_changes_the_sign_off_setting_and_a_bad_number_of_days_is_refused(clerk: Browser, staffed):
    page = clerk.get(SETTINGS)
    refused = clerk.submit(page, "/settings/sign-off", expect=400, sign_off="changes", sign_off_days="0", notify_rejection="immediate")
    assert "days" in Page(refused.text).by_id("e-sign-off-sign_off_days").lower()
    assert staffed.sign_off_settings("SOS 001")["sign_off"] == "completion"
    clerk.submit(page, "/settings/sign-off", sign_off="changes", sign_off_days="3", notify_rejection="immediate", reason="inspection year")
    assert staffed.sign_off_settings("SOS 001") == {
        "plan": "SOS 001",
        "sign_off": "changes",
        "sign_off_days": 3,
        "notify_rejection": "immediate",
    }


def test_an_excel_csv_imports_with_the_clerk_as_actor_and_again_adds_nothing(clerk: Browser, staffed):
    content = _semicolon_cp1252([HEADER, *ROWS])
    shown = _upload(clerk, "Actions for committee.csv", content, 303, exported_on="2015-03-20")
    assert shown.by_id("imported").startswith("✔ Imported Actions for committee.csv: 2 actions added")
    assert shown.html.index('id="imported"') < shown.html.index('id="committees-h"')  # at the top, not by the form
    assert {"NEW1", "NEW2"} <= _codes(staffed)
    new2 = staffed.show("SOS 001/NEW2")
    assert (new2["title"], new2["owners"], new2["due_date"]) == ("Café-style drop-ins", ["Val DeSouza"], "2015-05-31")
    created = [e for e in history(staffed.engine, plan_code="SOS 001", action_code="NEW1") if e["type"] == "ActionAdded"]
    assert [e["actor"] for e in created] == [CLERK]
    again = _upload(clerk, "Actions for committee.csv", content, 303, exported_on="2015-03-20")
    assert "0 actions added" in again.text and "0 events recorded" in again.text
    # The second upload is answered from the import cache: its notices still name the clerk's
    # file, not the server's temporary folder of the first upload.
    said = [html.unescape(n) for n in re.findall(r"<li>(.*?)</li>", again.html)]
    assert [n for n in said if "read as Windows-1252" in n] and all(
        n.startswith("Actions for committee.csv") for n in said if "read as" in n
    )
    assert "plantrail-upload" not in again.html


def test_an_xlsx_imports_too(clerk: Browser, staffed):
    book = Workbook()
    sheet = book.active
    for row in [HEADER, *ROWS]:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    _upload(clerk, "actions.xlsx", buffer.getvalue(), 303)
    assert {"NEW1", "NEW2"} <= _codes(staffed)


def test_a_sheet_with_bad_rows_writes_nothing_and_lists_every_problem_under_the_files_own_name(clerk: Browser, staffed):
    before = _codes(staffed)
    # Row 2 has two problems (a date without its day and an owner nobody registered): both listed at once.
    bad = [HEADER, ["NEW1 - Audit case files", "Liam Purdy", "Mar 2015", *ROWS[0][3:]], [*ROWS[1][:3], "150%", *ROWS[1][4:]]]
    page = _upload(clerk, "Q1 actions.csv", _semicolon_cp1252(bad), 400)
    listed = re.search(r'<ul class="error" id="import-problems">(.*?)</ul>', page.html, re.DOTALL)
    assert listed is not None
    problems = [html.unescape(item) for item in re.findall(r"<li>(.*?)</li>", listed.group(1), re.DOTALL)]
    assert "plantrail-upload" not in page.html
    assert [p.split(": ")[:3] for p in problems] == [
        ["Q1 actions.csv", "row 2", "Covalent Owner"],
        ["Q1 actions.csv", "row 2", "Due Date"],
        ["Q1 actions.csv", "row 3", "Progress"],
    ]
    assert "'Liam Purdy' is not a registered person; did you mean 'Liam Purdie'?" in problems[0]
    assert _codes(staffed) == before


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.txt", b"hello", "notes.txt is not an action list; save it from Excel as .csv or .xlsx"),
        ("empty.csv", b"", "empty.csv is empty: there is nothing in it to import"),
    ],
)
def test_a_file_that_is_not_an_action_list_is_refused_beside_the_file_field(clerk: Browser, staffed, name, content, message):
    page = _upload(clerk, name, content, 400)
    assert page.by_id("e-import-file") == f"Error: {message}"


def test_settings_are_for_the_plans_clerks(browser: Browser, staffed):
    browser.sign_in(LIAM)
    browser.get(SETTINGS, expect=403)
    csrf = browser.get("/my-actions").forms[0].fields["csrf_token"]
    before = staffed.queries.committees("SOS 001")
    response = browser.client.post(SETTINGS + "/committee", data={"csrf_token": csrf, "meets_on": "2015-09-16"})
    assert response.status_code == 403
    assert staffed.queries.committees("SOS 001") == before


def test_an_unknown_settings_form_is_a_404_that_writes_nothing(clerk: Browser, staffed):
    csrf = clerk.get(SETTINGS).forms[0].fields["csrf_token"]
    before = staffed.queries.committees("SOS 001")
    response = clerk.client.post(SETTINGS + "/no-such-form", data={"csrf_token": csrf, "meets_on": "2015-09-16"})
    assert response.status_code == 404
    assert staffed.queries.committees("SOS 001") == before


def test_a_refused_import_is_summed_up_at_the_top_with_a_link_to_the_file_field(clerk: Browser, staffed):
    bad = [HEADER, ["NEW1 - Audit case files", "Liam Purdy", "Mar 2015", *ROWS[0][3:]]]
    page = _upload(clerk, "Q1 actions.csv", _semicolon_cp1252(bad), 400)
    assert page.by_id("problems") == (
        "There is a problem; nothing was recorded Q1 actions.csv: nothing was imported (2 problems, listed beside the file)"
    )
    assert '<a href="#f-import-file">Q1 actions.csv: nothing was imported</a>' in page.html and page.has_id("f-import-file")
    assert page.html.index('id="problems"') < page.html.index('id="committees-h"')
    # The refused POST's address, reloaded or bookmarked, is the settings page again.
    assert clerk.client.get(SETTINGS + "/import").headers["location"] == SETTINGS


def test_a_refused_committee_date_is_summed_up_at_the_top_too(clerk: Browser, staffed):
    response = clerk.submit(clerk.get(SETTINGS), "/settings/committee", expect=400, meets_on="Sep 2015", committee="")
    page = Page(response.text)
    assert re.findall(r'<div class="error-summary".*?<a href="(#[^"]+)"', page.html, re.S) == ["#f-committee-meets_on"]
    assert page.has_id("f-committee-meets_on")


def test_an_import_outcome_in_a_forged_link_is_not_shown(clerk: Browser):
    page = clerk.get(SETTINGS + "?imported=eyJmaWxlIjoieCJ9.forged")
    assert not page.has_id("imported")
