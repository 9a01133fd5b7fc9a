"""A plan file read into its document field by field, every bad date reported by its path, and
skipped actions left unvalidated: the JSON importer's reading, beside tests/unit/test_importers.py."""

import copy
import json
from datetime import date
from pathlib import Path

import pytest

from plantrail.importers import ImportFileError
from plantrail.importers.json_plan import plan_from_data, read_plan_file
from tests.unit.test_importers import MINIMAL, with_action


def test_a_plan_file_names_itself_in_problems_can_skip_actions_and_reads_evidence_with_or_without_a_date(tmp_path: Path):
    from domain.plan_document import Evidence

    data = with_action(evidence=["Minutes of 3 March", {"text": "Audit report", "on": "31/03/2015"}])
    data["actions"].append({"code": "A2", "title": "Second", "due_date": "not a date"})
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ImportFileError) as refused:
        read_plan_file(path)
    assert refused.value.problems[0].startswith(f"{path}: actions[1].due_date: 'not a date' ")
    # Skipping the second action (known unchanged) leaves it unread, bad date and all.
    document = read_plan_file(path, skip=lambda raw: {i for i, a in enumerate(raw["actions"]) if a["code"] == "A2"})
    assert [a.code for a in document.actions] == ["A1"]
    assert document.actions[0].evidence == [Evidence("Minutes of 3 March"), Evidence("Audit report", date(2015, 3, 31))]
    with pytest.raises(ImportFileError) as refused:
        read_plan_file(tmp_path)  # a folder
    assert refused.value.problems == [f"{tmp_path}: cannot read: Is a directory"]


def test_every_field_of_a_plan_file_is_read_into_the_document_each_part_naming_its_place():
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

    note = {"text": "Met", "author": "AO", "on": "2 Feb 2015"}
    data = {
        "format": "plantrail-plan/1",
        "plan": {
            "code": "T 1",
            "title": "Test plan",
            "description": "Why",
            "timezone": "Europe/Dublin",
            "warning_days": 7,
            "sponsor": "Sue Sponsor",
            "created_on": "01/01/2015",
            "sign_off": "changes",
            "sign_off_days": 3,
            "notify_rejection": "immediate",
        },
        "priorities": [{"number": 2, "name": "Homes", "description": "Build"}, {"number": 5, "name": "Roads"}],
        "committees": [
            {"committee": "Cabinet", "meets_on": "2015-03-04", "report_deadline": "2015-02-25"},
            {"committee": "Scrutiny", "meets_on": "2015-06-01"},
        ],
        "people": [
            {"name": "Ann Owner", "initials": "AO", "email": "ann@example.org", "role": "Clerk", "manager": "Sue Sponsor"},
            {"name": "Sue Sponsor"},
        ],
        "actions": [
            {
                "code": "A1",
                "title": "First",
                "description": "Do it",
                "owners": ["Ann Owner", "Sue Sponsor"],
                "due_date": "2015-04-30",
                "original_due_date": "2015-03-31",
                "priority": "high",
                "priority_area": 2,
                "lifecycle": "on_hold",
                "added_on": "2015-01-05",
                "progress": [{"value": 10, "on": "2015-01-10"}, {"value": 40, "on": "2015-02-10"}],
                "notes": [note],
                "sub_actions": [{"details": "Step", "notes": [note]}, {"details": "Bare"}],
                "success_measures": ["Fewer complaints"],
                "evidence": ["Minutes", {"text": "Audit", "on": "2015-03-01"}, {"text": "Letter"}],
            },
            {"code": "A2", "title": "Second"},
        ],
    }
    first = "t.json: actions[0]"
    expected = PlanDocument(
        code="T 1",
        title="Test plan",
        description="Why",
        timezone="Europe/Dublin",
        warning_days=7,
        sponsor="Sue Sponsor",
        created_on=date(2015, 1, 1),
        sign_off="changes",
        sign_off_days=3,
        notify_rejection="immediate",
        priorities=[PrioritySpec(2, "Homes", "Build", "t.json: priorities[0]"), PrioritySpec(5, "Roads", "", "t.json: priorities[1]")],
        committees=[
            CommitteeSpec(date(2015, 3, 4), "Cabinet", date(2015, 2, 25), "t.json: committees[0]"),
            CommitteeSpec(date(2015, 6, 1), "Scrutiny", None, "t.json: committees[1]"),
        ],
        people=[
            PersonSpec("Ann Owner", "AO", "ann@example.org", "Clerk", "Sue Sponsor", "t.json: people[0]"),
            PersonSpec("Sue Sponsor", None, None, None, None, "t.json: people[1]"),
        ],
        actions=[
            ActionSpec(
                code="A1",
                title="First",
                description="Do it",
                owners=["Ann Owner", "Sue Sponsor"],
                due_date=date(2015, 4, 30),
                priority="High",
                priority_number=2,
                added_on=date(2015, 1, 5),
                original_due_date=date(2015, 3, 31),
                lifecycle="on_hold",
                progress=[
                    ProgressFigure(10, date(2015, 1, 10), f"{first}.progress[0]"),
                    ProgressFigure(40, date(2015, 2, 10), f"{first}.progress[1]"),
                ],
                notes=[DatedText("Met", "AO", date(2015, 2, 2), f"{first}.notes[0]")],
                sub_actions=[
                    SubActionSpec(
                        "Step", [DatedText("Met", "AO", date(2015, 2, 2), f"{first}.sub_actions[0].notes[0]")], f"{first}.sub_actions[0]"
                    ),
                    SubActionSpec("Bare", [], f"{first}.sub_actions[1]"),
                ],
                success_measures=["Fewer complaints"],
                evidence=[Evidence("Minutes"), Evidence("Audit", date(2015, 3, 1)), Evidence("Letter", None)],
                source=f"{first} (A1)",
            ),
            # Everything left out takes the plan format's defaults.
            ActionSpec("A2", "Second", "", [], None, None, None, lifecycle="open", source="t.json: actions[1] (A2)"),
        ],
        source="t.json",
    )
    assert plan_from_data(data, "t.json") == expected
    bare = plan_from_data({"format": "plantrail-plan/1", "plan": {"code": "T 2", "title": "Bare"}, "actions": []}, "b.json")
    assert bare == PlanDocument(code="T 2", title="Bare", description="", timezone="Europe/London", warning_days=14, source="b.json")
    assert (bare.sponsor, bare.created_on, bare.sign_off, bare.sign_off_days, bare.notify_rejection) == (None, None, None, None, None)


def test_every_bad_date_in_a_plan_file_is_reported_by_its_path_and_a_bad_priority_beside_them():
    bad = "2015-02-30"
    note = {"text": "Met", "author": "AO", "on": bad}
    data = {
        "format": "plantrail-plan/1",
        "plan": {"code": "T 1", "title": "Test plan", "created_on": bad},
        "committees": [{"committee": "Cabinet", "meets_on": bad, "report_deadline": bad}],
        "actions": [
            {
                "code": "A1",
                "title": "First",
                "due_date": bad,
                "original_due_date": bad,
                "priority": "urgent",
                "added_on": bad,
                "progress": [{"value": 10, "on": bad}],
                "notes": [note],
                "sub_actions": [{"details": "Step", "notes": [note]}],
                "evidence": [{"text": "Audit", "on": bad}],
            }
        ],
    }
    with pytest.raises(ImportFileError) as refused:
        plan_from_data(data, "t.json")
    wrong = "'2015-02-30' is not a real date (write 31-Mar-2015, 31/03/2015 or 2015-03-31)"
    where = [p.split(": ")[1] for p in refused.value.problems]
    assert where == [
        "plan.created_on",
        "committees[0].meets_on",
        "committees[0].report_deadline",
        "actions[0].due_date",
        "actions[0].original_due_date",
        "actions[0].priority",
        "actions[0].added_on",
        "actions[0].progress[0].on",
        "actions[0].notes[0].on",
        "actions[0].sub_actions[0].notes[0].on",
        "actions[0].evidence[0].on",
    ]
    assert [p for i, p in enumerate(refused.value.problems) if i != 5] == [f"t.json: {w}: {wrong}" for w in where if "priority" not in w]
    assert refused.value.problems[5] == "t.json: actions[0].priority: priority: must be one of High, Medium, Low, got 'urgent'"


def test_skipped_actions_are_not_validated_unless_another_is_refused_and_problems_name_actions_by_their_place_in_the_file(monkeypatch):
    from plantrail.importers import json_plan

    data = copy.deepcopy(MINIMAL)
    data["actions"] = [{"code": "A0", "title": ""}, {"code": "A1", "title": "One"}, {"code": "A2", "title": "Two"}]
    # The validator is built on first use; start without it, as a fresh process does.
    monkeypatch.setattr(json_plan, "_validator", None)
    assert [a.code for a in plan_from_data(data, "t.json", skip={0}).actions] == ["A1", "A2"]
    assert json_plan._validator is not None
    # Once one read action is refused the whole file is checked again, so that each problem names
    # its action's own place in the file (skipped ones too: the file is wrong either way).
    data["actions"][2]["title"] = ""
    with pytest.raises(ImportFileError) as refused:
        plan_from_data(data, "t.json", skip={0})
    assert refused.value.problems == ["t.json: actions[0].title: must not be empty", "t.json: actions[2].title: must not be empty"]
