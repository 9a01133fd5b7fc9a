"""My actions says what the latest reminder asked, after a real sweep on the real store: the
expected wording is derived from the sweep's own decisions, not from the page's query."""

from __future__ import annotations

from datetime import date

from projections.statuses import RULE_LABELS
from projections.wording import shown_day
from scheduler.sweep import sweep
from tests.web.conftest import Browser
from tests.web.html import table_cells

LIAM = "Liam Purdie"
LIAM_EMAIL = "liam.purdie@example.org"
AS_OF = date(2015, 3, 25)


def test_my_actions_shows_each_actions_latest_reminder_after_a_sweep(browser: Browser, web_app, staffed, clock):
    browser.sign_in(LIAM_EMAIL)
    header, *rows = table_cells(browser.get("/my-actions"), "my-actions-table")
    column = header.index("Latest reminder")
    assert {row[column] for row in rows} == {"—"}  # nothing raised yet

    outcome = sweep(web_app.state.web.sweep, as_of=AS_OF, today=AS_OF, now=clock.now)
    raised = set(outcome.raised)
    expected: dict[tuple[str, str], str] = {}
    for due in outcome.due:  # in the order raised: a later one for the same action is its latest
        if due.key in raised and any(name == LIAM for name, _ in due.recipients):
            expected[(due.plan_code, due.action_code)] = f"{RULE_LABELS[due.rule]}, {shown_day(AS_OF)}"
    assert expected, "the sweep raised nothing for Liam Purdie: the test would prove nothing"

    header, *rows = table_cells(browser.get("/my-actions"), "my-actions-table")
    plan_column, column = header.index("Plan"), header.index("Latest reminder")
    shown = {(row[plan_column], row[0].split(" ", 1)[0]): row[column] for row in rows}
    assert {key: text for key, text in shown.items() if text != "—"} == expected
    assert len(shown) == len(staffed.queries.owned_action_refs(LIAM))
