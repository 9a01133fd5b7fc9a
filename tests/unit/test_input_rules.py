"""Small rules on input: the value echoed in an error cut short (domain.text.clipped), every
problem of an input listed at once (domain.problems), and a change dated at most a day ahead
(domain.commands.check_effective_on). Each limit is tested at its last allowed value and one past.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.commands import check_effective_on
from domain.errors import BadInputError, DomainError, InvalidTextError, PersonNotFoundError
from domain.problems import InputProblemsError, Problems, problems_message
from domain.text import checked_text, clipped, optional_text

TODAY = date(2015, 3, 25)


def test_a_value_whose_repr_fits_the_echo_limit_is_echoed_whole():
    # repr adds two quotes: 78 letters make 80 characters, the default limit.
    assert clipped("a" * 78) == "'" + "a" * 78 + "'"
    assert clipped("abc", limit=5) == "'abc'"
    assert clipped(1234) == "1234"


def test_a_value_one_character_over_the_limit_is_cut_to_the_limit_ending_in_an_ellipsis():
    # 81 characters of repr: the first 79 kept, then "…", 80 in all.
    assert clipped("a" * 79) == "'" + "a" * 78 + "…"
    assert len(clipped("a" * 79)) == 80
    assert clipped("abcd", limit=5) == "'abc…"
    assert clipped("a" * 5000, limit=10) == "'aaaaaaaa…"


def test_optional_text_is_none_for_blank_and_checked_otherwise():
    assert optional_text("reason", None, max_length=5) is None
    assert optional_text("reason", " \n\t ", max_length=5) is None
    assert optional_text("reason", "  late \r\n", max_length=5) == "late"
    with pytest.raises(InvalidTextError) as refused:
        optional_text("reason", "x" * 6, max_length=5)
    assert str(refused.value) == "reason: 6 characters, at most 5 allowed"


def test_checked_text_names_what_it_refuses():
    with pytest.raises(InvalidTextError) as refused:
        checked_text("title", 12, max_length=5)
    assert str(refused.value) == "title: expected text, got int"
    with pytest.raises(InvalidTextError) as refused:
        checked_text("title", "a\x07b", max_length=5)
    assert str(refused.value) == "title: contains control character U+0007"
    with pytest.raises(InvalidTextError) as refused:
        checked_text("title", "a\tb", max_length=5, multiline=False)
    assert str(refused.value) == "title: contains control character U+0009"
    assert checked_text("note", "a\r\n\tb", max_length=5) == "a\n\tb"


def test_one_problem_is_its_own_message():
    assert problems_message(["row 3: code: missing"], "nothing was imported") == "row 3: code: missing"
    error = InputProblemsError("row 3: code: missing")
    assert error.problems == ["row 3: code: missing"] and str(error) == "row 3: code: missing"


def test_several_problems_are_counted_and_listed_one_a_line_under_what_happened():
    error = InputProblemsError(["row 3: code: missing", "row 9: owner: unknown"], what="nothing was saved")
    assert error.problems == ["row 3: code: missing", "row 9: owner: unknown"]
    assert str(error) == "2 problems; nothing was saved:\n  row 3: code: missing\n  row 9: owner: unknown"
    assert isinstance(error, BadInputError) and error.exit_code == 2


def test_fifty_problems_are_all_listed_and_the_fifty_first_is_counted_instead():
    fifty = [f"row {n}: bad" for n in range(1, 51)]
    assert problems_message(fifty, "nothing was imported").splitlines() == [
        "50 problems; nothing was imported:",
        *(f"  row {n}: bad" for n in range(1, 51)),
    ]
    lines = problems_message([*fifty, "row 51: bad", "row 52: bad"], "nothing was imported").splitlines()
    assert len(lines) == 52
    assert lines[0] == "52 problems; nothing was imported:"
    assert lines[50] == "  row 50: bad"
    assert lines[51] == "  … and 2 more"


def test_the_collector_notes_each_domain_error_with_where_it_was_and_carries_on():
    problems = Problems()
    assert not problems
    with problems.noted("row 4"):
        raise BadInputError("owner: missing")
    with problems.noted("row 5"):
        raise PersonNotFoundError("row 5: owner: 'Zed' is not a registered person")
    with problems.noted():
        raise DomainError("plan: closed")
    with problems.noted("row 6"):
        raise InputProblemsError(["row 6: due: bad", "row 6: title: empty"])
    with problems.noted("row 7"):
        pass
    problems.add("row 8: progress: 120")
    assert problems
    assert problems.items == [
        "row 4: owner: missing",
        "row 5: owner: 'Zed' is not a registered person",
        "plan: closed",
        "row 6: due: bad",
        "row 6: title: empty",
        "row 8: progress: 120",
    ]


def test_the_collector_lets_anything_but_a_domain_error_through():
    problems = Problems()
    with pytest.raises(KeyError), problems.noted("row 1"):
        raise KeyError("code")
    assert problems.items == []


def test_the_collector_raises_only_when_it_holds_a_problem_and_as_the_error_asked_for():
    class SheetProblemsError(InputProblemsError):
        pass

    problems = Problems()
    problems.raise_if_any(SheetProblemsError)
    problems.add("row 2: bad")
    problems.add("row 3: bad")
    with pytest.raises(SheetProblemsError) as raised:
        problems.raise_if_any(SheetProblemsError)
    assert raised.value.problems == ["row 2: bad", "row 3: bad"]
    with pytest.raises(InputProblemsError) as raised_plain:
        problems.raise_if_any()
    assert type(raised_plain.value) is InputProblemsError
    assert str(raised_plain.value) == "2 problems; nothing was imported:\n  row 2: bad\n  row 3: bad"


def test_a_change_may_be_dated_up_to_a_day_ahead_of_today_or_any_day_before():
    check_effective_on(None, TODAY)
    check_effective_on(TODAY + timedelta(days=1), TODAY)
    check_effective_on(TODAY, TODAY)
    check_effective_on(date(2014, 1, 1), TODAY)


def test_a_change_dated_two_days_ahead_is_refused_naming_the_effective_date_field():
    with pytest.raises(BadInputError) as refused:
        check_effective_on(date(2015, 3, 27), TODAY)
    assert str(refused.value) == (
        "effective date: 2015-03-27 is more than a day ahead of today (2015-03-25); record a change once it is true"
    )
    assert refused.value.field == "effective_on"
    with pytest.raises(BadInputError):
        check_effective_on(date(2016, 1, 1), TODAY)


def test_problems_carry_each_hint_once_to_the_error_they_raise():
    from domain.errors import BadInputError
    from domain.problems import InputProblemsError, Problems

    problems = Problems()
    for row in (2, 3):
        with problems.noted():
            raise BadInputError(f"row {row}: Owner: 'Nora' is not a registered person", cli_hint="--register-owners")
    with problems.noted():
        raise BadInputError("row 4: Due Date: not a date")
    with pytest.raises(InputProblemsError) as refused:
        problems.raise_if_any()
    assert refused.value.problems == [
        "row 2: Owner: 'Nora' is not a registered person",
        "row 3: Owner: 'Nora' is not a registered person",
        "row 4: Due Date: not a date",
    ]
    assert refused.value.cli_hint == "--register-owners"
