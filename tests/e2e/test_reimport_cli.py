"""Re-importing a plan file whose data changed, through the real CLI: a person's manager, an
action's title and due date, an action now completed and one now on hold. Each change becomes one
event by whoever imports, the rest of the file adds nothing, and a third import adds nothing at all.
Expected values come from the edits made here, not from the product."""

import json
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES
from tests.e2e.conftest import as_json

CHANGED_MANAGERS = {"Liam Purdie": "David Leng", "Christine Sutton": "Val DeSouza"}


@pytest.fixture
def changed(tmp_path: Path) -> tuple[Path, dict]:
    data = json.loads((EXAMPLES / "sos-001.plan.json").read_text(encoding="utf-8"))
    people = {p["name"]: p for p in data["people"]}
    for name, manager in CHANGED_MANAGERS.items():
        people[name]["manager"] = manager
    first, second, third = data["actions"][0], data["actions"][1], data["actions"][2]
    edits = {
        "retitled": (first["code"], first["title"] + " for all agencies", first["due_date"], "2015-09-30"),
        "completed": second["code"],
        "held": third["code"],
    }
    first["title"] = edits["retitled"][1]
    first["due_date"] = edits["retitled"][3]
    second["lifecycle"] = "completed"
    third["lifecycle"] = "on_hold"
    folder = tmp_path / "changed"
    folder.mkdir()
    (folder / "sos-001.plan.json").write_text(json.dumps(data), encoding="utf-8")
    return folder, edits


def events_by(run, actor: str) -> list[dict]:
    return as_json(run("history", "--actor", actor, "--format", "json"))


def test_a_reimported_file_records_each_change_once_and_nothing_else(imported, changed):
    folder, edits = changed
    before = {a["code"]: a for a in as_json(imported("actions", "SOS 001", "--format", "json"))}

    imported("import", str(folder), "--by", "Covalent import")

    people = {p["name"]: p for p in as_json(imported("people", "--format", "json"))}
    assert {name: people[name]["manager"] for name in CHANGED_MANAGERS} == CHANGED_MANAGERS

    code, title, original_due, new_due = edits["retitled"]
    retitled = as_json(imported("show", code, "--format", "json"))
    assert (retitled["title"], retitled["due_date"], retitled["original_due_date"], retitled["due_date_revisions"]) == (
        title,
        new_due,
        original_due,
        before[code]["due_date_revisions"] + 1,
    )
    completed = as_json(imported("show", edits["completed"], "--format", "json"))
    assert (before[edits["completed"]]["lifecycle"], completed["lifecycle"], completed["progress"]) == ("open", "completed", 100)
    assert completed["status"] == "Complete"
    held = as_json(imported("show", edits["held"], "--format", "json"))
    assert (before[edits["held"]]["lifecycle"], held["lifecycle"]) == ("open", "on_hold")
    assert held["progress"] == before[edits["held"]]["progress"]

    new = events_by(imported, "Covalent import")
    assert sorted((e["subject"] if e["aggregate"] == "person" else e["action"], e["type"], e["reason"]) for e in new) == sorted(
        [
            ("Christine Sutton", "PersonContactChanged", "imported"),
            ("Liam Purdie", "PersonContactChanged", "imported"),
            (code, "DescriptionRevised", "imported"),
            (code, "DueDateRevised", "due date revised before import"),
            (edits["completed"], "ActionCompleted", "imported"),
            (edits["held"], "ActionPutOnHold", "imported"),
        ]
    )
    manager_changes = {e["subject"]: e["changes"]["manager"] for e in new if e["aggregate"] == "person"}
    assert manager_changes == {"Liam Purdie": ["Val DeSouza", "David Leng"], "Christine Sutton": [None, "Val DeSouza"]}

    everything = as_json(imported("history", "--format", "json"))
    imported("import", str(folder), "--by", "Covalent import")
    assert as_json(imported("history", "--format", "json")) == everything
