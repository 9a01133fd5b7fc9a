"""The audit trail says what changed in plain words, the same on the page and in its CSV: a list
of owners reads "Liam Purdie, Maureen Dryden" (never a Python list), a restated figure reads
"Progress confirmed at N%" in both."""

from __future__ import annotations

import csv
import io

from tests.web.conftest import VIEWER_EMAIL, Browser
from tests.web.html import table_cells

LIAM = "liam.purdie@example.org"
TRAN2 = "/actions/SOS%20001/SS_ICSAP_TRAN2"
FILTER = "plan=SOS+001&action=SS_ICSAP_TRAN2"


def test_the_audit_page_and_its_csv_say_the_same_plain_words(browser: Browser, staffed):
    action = staffed.show("SOS 001/SS_ICSAP_TRAN2")
    browser.sign_in(LIAM)
    browser.submit(browser.get(TRAN2), "/progress", progress=str(action["progress"]))  # the figure restated
    browser.client.cookies.clear()
    browser.sign_in(VIEWER_EMAIL)
    page = browser.get(f"/audit?{FILTER}")
    shown = table_cells(page, "audit-table")[1:]
    exported = list(csv.DictReader(io.StringIO(browser.client.get(f"/audit.csv?{FILTER}").text.removeprefix("\ufeff"))))
    assert len(shown) == len(exported) > 2
    assert "['" not in page.by_id("audit-table") and not any("['" in r["changes"] for r in exported)

    added = exported[0]
    assert added["type"] == "ActionAdded"
    assert f"owners: — → {', '.join(action['owners'])}" in added["changes"].split("; ")
    restated = exported[-1]
    assert (restated["event"], restated["changes"]) == (f"Progress confirmed at {action['progress']}%", "")
    # Row by row, the CSV's event and changes are the page's Event and What changed cells.
    for cells, row in zip(shown, exported, strict=True):
        assert cells[2] == row["event"]
        if not row["text"]:
            assert cells[5] == row["changes"]
