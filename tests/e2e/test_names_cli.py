"""One rule for names: a person typed in another case or spacing is the registered person,
stored under the registered spelling; a name that matches nobody is refused with suggestions."""

import json
from pathlib import Path

from tests.cli_runner import invoke
from tests.conftest import EXAMPLES
from tests.e2e.conftest import as_json


def test_reassign_to_a_name_in_another_case_stores_the_registered_spelling_and_remind_still_runs(tmp_path: Path):
    env = {
        "PLANTRAIL_DATABASE_URL": str(tmp_path / "names.db"),
        "PLANTRAIL_USER": "clerk",
        "PLANTRAIL_MAIL_TRANSPORT": "file",
        "PLANTRAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    invoke(env, "import", str(EXAMPLES))
    moved = as_json(
        invoke(
            env,
            "reassign",
            "SS_ICSAP_PLAN2",
            "--owner",
            " david\u00a0 LENG ",
            "--reason",
            "restructure",
            "--on",
            "2015-03-26",
            "--format",
            "json",
        )
    )
    assert moved["owners"] == ["David Leng"]
    trail = as_json(invoke(env, "history", "SS_ICSAP_PLAN2", "--type", "OwnersChanged", "--format", "json"))
    assert trail[-1]["changes"]["owners"][1] == ["David Leng"]
    # The owner resolves to a person with an email, so the sweep can address the reminder.
    swept = as_json(invoke(env, "remind", "--as-at", "2015-03-30", "--format", "json"))
    reminded = [d for d in swept["due"] if d["action_code"] == "SS_ICSAP_PLAN2"]
    assert reminded and {"name": "David Leng", "role": "owner"} in reminded[0]["recipients"]


def test_an_unknown_owner_is_refused_with_the_closest_registered_names(imported):
    refused = imported("reassign", "SS_ICSAP_PAR1", "--owner", "Davd Leng", "--reason", "restructure", expect=1)
    assert refused.stderr.strip().endswith(
        "'Davd Leng' is not a registered person; did you mean 'David Leng'? (see `plantrail people`)"
    )  # the command line names where to look; the same refusal in the browser does not
    assert imported("history", "SS_ICSAP_PAR1", "--type", "OwnersChanged", "--format", "json").stdout.strip() == "[]"


def test_by_in_another_case_records_the_registered_spelling_and_a_misspelt_one_is_refused(imported):
    noted = as_json(imported("note", "SS_ICSAP_IMP1", "Cascade booked", "--by", "liam  purdie", "--format", "json"))
    assert noted["latest_note"]["author"] == "Liam Purdie"
    refused = imported("note", "SS_ICSAP_IMP1", "Cascade booked", "--by", "Liam Purdy", expect=1)
    assert "did you mean 'Liam Purdie'?" in refused.stderr
    # A name like no registered person (a clerk's login, a system account) is kept as typed.
    kept = as_json(imported("note", "SS_ICSAP_IMP1", "Checked", "--by", "  records  office ", "--format", "json"))
    assert kept["latest_note"]["author"] == "records office"


def test_owner_and_actor_filters_match_names_in_any_case(imported):
    exact = as_json(imported("actions", "SOS 001", "--owner", "Michael Grassom", "--format", "json"))
    folded = as_json(imported("actions", "SOS 001", "--owner", "MICHAEL\u00a0grassom", "--format", "json"))
    assert [a["code"] for a in folded] == [a["code"] for a in exact] == ["SS_ICSAP_PLAN2", "SS_ICSAP_RESP4"]
    refused = imported("actions", "SOS 001", "--owner", "Michael Grasom", expect=1)
    assert "did you mean 'Michael Grassom'?" in refused.stderr
    imported("note", "SS_ICSAP_IMP1", "Cascade booked", "--by", "David Leng")
    by_actor = as_json(imported("history", "--actor", "david leng", "--format", "json"))
    assert [(e["type"], e["actor"]) for e in by_actor] == [("NoteAdded", "David Leng")]
    unknown = imported("history", "--actor", "David Leng Jr", expect=1)
    assert "did you mean 'David Leng'?" in unknown.stderr


def test_a_csv_import_stores_owners_under_their_registered_spelling(imported, tmp_path: Path):
    path = tmp_path / "more.csv"
    path.write_text(
        "Code & Title,Covalent Owner,Due Date\nNEW1 Recruit,liam purdie;  PAT\u00a0preece ,30-Apr-2015\n",
        encoding="utf-8",
    )
    imported("import", str(path), "--plan", "SOS 001")
    action = as_json(imported("show", "NEW1", "--format", "json"))
    assert action["owners"] == ["Liam Purdie", "Pat Preece"]
    people = {p["name"]: p for p in as_json(imported("people", "--format", "json"))}
    assert len(people) == 16 and people["Liam Purdie"]["email"] == "liam.purdie@example.org"


def test_a_plan_file_naming_an_unknown_manager_is_refused_with_suggestions(run, tmp_path: Path):
    plan = json.loads((EXAMPLES / "sos-001.plan.json").read_text())
    plan["people"][1]["manager"] = "Val De Souza"
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    plan["people"][1]["manager"] = "VAL desouza"
    refused = run("import", str(path), expect=2)
    assert "people[1]: manager: 'Val De Souza' is not a registered person; did you mean 'Val DeSouza'?" in refused.stderr
    path.write_text(json.dumps(plan))
    run("import", str(path))
    people = {p["name"]: p for p in as_json(run("people", "--format", "json"))}
    assert people[plan["people"][1]["name"]]["manager"] == "Val DeSouza"


def test_a_mistyped_plan_code_is_refused_with_the_closest_plan_codes(imported):
    refused = imported("actions", "SOS 01", expect=1)
    assert refused.stderr.strip() == "plantrail: error: plan 'SOS 01' not found; did you mean 'SOS 001'? (see `plantrail plans`)"
    unlike = imported("actions", "zzz", expect=1)
    assert unlike.stderr.strip() == "plantrail: error: plan 'zzz' not found (see `plantrail plans`)"
