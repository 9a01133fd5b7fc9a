"""A completion needs its evidence, through the real CLI as through the web (the rule is in
``PlanTrail.handle``); an import keeps a file's completions, with or without evidence, as they are."""

import json
from pathlib import Path

from tests.e2e.conftest import as_json


def test_complete_without_evidence_exits_2_naming_the_field_and_writes_nothing(imported):
    before = len(as_json(imported("history", "--format", "json")))
    for blank in ([], ["--evidence", "  "]):
        refused = imported("complete", "SS_ICSAP_ICSP1", "--by", "Liam Purdie", *blank, expect=2)
        assert refused.stderr.startswith("plantrail: error: evidence: say what shows the action is done"), refused.stderr
    assert len(as_json(imported("history", "--format", "json"))) == before
    claimed = as_json(
        imported("complete", "SS_ICSAP_ICSP1", "--by", "Liam Purdie", "--evidence", "Signed ICSP on file", "--format", "json")
    )
    assert (claimed["recorded_as"], claimed["claim"]["evidence"]) == ("submitted", "Signed ICSP on file")


def test_an_imported_completed_action_without_evidence_still_imports_and_a_full_row_stays_a_figure(run, tmp_path: Path):
    document = {
        "format": "plantrail-plan/1",
        "plan": {"code": "T 1", "title": "Test plan", "created_on": "2015-01-05"},
        "priorities": [{"number": 1, "name": "Only"}],
        "people": [{"name": "Ann Owner"}],
        "actions": [
            {"code": "A1", "title": "Done before", "owners": ["Ann Owner"], "due_date": "2015-03-31", "lifecycle": "completed"},
            {"code": "A2", "title": "Open", "owners": ["Ann Owner"], "due_date": "2015-06-30"},
        ],
    }
    plan_file = tmp_path / "t1.plan.json"
    plan_file.write_text(json.dumps(document), encoding="utf-8")
    run("import", str(plan_file))
    done = as_json(run("show", "T 1/A1", "--format", "json"))
    assert (done["lifecycle"], done["progress"], done["evidence"]) == ("completed", 100, [])
    sheet = tmp_path / "t1.csv"
    sheet.write_text("Code,Title,Owner,Due Date,Progress\nA2,Open,Ann Owner,30/06/2015,100%\n", encoding="utf-8")
    run("import", str(sheet), "--plan", "T 1", "--on", "2015-03-20")
    full = as_json(run("show", "T 1/A2", "--format", "json"))
    assert (full["lifecycle"], full["progress"], full["status"], full["evidence"]) == ("open", 100, "Complete", [])
    run("import", str(plan_file))  # the same file again: still nothing to refuse, nothing added
    assert as_json(run("show", "T 1/A1", "--format", "json"))["evidence"] == []
