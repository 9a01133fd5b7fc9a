"""Dates and recorded times as the web pages show them (the ``day`` and ``when`` filters)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from projections.wording import changes_text, proposal_in_words, shown_changes, shown_day, shown_time
from web.render import templates


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (date(2015, 4, 2), "2 Apr 2015"),
        (date(2026, 11, 26), "26 Nov 2026"),
        ("2015-03-28", "28 Mar 2015"),
        ("2015-03-25T12:00:00+00:00", "25 Mar 2015"),  # a claim's time, shown as its day
        (datetime(2015, 1, 5, 23, 59, tzinfo=UTC), "5 Jan 2015"),
        (None, "—"),
        ("", "—"),
    ],
)
def test_a_date_reads_as_a_person_writes_it(value, shown):
    assert shown_day(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (datetime(2015, 4, 2, 14, 5, 59, tzinfo=UTC), "2 Apr 2015, 14:05 UTC"),
        ("2015-04-02T14:05:00.123456+00:00", "2 Apr 2015, 14:05 UTC"),
        ("2015-04-02 14:05:00.123456", "2 Apr 2015, 14:05 UTC"),  # SQLite's naive UTC
        # Another zone is shown in UTC: 00:30 in Paris in winter is 23:30 the day before.
        (datetime(2015, 1, 6, 0, 30, tzinfo=timezone(timedelta(hours=1))), "5 Jan 2015, 23:30 UTC"),
        (None, "—"),
    ],
)
def test_a_recorded_time_reads_in_utc_to_the_minute(value, shown):
    assert shown_time(value) == shown


def test_a_changed_date_reads_in_words_on_the_pages_and_other_values_as_they_are():
    changes = {"due_date": ["2015-03-28", "2015-06-30"], "progress": [20, 40], "owners": [["A"], ["A", "B"]], "note": ["x", "2015"]}
    assert shown_changes(changes, dates_in_words=True) == [
        ("due date", "28 Mar 2015", "30 Jun 2015"),
        ("progress", "20", "40"),
        ("owners", "A", "A, B"),
        ("note", "x", "2015"),
    ]
    # The CLI and the CSV keep ISO dates, as everywhere else they print.
    assert shown_changes(changes)[0] == ("due date", "2015-03-28", "2015-06-30")
    assert changes_text(changes).startswith("due date: 2015-03-28 → 2015-06-30; ")


def test_the_pages_have_the_filters():
    env = templates().env
    page = env.from_string("{{ on | day }} · {{ at | when }} · {{ none | day }}")
    assert page.render(on="2015-04-02", at="2015-04-02T09:00:00+00:00", none=None) == "2 Apr 2015 · 2 Apr 2015, 09:00 UTC · —"


def test_a_claim_proposes_its_due_date_in_words_and_anything_else_as_worded():
    assert (
        proposal_in_words({"kind": "due_date", "progress": None, "due_date": "2015-06-30", "proposed": "due date 2015-06-30"})
        == "due date 30 Jun 2015"
    )
    assert proposal_in_words({"kind": "progress", "progress": 80, "due_date": None, "proposed": "progress 80%"}) == "progress 80%"
    assert proposal_in_words({"kind": "completion", "progress": None, "due_date": None, "proposed": "complete"}) == "complete"
