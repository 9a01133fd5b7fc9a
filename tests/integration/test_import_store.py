import json
from collections import Counter
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
