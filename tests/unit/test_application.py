"""The application's use cases (domain.application.PlanTrail) on the library's in-memory store:
events really saved and replayed, on a clock fixed where the time zones disagree about the date.

At 23:30 UTC on 30 June 2015 it is already 1 July in London (BST, UTC+1), the default time zone,
and still 30 June in Honolulu (UTC-10), the test plan's time zone. A date taken in the wrong zone
is a day out.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from domain.action import Action
from domain.application import PlanTrail, utc_now
from domain.errors import (
    ActionCancelledError,
    ActionNotFoundError,
    BadInputError,
    ConcurrentChangeError,
    DuplicateCodeError,
    PersonNotFoundError,
    PlanNotFoundError,
    UnknownPriorityError,
)
from domain.ids import action_id, plan_id
from domain.names import UnknownPersonError

NOW = datetime(2015, 6, 30, 23, 30, tzinfo=UTC)
PLAN_TODAY = date(2015, 6, 30)  # Honolulu
LONDON_TODAY = date(2015, 7, 1)
EARLIER = date(2014, 9, 5)


def new_app() -> PlanTrail:
    """Two people, a plan in Honolulu recording changes at once (no sign-off), and action A1."""
    app = PlanTrail(clock=lambda: NOW)
    app.register_person(name="Liam Purdie", actor="clerk", effective_on=EARLIER)
    app.register_person(name="Pat Preece", actor="clerk", effective_on=EARLIER)
    app.create_plan(code="SOS 001", title="Inspection plan", timezone="Pacific/Honolulu", actor="clerk", effective_on=EARLIER)
    app.configure_sign_off("SOS 001", sign_off="none", actor="clerk")
    app.add_action(
        plan_code="SOS 001",
        code="A1",
        title="Audit",
        owners=["Pat Preece"],
        due_date=date(2015, 9, 30),
        actor="clerk",
        effective_on=EARLIER,
    )
    return app


def stored(app: PlanTrail, code: str = "A1") -> list[Any]:
    return list(app.events.get(action_id("SOS 001", code)))


def last(app: PlanTrail, code: str = "A1") -> Any:
    return stored(app, code)[-1]


def test_the_default_clock_tells_the_time_in_utc():
    before = datetime.now(UTC)
    now = utc_now()
    assert now.utcoffset() == timedelta(0)
    assert before <= now <= datetime.now(UTC)


def test_today_is_the_date_in_the_plans_time_zone_and_in_london_without_a_plan():
    app = new_app()
    assert app.today("SOS 001") == PLAN_TODAY
    assert app.today() == LONDON_TODAY
    assert app.today("NO SUCH PLAN") == LONDON_TODAY


def test_a_plan_created_without_a_date_is_created_today_in_london():
    app = new_app()
    app.create_plan(code="LDN", title="London plan", actor="clerk")
    assert [e.effective_on for e in app.events.get(plan_id("LDN"))] == [LONDON_TODAY]


def test_a_plan_code_is_refused_when_it_exists_in_any_spelling():
    app = new_app()
    with pytest.raises(DuplicateCodeError) as refused:
        app.create_plan(code="sos  001", title="Again", actor="clerk")
    assert str(refused.value) == "plan code: 'sos  001' already exists as 'SOS 001'"
    assert len(list(app.events.get(plan_id("SOS 001")))) == 2  # created, sign-off configured


def test_a_plan_in_an_unknown_time_zone_is_refused_and_not_saved():
    app = new_app()
    with pytest.raises(BadInputError) as refused:
        app.create_plan(code="MARS", title="Mars plan", timezone="Mars/Olympus", actor="clerk")
    assert str(refused.value) == "timezone: 'Mars/Olympus' is not a time zone (e.g. Europe/London)"
    assert refused.value.field == "timezone"
    assert not app.exists(plan_id("MARS"))
    app.create_plan(code="NZ", title="NZ plan", timezone="Pacific/Auckland", actor="clerk")
    assert app.get_plan("NZ").timezone == "Pacific/Auckland"


def test_a_plans_sponsor_is_stored_in_the_registered_spelling_and_must_be_registered():
    app = new_app()
    app.create_plan(code="P2", title="Second plan", sponsor="liam  PURDIE", actor="clerk")
    assert app.get_plan("P2").sponsor == "Liam Purdie"
    with pytest.raises(UnknownPersonError) as refused:
        app.create_plan(code="P3", title="Third plan", sponsor="Liam Purdy", actor="clerk")
    assert (str(refused.value), refused.value.field) == ("sponsor: 'Liam Purdy' is not a registered person", "sponsor")
    assert not app.exists(plan_id("P3"))


def test_a_priority_added_without_a_date_is_dated_today_in_the_plans_zone():
    app = new_app()
    app.add_priority("SOS 001", 1, "Housing", actor="clerk")
    app.add_priority("SOS 001", 2, "Health", "Care at home", actor="Val", effective_on=date(2015, 6, 1))
    assert app.get_plan("SOS 001").priorities == {
        1: {"number": 1, "name": "Housing", "description": ""},
        2: {"number": 2, "name": "Health", "description": "Care at home"},
    }
    added = list(app.events.get(plan_id("SOS 001")))[-2:]
    assert [(e.actor, e.effective_on) for e in added] == [("clerk", PLAN_TODAY), ("Val", date(2015, 6, 1))]


def test_a_committee_is_scheduled_with_its_deadline_on_the_date_given_or_today_in_the_plans_zone():
    app = new_app()
    app.schedule_committee("SOS 001", meets_on=date(2015, 7, 20), committee="Cabinet", report_deadline=date(2015, 7, 10), actor="clerk")
    app.schedule_committee(
        "SOS 001", meets_on=date(2015, 8, 3), committee="Scrutiny", report_deadline=None, actor="Val", effective_on=date(2015, 6, 2)
    )
    assert app.get_plan("SOS 001").committee_dates == [
        {"meets_on": date(2015, 7, 20), "committee": "Cabinet", "report_deadline": date(2015, 7, 10)},
        {"meets_on": date(2015, 8, 3), "committee": "Scrutiny", "report_deadline": None},
    ]
    scheduled = list(app.events.get(plan_id("SOS 001")))[-2:]
    assert [(e.actor, e.effective_on) for e in scheduled] == [("clerk", PLAN_TODAY), ("Val", date(2015, 6, 2))]


def test_an_action_takes_the_defaults_and_the_plans_date_and_its_owners_registered_spelling():
    app = new_app()
    app.add_action(plan_code="SOS 001", code="A2", title="Train staff", owners=["pat  preece"], due_date=None, actor="clerk")
    action = app.get_action("SOS 001", "A2")
    assert (action.priority, action.priority_number, action.description, action.owners) == ("Medium", None, "", ["Pat Preece"])
    assert (last(app, "A2").actor, last(app, "A2").effective_on) == ("clerk", PLAN_TODAY)


def test_an_action_keeps_the_priority_area_and_description_it_is_given():
    app = new_app()
    app.add_priority("SOS 001", 1, "Housing", actor="clerk")
    app.add_action(
        plan_code="SOS 001",
        code="A2",
        title="Train staff",
        owners=["Pat Preece", "Liam Purdie"],
        due_date=date(2015, 12, 1),
        priority="High",
        priority_number=1,
        description="Half the team by December",
        actor="clerk",
        effective_on=date(2015, 6, 1),
    )
    action = app.get_action("SOS 001", "A2")
    assert (action.priority, action.priority_number, action.description) == ("High", 1, "Half the team by December")
    assert (action.owners, action.due_date, action.added_on) == (["Pat Preece", "Liam Purdie"], date(2015, 12, 1), date(2015, 6, 1))


def test_an_action_is_refused_for_a_priority_area_the_plan_lacks_a_code_in_use_or_an_unknown_owner():
    app = new_app()
    with pytest.raises(UnknownPriorityError) as refused:
        app.add_action(plan_code="SOS 001", code="A2", title="T", owners=["Pat Preece"], due_date=None, priority_number=4, actor="c")
    assert str(refused.value) == "priority area: plan 'SOS 001' has no priority 4"
    with pytest.raises(DuplicateCodeError) as duplicate:
        app.add_action(plan_code="SOS 001", code="A1", title="T", owners=["Pat Preece"], due_date=None, actor="c")
    assert str(duplicate.value) == "code: 'A1' is already used in plan 'SOS 001'"
    assert len(stored(app)) == 1
    with pytest.raises(UnknownPersonError) as unknown:
        app.add_action(plan_code="SOS 001", code="A2", title="T", owners=["Pat Preese"], due_date=None, actor="c")
    assert str(unknown.value) == "owner: 'Pat Preese' is not a registered person"
    assert not app.exists(action_id("SOS 001", "A2"))


def test_what_is_not_there_is_named_in_the_not_found_error():
    app = new_app()
    with pytest.raises(PlanNotFoundError) as plan:
        app.get_plan("NOPE")
    with pytest.raises(ActionNotFoundError) as action:
        app.get_action("SOS 001", "Z9")
    with pytest.raises(PersonNotFoundError) as person:
        app.get_person("Zed")
    assert [str(plan.value), str(action.value), str(person.value)] == [
        "plan 'NOPE' not found",
        "action 'SOS 001/Z9' not found",
        "person 'Zed' not found",
    ]


def test_a_change_answers_the_plan_code_and_new_version_and_is_dated_today_in_the_plans_zone():
    app = new_app()
    assert app.add_note("SOS 001", "a1", "Called the team", actor="Pat Preece") == {"plan": "SOS 001", "code": "A1", "version": 2}
    assert app.add_note("SOS 001", "A1", "Met them", actor="Liam Purdie", effective_on=date(2015, 6, 2))["version"] == 3
    assert app.get_action("SOS 001", "A1").notes == [
        {"text": "Called the team", "author": "Pat Preece", "effective_on": PLAN_TODAY},
        {"text": "Met them", "author": "Liam Purdie", "effective_on": date(2015, 6, 2)},
    ]


def test_a_progress_figure_with_a_note_records_both_by_the_actor_on_the_date_from_the_source_given():
    app = new_app()
    app.update_progress("SOS 001", "A1", 40, actor="Pat Preece", note="Forms sent", effective_on=date(2015, 6, 3))
    app.update_progress("SOS 001", "A1", 50, actor="Liam Purdie", source="web")
    figures = [
        (type(e).__name__, e.progress, e.source, e.actor, e.effective_on) for e in stored(app) if isinstance(e, Action.ProgressUpdated)
    ]
    assert figures == [
        ("ProgressUpdated", 40, "cli", "Pat Preece", date(2015, 6, 3)),
        ("ProgressUpdated", 50, "web", "Liam Purdie", PLAN_TODAY),
    ]
    note = stored(app)[2]
    assert (type(note).__name__, note.text, note.author, note.actor, note.effective_on) == (
        "NoteAdded",
        "Forms sent",
        "Pat Preece",
        "Pat Preece",
        date(2015, 6, 3),
    )
    assert app.get_action("SOS 001", "A1").progress == 50


def test_a_note_on_a_sub_action_is_recorded_by_its_author_on_its_date():
    app = new_app()
    action = app.get_action("SOS 001", "A1")
    action.add_sub_action("Audit ten files", actor="clerk", effective_on=EARLIER)
    action.add_sub_action("Audit ten more", actor="clerk", effective_on=EARLIER)
    app.save(action)
    result = app.add_sub_action_note("SOS 001", "A1", 2, "Four done", actor="Pat Preece", effective_on=date(2015, 6, 4))
    assert result == {"plan": "SOS 001", "code": "A1", "version": 4}
    app.add_sub_action_note("SOS 001", "A1", 2, "Six done", actor="Liam Purdie")
    notes = app.get_action("SOS 001", "A1").sub_actions[1]["notes"]
    assert notes == [
        {"text": "Four done", "author": "Pat Preece", "effective_on": date(2015, 6, 4)},
        {"text": "Six done", "author": "Liam Purdie", "effective_on": PLAN_TODAY},
    ]
    assert [(e.actor, e.number) for e in stored(app)[-2:]] == [("Pat Preece", 2), ("Liam Purdie", 2)]
    assert app.get_action("SOS 001", "A1").sub_actions[0]["notes"] == []


def test_a_lifecycle_change_other_than_reopening_takes_no_progress_figure():
    app = new_app()
    with pytest.raises(BadInputError) as refused:
        app.change_lifecycle("SOS 001", "A1", "cancel", reason="merged", actor="clerk", progress=50)
    assert (str(refused.value), refused.value.field) == ("progress: only reopening takes a progress figure, not cancel", "progress")
    assert len(stored(app)) == 1


def test_each_transition_is_recorded_with_its_reason_and_a_reopening_figure_with_its_source():
    app = new_app()
    app.change_lifecycle("SOS 001", "A1", "hold", reason="waiting on budget", actor="clerk", effective_on=date(2015, 6, 1))
    assert app.get_action("SOS 001", "A1").lifecycle == "on_hold"
    app.change_lifecycle("SOS 001", "A1", "complete", reason="signed off", actor="clerk", effective_on=date(2015, 6, 2))
    assert app.get_action("SOS 001", "A1").lifecycle == "completed"
    app.change_lifecycle("SOS 001", "A1", "reopen", reason="not done", actor="Val", effective_on=date(2015, 6, 3), progress=60)
    app.change_lifecycle("SOS 001", "A1", "cancel", reason="merged", actor="clerk")
    assert [(type(e).__name__, e.reason, e.actor, e.effective_on) for e in stored(app)[1:]] == [
        ("ActionPutOnHold", "waiting on budget", "clerk", date(2015, 6, 1)),
        ("ActionCompleted", "signed off", "clerk", date(2015, 6, 2)),
        ("ActionReopened", "not done", "Val", date(2015, 6, 3)),
        ("ProgressUpdated", "not done", "Val", date(2015, 6, 3)),
        ("ActionCancelled", "merged", "clerk", PLAN_TODAY),
    ]
    assert stored(app)[4].source == "cli"


def test_owners_are_changed_to_their_registered_spellings_with_the_reason_on_the_date():
    app = new_app()
    app.change_owners("SOS 001", "A1", ["liam purdie", "Pat Preece"], reason="handover", actor="clerk", effective_on=date(2015, 6, 5))
    change = last(app)
    assert (change.owners, change.reason, change.actor, change.effective_on) == (
        ["Liam Purdie", "Pat Preece"],
        "handover",
        "clerk",
        date(2015, 6, 5),
    )


def test_a_change_that_loses_the_race_once_is_made_again_on_the_fresh_state():
    app = new_app()
    rounds: list[int] = []

    def change(action: Action, on: date) -> None:
        rounds.append(action.version)
        if len(rounds) == 1:  # another writer saves first, after this one loaded the action
            other = app.get_action("SOS 001", "A1")
            other.add_note("Meanwhile", author="Liam Purdie", actor="Liam Purdie", effective_on=on)
            app.save(other)
        action.update_progress(30, actor="Pat Preece", effective_on=on)

    assert app.change_action("SOS 001", "A1", change)["version"] == 3
    assert rounds == [1, 2]
    assert [type(e).__name__ for e in stored(app)] == ["ActionAdded", "NoteAdded", "ProgressUpdated"]


def test_a_change_that_loses_every_race_gives_up_after_twenty_five_tries():
    app = new_app()
    tries = 0

    def change(action: Action, on: date) -> None:
        nonlocal tries
        tries += 1
        other = app.get_action("SOS 001", "A1")
        other.add_note(f"Meanwhile {tries}", author="Liam Purdie", actor="Liam Purdie", effective_on=on)
        app.save(other)
        action.update_progress(30, actor="Pat Preece", effective_on=on)

    with pytest.raises(ConcurrentChangeError) as gave_up:
        app.change_action("SOS 001", "A1", change)
    assert str(gave_up.value) == "conflict: too many concurrent changes to the same item; try again"
    assert tries == 25
    assert app.get_action("SOS 001", "A1").progress == 0


def test_a_change_the_rules_refuse_only_after_a_lost_race_is_a_conflict_not_a_refusal():
    app = new_app()
    app.change_lifecycle("SOS 001", "A1", "cancel", reason="merged", actor="clerk")
    with pytest.raises(ActionCancelledError):  # refused on the first try: the rule's own error
        app.update_progress("SOS 001", "A1", 30, actor="Pat Preece")
    app = new_app()
    tries = 0

    def change(action: Action, on: date) -> None:
        nonlocal tries
        tries += 1
        if tries == 1:
            other = app.get_action("SOS 001", "A1")
            other.cancel(reason="merged", actor="clerk", effective_on=on)
            app.save(other)
        action.update_progress(30, actor="Pat Preece", effective_on=on)

    with pytest.raises(ConcurrentChangeError) as conflict:
        app.change_action("SOS 001", "A1", change)
    assert str(conflict.value) == (
        "conflict: someone else changed this while you were saving, and the change no longer applies "
        "(cannot update progress on SOS 001/A1: it is cancelled)"
    )
    assert tries == 2


def test_a_plan_created_without_a_date_is_dated_today_where_it_is():
    from domain.ids import plan_id

    app = PlanTrail(clock=lambda: NOW)  # 23:30 UTC on 30 June: 1 July in London, 30 June in Honolulu
    app.create_plan(code="HNL", title="Honolulu plan", timezone="Pacific/Honolulu", actor="clerk")
    app.create_plan(code="LDN", title="London plan", actor="clerk")
    assert [next(iter(app.events.get(plan_id(code)))).effective_on for code in ("HNL", "LDN")] == [PLAN_TODAY, LONDON_TODAY]
