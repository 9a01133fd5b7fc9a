"""Update rounds (domain.rounds): when one is open, and what counts as having updated in it."""

from datetime import date

from domain.rounds import UpdateRound, current_round, last_committee_before

COMMITTEES = [
    {"committee": "Alliance", "meets_on": date(2015, 3, 6), "report_deadline": None},
    {"committee": "Housing, Health and Care", "meets_on": date(2015, 4, 2), "report_deadline": date(2015, 3, 25)},
]


def test_a_round_opens_ten_days_before_the_report_deadline_and_closes_when_the_committee_meets():
    assert current_round(COMMITTEES, date(2015, 3, 14)) is None
    opened = current_round(COMMITTEES, date(2015, 3, 15))
    assert opened is not None and (opened.opens_on, opened.meets_on) == (date(2015, 3, 15), date(2015, 4, 2))
    assert current_round(COMMITTEES, date(2015, 4, 1)) == opened
    assert current_round(COMMITTEES, date(2015, 4, 2)) is None


def test_an_owner_has_updated_once_a_note_or_figure_is_dated_on_or_after_the_opening():
    opened = current_round(COMMITTEES, date(2015, 3, 20), round_days=7)
    assert opened is not None and opened.opens_on == date(2015, 3, 18)
    assert not opened.updated(None) and not opened.updated(date(2015, 3, 17))
    assert opened.updated(date(2015, 3, 18))


def test_an_open_round_carries_its_committee_meeting_deadline_and_opening():
    assert current_round(COMMITTEES, date(2015, 3, 20)) == UpdateRound(
        "Housing, Health and Care", date(2015, 4, 2), date(2015, 3, 25), date(2015, 3, 15)
    )


def test_of_two_overlapping_rounds_the_one_whose_committee_meets_first_is_current():
    # Listed later-meeting first, so the earliest is not merely the first found.
    overlapping = [
        {"committee": "Cabinet", "meets_on": date(2015, 4, 20), "report_deadline": date(2015, 4, 10)},
        {"committee": "Scrutiny", "meets_on": date(2015, 4, 8), "report_deadline": date(2015, 4, 1)},
        {"committee": "Audit", "meets_on": date(2015, 4, 14), "report_deadline": date(2015, 4, 5)},
    ]
    scrutiny = UpdateRound("Scrutiny", date(2015, 4, 8), date(2015, 4, 1), date(2015, 3, 22))
    assert current_round(overlapping, date(2015, 4, 1)) == scrutiny
    assert current_round(overlapping, date(2015, 4, 7)) == scrutiny
    # Scrutiny has met; Audit (opened 26 March) meets before Cabinet (opened 31 March).
    assert current_round(overlapping, date(2015, 4, 8)) == UpdateRound("Audit", date(2015, 4, 14), date(2015, 4, 5), date(2015, 3, 26))


def test_the_last_committee_before_a_day():
    assert last_committee_before(COMMITTEES, date(2015, 4, 2)) == date(2015, 3, 6)
    assert last_committee_before(COMMITTEES, date(2015, 3, 6)) is None


def test_a_chase_refused_as_too_soon_says_you_to_the_clerk_who_chased_and_names_them_to_others():
    from datetime import UTC, datetime

    from plantrail.rounds import LastChase, chased_too_soon

    last = LastChase(datetime(2026, 11, 26, 15, 9, tzinfo=UTC), "Val DeSouza")
    assert chased_too_soon(last, "Val DeSouza") == (
        "You chased the owners at 15:09 UTC and they were emailed then; you can chase them again from 16:09 UTC."
    )
    assert chased_too_soon(last, "Cara Clerk") == (
        "Val DeSouza chased the owners at 15:09 UTC and they were emailed then; they can be chased again from 16:09 UTC."
    )
