"""Dates as councils type them, shared by every date option and importer."""

from datetime import date

import pytest

from plantrail.dates import DateFormatError, SheetDateOrder, parse_date, resolve_known_at

TODAY = date(2015, 3, 25)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015-03-31", date(2015, 3, 31)),
        ("31-Mar-2015", date(2015, 3, 31)),
        ("31-Mar-15", date(2015, 3, 31)),
        ("31/03/2015", date(2015, 3, 31)),
        ("31.03.2015", date(2015, 3, 31)),
        ("1/4/2015", date(2015, 4, 1)),
        ("03/04/15", date(2015, 4, 3)),
        ("31 March 2015", date(2015, 3, 31)),
        ("31st March 2015", date(2015, 3, 31)),
        ("  2 Apr  2015 ", date(2015, 4, 2)),
    ],
)
def test_the_forms_councils_type_are_read_day_first(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", TODAY),
        ("Yesterday", date(2015, 3, 24)),
        ("tomorrow", date(2015, 3, 26)),
        ("-7d", date(2015, 3, 18)),
        ("+2w", date(2015, 4, 8)),
    ],
)
def test_relative_days_count_from_the_given_today(text, expected):
    assert parse_date(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Mar 2015", "not a whole date: give the day too"),
        ("03/2015", "not a whole date"),
        ("31/02/2015", "not a real date"),
        ("yesterday", "relative date is not accepted here"),
        ("soon", "is not a date"),
    ],
)
def test_partial_impossible_and_relative_dates_without_a_today_are_refused_with_what_to_write(text, message):
    with pytest.raises(DateFormatError, match=message) as caught:
        parse_date(text)
    assert "31-Mar-2015" in str(caught.value)


def test_a_sheet_that_is_consistently_day_first_reads_its_ambiguous_dates_day_first():
    order = SheetDateOrder(["31/03/2015", "03/04/2015", "2015-05-01"])
    assert order.parse("03/04/2015") == date(2015, 4, 3)


def test_a_sheet_that_writes_a_date_month_first_has_its_ambiguous_dates_refused():
    order = SheetDateOrder(["31/03/2015", "04/30/2015", "03/04/15"])
    with pytest.raises(DateFormatError, match=r"'03/04/15' is ambiguous: this sheet writes dates month first \(04/30/2015\)"):
        order.parse("03/04/15")
    assert order.parse("31/03/2015") == date(2015, 3, 31)
    assert order.parse("1 April 2015") == date(2015, 4, 1)


def test_known_at_accepts_a_relative_day_as_the_end_of_that_day():
    moment = resolve_known_at("yesterday", "Europe/London", today=TODAY)
    assert moment is not None and (moment.date(), moment.hour) == (date(2015, 3, 24), 23)
