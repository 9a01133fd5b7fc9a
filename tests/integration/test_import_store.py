import json
from collections import Counter
from dataclasses import replace
from datetime import date

import pytest

from domain.importing import InvalidImportError, import_plans
from plantrail.importers.json_plan import plan_from_data, read_plan_file
from tests.conftest import EXAMPLES
from tests.integration.snapshots import stored_event_count, view_snapshot

# The seed report's "HIGH LEVEL SUMMARY": alert, warning, ok, complete per strategic priority.
PUBLISHED_SUMMARY = {
    "Risk Assessment Processes": (0, 1, 2, 14),
    "Help when They Need It": (0, 1, 6, 1),
    "Children's Plans": (0, 4, 3, 4),
    "Joint Strategic Planning": (0, 3, 2, 4),
    "Leadership": (0, 2, 3, 0),
}


def test_the_seed_plans_import_with_every_action_and_person(seeded):
    plans = {p["code"]: p["actions"] for p in seeded.queries.plans()}
    assert plans == {"SOS 001": 50, "SS SAAP 2014": 33}
    assert len(seeded.queries.people()) == 16


def test_the_seed_plan_as_at_the_report_date_matches_the_published_summary(seeded):
    counts: dict[str, Counter] = {}
    for action in seeded.queries.actions("SOS 001", as_at=date(2015, 3, 25)):
        counts.setdefault(action["priority_area"]["name"], Counter())[action["status"]] += 1
    found = {name: (c["Alert"], c["Warning"], c["OK"], c["Complete"]) for name, c in counts.items()}
    assert found == PUBLISHED_SUMMARY


def test_a_second_import_of_the_same_plans_records_nothing(seeded):
    before = stored_event_count(seeded.app)
    documents = [read_plan_file(p) for p in sorted(EXAMPLES.glob("*.json"))]
    summary = import_plans(seeded.app, documents, actor="again")
    assert summary.events_recorded == 0
    assert stored_event_count(seeded.app) == before


def test_a_changed_file_adds_only_what_is_new(seeded):
    data = json.loads((EXAMPLES / "sos-001.plan.json").read_text())
    data["actions"][0]["notes"].append({"text": "Roll-out started in April.", "author": "LP", "on": "2015-04-10"})
    data["actions"][0]["progress"].append({"value": 80, "on": "2015-04-10"})
    summary = import_plans(seeded.app, [plan_from_data(data, "changed.json")], actor="again")
    assert summary.events_recorded == 2
    seeded.projector.catch_up()
    action = seeded.queries.action("SOS 001", "SS_ICSAP_IMP1", as_at=date(2015, 4, 10))
    assert action["progress"] == 80
    assert action["latest_note"]["text"] == "Roll-out started in April."


def test_a_bad_file_writes_nothing_and_names_the_place(services):
    data = json.loads((EXAMPLES / "sos-001.plan.json").read_text())
    data["actions"][7]["owners"] = ["Nobody Known"]
    with pytest.raises(InvalidImportError) as caught:
        import_plans(services.app, [plan_from_data(data, "bad.json")], actor="clerk")
    assert "bad.json: actions[7] (SS_ICSAP_RESP3)" in str(caught.value)
    assert "Nobody Known" in str(caught.value)
    assert stored_event_count(services.app) == 0
    services.projector.catch_up()
    assert all(rows == [] for rows in view_snapshot(services.engine).values())


def test_duplicate_codes_in_one_plan_are_refused(services):
    data = json.loads((EXAMPLES / "sos-001.plan.json").read_text())
    data["actions"][3]["code"] = data["actions"][0]["code"].lower()
    with pytest.raises(InvalidImportError, match=r"actions\[3\].*appears twice"):
        import_plans(services.app, [plan_from_data(data, "dup.json")], actor="clerk")
    assert stored_event_count(services.app) == 0


def reimport_document(**changes) -> dict:
    action = {
        "code": "A1",
        "title": "First",
        "description": "Old words",
        "owners": ["Ann Owner"],
        "priority": "High",
        "due_date": "2015-06-30",
        "added_on": "2015-01-05",
    }
    return {
        "format": "plantrail-plan/1",
        "plan": {"code": "T 1", "title": "Test plan", "created_on": "2015-01-05", "sign_off": "none"},
        "people": [{"name": "Ann Owner"}, {"name": "Bob Owner"}],
        "actions": [action | changes],
    }


def test_a_reimport_with_a_changed_title_description_priority_and_owners_records_each_change_as_imported(services):
    from projections.audit import history

    import_plans(services.app, [plan_from_data(reimport_document(), "first.json")], actor="first import")
    changed = reimport_document(title="First, renamed", description="New words", priority="low", owners=["Ann Owner", "Bob Owner"])
    import_plans(services.app, [plan_from_data(changed, "second.json")], actor="second import")
    services.projector.catch_up()
    action = services.queries.action("T 1", "A1", as_at=date(2015, 3, 1))
    assert (action["title"], action["description"], action["priority"], action["owners"]) == (
        "First, renamed",
        "New words",
        "Low",
        ["Ann Owner", "Bob Owner"],
    )
    again = [
        (e["type"], e["actor"], e["effective_on"], e["reason"])
        for e in history(services.engine, plan_code="T 1")
        if e["actor"] == "second import"
    ]
    # Each dated the action's own day, as the file says it was added: the import states how it was then.
    assert sorted(again) == sorted(
        [
            ("DescriptionRevised", "second import", "2015-01-05", "imported"),
            ("PriorityChanged", "second import", "2015-01-05", "imported"),
            ("OwnersChanged", "second import", "2015-01-05", "imported"),
        ]
    )


def stream(app, aggregate_id) -> list[tuple]:
    """Each stored event of one aggregate as (type, effective date, actor, what it says); its
    ``source`` (every imported event's is "import") is asserted apart."""
    left_out = {"originator_id", "originator_version", "timestamp", "effective_on", "actor", "originator_topic", "source"}
    return [
        (type(e).__name__, e.effective_on, e.actor, {k: v for k, v in e.__dict__.items() if k not in left_out and v is not None})
        for e in app.events.get(aggregate_id)
    ]


def small_plan(**action_changes):
    from domain.plan_document import (
        ActionSpec,
        CommitteeSpec,
        DatedText,
        Evidence,
        PersonSpec,
        PlanDocument,
        PrioritySpec,
        ProgressFigure,
        SubActionSpec,
    )

    d = date
    action = ActionSpec(
        "A1",
        "First",
        "Do",
        ["ann owner"],
        d(2015, 4, 30),
        "High",
        2,
        original_due_date=d(2015, 3, 31),
        lifecycle="completed",
        progress=[ProgressFigure(40, d(2015, 2, 10)), ProgressFigure(10, d(2015, 1, 10))],
        notes=[DatedText("Later", "AO", d(2015, 2, 20))],
        sub_actions=[SubActionSpec("Step", [DatedText("Met", "AO", d(2015, 2, 2))])],
        success_measures=["Fewer"],
        evidence=[Evidence("Minutes"), Evidence("Audit", d(2015, 2, 1))],
        source="t.json: actions[0] (A1)",
    )
    return PlanDocument(
        code="T 1",
        title="Plan",
        description="Why",
        timezone="Europe/Dublin",
        sponsor="Sue Sponsor",
        created_on=d(2015, 1, 1),
        sign_off="changes",
        sign_off_days=3,
        notify_rejection="immediate",
        priorities=[PrioritySpec(2, "Homes", "Build", "t.json: priorities[0]")],
        committees=[CommitteeSpec(d(2015, 3, 4), "Cabinet", d(2015, 2, 25), "t.json: committees[0]")],
        people=[
            PersonSpec("Ann Owner", "AO", "ann@example.org", "Clerk", "sue sponsor", "t.json: people[0]"),
            PersonSpec("Sue Sponsor", source="t.json: people[1]"),
        ],
        actions=[replace(action, **action_changes)],
        source="t.json",
    )


def test_an_import_records_each_part_of_a_plan_in_date_order_and_a_second_import_records_nothing(services):
    from domain.ids import action_id, person_id, plan_id

    app = services.app
    summary = import_plans(app, [small_plan()], actor="clerk")
    assert summary.as_dict() == {"plans_created": 1, "people_registered": 2, "actions_created": 1, "events_recorded": 17}
    on = date(2015, 1, 1)
    assert stream(app, plan_id("T 1")) == [
        (
            "PlanCreated",
            on,
            "clerk",
            {
                "code": "T 1",
                "title": "Plan",
                "description": "Why",
                "timezone": "Europe/Dublin",
                "warning_days": 14,
                "sponsor": "Sue Sponsor",
            },
        ),
        ("SignOffConfigured", on, "clerk", {"sign_off": "changes", "sign_off_days": 3, "notify_rejection": "immediate"}),
        ("PriorityAdded", on, "clerk", {"number": 2, "name": "Homes", "description": "Build"}),
        (
            "CommitteeDateScheduled",
            on,
            "clerk",
            {"meets_on": date(2015, 3, 4), "committee": "Cabinet", "report_deadline": date(2015, 2, 25)},
        ),
    ]
    # The manager as registered, though the file spells it in lower case.
    ann = {"name": "Ann Owner", "initials": "AO", "email": "ann@example.org", "role": "Clerk", "manager": "Sue Sponsor"}
    assert stream(app, person_id("Ann Owner")) == [("PersonRegistered", on, "clerk", ann)]
    assert stream(app, person_id("Sue Sponsor")) == [("PersonRegistered", on, "clerk", {"name": "Sue Sponsor"})]
    # Added on its earliest dated fact (10 January), with the original due date revised that day;
    # on one day sub-actions, then progress, then measures and evidence, then the revision.
    added, feb = date(2015, 1, 10), date(2015, 2, 1)
    assert stream(app, action_id("T 1", "A1")) == [
        (
            "ActionAdded",
            added,
            "clerk",
            {
                "plan_code": "T 1",
                "code": "A1",
                "title": "First",
                "description": "Do",
                "owners": ["Ann Owner"],
                "due_date": date(2015, 3, 31),
                "priority": "High",
                "priority_number": 2,
            },
        ),
        ("SubActionAdded", added, "clerk", {"number": 1, "details": "Step"}),
        ("ProgressUpdated", added, "clerk", {"progress": 10}),
        ("SuccessMeasureAdded", added, "clerk", {"text": "Fewer"}),
        ("EvidenceAdded", added, "clerk", {"text": "Minutes"}),
        ("DueDateRevised", added, "clerk", {"reason": "due date revised before import", "due_date": date(2015, 4, 30)}),
        ("EvidenceAdded", feb, "clerk", {"text": "Audit"}),
        ("SubActionNoteAdded", date(2015, 2, 2), "clerk", {"number": 1, "text": "Met", "author": "AO"}),
        ("ProgressUpdated", date(2015, 2, 10), "clerk", {"progress": 40}),
        ("NoteAdded", date(2015, 2, 20), "clerk", {"text": "Later", "author": "AO"}),
        ("ActionCompleted", date(2015, 2, 20), "clerk", {"reason": "imported"}),
    ]
    # Every event the import wrote says so (the audit trail reads it as "from import").
    imported = [e for i in (plan_id("T 1"), person_id("Ann Owner"), action_id("T 1", "A1")) for e in app.events.get(i)]
    assert {e.__dict__.get("source") for e in imported} == {"import"}
    again = import_plans(app, [small_plan()], actor="again")
    assert again.as_dict() == {"plans_created": 0, "people_registered": 0, "actions_created": 0, "events_recorded": 0}
    assert again.action_versions == {str(action_id("T 1", "A1")): 11}
    # A file that still says "open" does not reopen what was completed since it was written.
    assert import_plans(app, [small_plan(lifecycle="open")], actor="again").events_recorded == 0


def test_a_reimport_changes_contacts_adds_only_new_history_and_takes_the_lifecycle_the_file_gives(services):
    from domain.ids import action_id, person_id, plan_id
    from domain.plan_document import ActionSpec, DatedText, Evidence, PersonSpec, SubActionSpec

    app = services.app
    import_plans(app, [small_plan(lifecycle="open", due_date=None, original_due_date=date(2015, 3, 31))], actor="clerk")
    first = small_plan()
    new_note = DatedText("Step two", "AO", date(2015, 3, 1))
    later = replace(
        first,
        created_on=None,
        committees=[*first.committees, replace(first.committees[0], committee="Scrutiny", report_deadline=None)],
        people=[replace(first.people[0], email="ann@council.example", role="Chair"), PersonSpec("Sue Sponsor")],
        actions=[
            replace(
                first.actions[0],
                lifecycle="cancelled",
                # What it held already, spaced otherwise or left out, changes nothing.
                owners=[],
                priority=" high",
                notes=[DatedText("Later ", "AO", date(2015, 2, 20)), DatedText("Later", "AO", date(2015, 2, 21))],
                evidence=[Evidence(" Minutes")],
                sub_actions=[SubActionSpec("Step ", [first.actions[0].sub_actions[0].notes[0], new_note])],
            ),
            ActionSpec("A2", "Second", "", [], None, None, None, lifecycle="on_hold", source="A2"),
            ActionSpec("A3", "Third", "", [], None, None, None, source="A3"),
        ],
    )
    summary = import_plans(app, [later], actor="again")
    assert summary.as_dict() == {"plans_created": 0, "people_registered": 0, "actions_created": 2, "events_recorded": 9}
    # Another committee meeting the same day is scheduled; the plan was created with the first import.
    assert stream(app, plan_id("T 1"))[4:] == [
        ("CommitteeDateScheduled", date(2015, 3, 25), "again", {"meets_on": date(2015, 3, 4), "committee": "Scrutiny"})
    ]
    assert stream(app, person_id("Ann Owner"))[1:] == [
        (
            "PersonContactChanged",
            date(2015, 3, 25),
            "again",
            {"reason": "imported", "email": "ann@council.example", "manager": "Sue Sponsor", "role": "Chair"},
        )
    ]
    assert stream(app, person_id("Sue Sponsor"))[1:] == []  # a bare name only makes sure the person exists
    # A1 now gains only the revision it lacked, its note's text on a new day, the new note on the
    # existing sub-action, and its cancellation.
    assert stream(app, action_id("T 1", "A1"))[9:] == [
        ("DueDateRevised", date(2015, 1, 10), "again", {"reason": "due date revised before import", "due_date": date(2015, 4, 30)}),
        ("NoteAdded", date(2015, 2, 21), "again", {"text": "Later", "author": "AO"}),
        ("SubActionNoteAdded", date(2015, 3, 1), "again", {"number": 1, "text": "Step two", "author": "AO"}),
        ("ActionCancelled", date(2015, 3, 1), "again", {"reason": "imported as cancelled"}),
    ]
    # A2 has no dated facts: added and put on hold on the day of the import.
    assert [(t, on, who, why.get("reason")) for t, on, who, why in stream(app, action_id("T 1", "A2"))] == [
        ("ActionAdded", date(2015, 3, 25), "again", None),
        ("ActionPutOnHold", date(2015, 3, 25), "again", "imported"),
    ]


def test_every_broken_rule_in_a_batch_is_reported_by_its_place_and_nothing_is_saved(services):
    from domain.plan_document import ActionSpec, PersonSpec, PrioritySpec

    plan = small_plan()
    bad = replace(
        plan,
        people=[*plan.people, PersonSpec("Cy Clerk", manager="Nobody Known", source="t.json: people[2]")],
        actions=[
            *plan.actions,
            replace(plan.actions[0], code="a1", source="t.json: actions[1] (a1)"),
            ActionSpec("A3", "Third", "", [], None, None, 9, source="t.json: actions[2] (A3)"),
        ],
    )
    no_priority_0 = replace(plan, code="T 3", priorities=[PrioritySpec(0, "Zero", "", "v.json: priorities[0]")], people=[], actions=[])
    with pytest.raises(InvalidImportError) as refused:
        import_plans(services.app, [bad, no_priority_0], actor="clerk")
    problems = refused.value.problems
    assert [p.split(": ")[:3] for p in problems] == [
        ["t.json", "people[2]", "manager"],
        ["t.json", "actions[1] (a1)", "code"],
        ["t.json", "actions[2] (A3)", "priority_area"],
        ["v.json", "priorities[0]", "priority number"],
    ]
    assert problems[1] == "t.json: actions[1] (a1): code: 'a1' appears twice in plan 'T 1'"
    assert problems[2] == "t.json: actions[2] (A3): priority_area: plan 'T 1' has no priority 9"
    assert stored_event_count(services.app) == 0


def test_a_plan_that_cannot_be_created_skips_its_actions_and_a_person_in_two_plans_of_a_batch_is_registered_once(services):
    from domain.ids import plan_id
    from domain.plan_document import CommitteeSpec, PersonSpec

    plan = small_plan()
    # T 2's warning days are out of range: its action (with an owner no one registered) is not
    # looked at, its people still are; T 1's committee breaks a rule of its own.
    other = replace(
        plan,
        code="T 2",
        warning_days=400,
        people=[PersonSpec("Sue Sponsor", source="u.json: people[0]")],
        actions=[replace(plan.actions[0], owners=["Nobody Known"], priority_number=None, source="u.json: actions[0] (A1)")],
        source="u.json",
    )
    late = CommitteeSpec(date(2015, 3, 4), "Cabinet", date(2015, 3, 5), "t.json: committees[0]")
    with pytest.raises(InvalidImportError) as refused:
        import_plans(services.app, [other, replace(plan, committees=[late])], actor="clerk")
    assert refused.value.problems == [
        "u.json: warning_days: must be a whole number of days from 0 to 365, got 400",
        "t.json: committees[0]: report_deadline: must be on or before the meeting date",
    ]
    assert stored_event_count(services.app) == 0
    summary = import_plans(services.app, [plan, replace(other, warning_days=3, actions=[], created_on=None)], actor="clerk")
    # Sue is in both plans' people: one registration; T 2 adds its plan, sign-off, priority and committee.
    assert summary.as_dict() == {"plans_created": 2, "people_registered": 2, "actions_created": 1, "events_recorded": 17 + 4}
    # T 2's file gives no creation date: it is created as of the day of the import.
    assert stream(services.app, plan_id("T 2"))[0][:2] == ("PlanCreated", date(2015, 3, 25))


def test_a_person_is_registered_under_their_name_with_its_spacing_tidied(services):
    from domain.ids import person_id

    plan = small_plan(owners=[])
    import_plans(services.app, [replace(plan, people=[replace(plan.people[0], name=" Ann  Owner "), plan.people[1]])], actor="clerk")
    assert [why["name"] for _, _, _, why in stream(services.app, person_id("Ann Owner"))] == ["Ann Owner"]


def test_on_one_day_every_new_sub_action_is_added_before_any_note_on_one(services):
    from domain.ids import action_id
    from domain.plan_document import DatedText, SubActionSpec

    day = date(2015, 1, 10)
    subs = [SubActionSpec("One", [DatedText("Begun", "AO", day)]), SubActionSpec("Two")]
    plan = small_plan(added_on=day, sub_actions=subs, notes=[], progress=[], evidence=[], success_measures=[], lifecycle="open")
    import_plans(services.app, [plan], actor="clerk")
    assert [(t, why.get("number")) for t, _, _, why in stream(services.app, action_id("T 1", "A1"))] == [
        ("ActionAdded", None),
        ("SubActionAdded", 1),
        ("SubActionAdded", 2),
        ("SubActionNoteAdded", 1),
        ("DueDateRevised", None),
    ]
