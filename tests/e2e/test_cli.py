"""The real ``plantrail`` command group, run in-process against a real SQLite file."""

import json
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES
from tests.e2e.conftest import as_json


def test_import_then_list_plans_and_actions_as_json(imported):
    plans = as_json(imported("plans", "--format", "json"))
    assert [(p["code"], p["title"]) for p in plans] == [
        ("SOS 001", "Children's Inspection Action Plan"),
        ("SS SAAP 2014", "Social Services Single Agency Inspection Action Plan"),
    ]
    actions = as_json(imported("actions", "sos 001", "--format", "json"))
    assert len(actions) == 50
    owned = as_json(imported("actions", "SOS 001", "--owner", "Michael Grassom", "--format", "json"))
    assert [a["code"] for a in owned] == ["SS_ICSAP_PLAN2", "SS_ICSAP_RESP4"]
    leadership = as_json(imported("actions", "SOS 001", "--priority", "4", "--format", "json"))
    assert {a["priority_area"]["name"] for a in leadership} == {"Leadership"} and len(leadership) == 5


def test_show_gives_the_action_as_printed_in_the_report(imported):
    action = as_json(imported("show", "SS_ICSAP_TRAN3", "--format", "json"))
    assert action["title"] == "Joint workshops"
    assert action["plan"] == "SOS 001"
    assert action["priority_area"] == {"number": 2, "name": "Children's Plans"}
    assert action["owners"] == ["Maureen Dryden", "Liam Purdie"]
    assert (action["due_date"], action["original_due_date"], action["progress"]) == ("2015-03-28", "2015-03-28", 66)
    assert action["lifecycle"] == "open"
    assert action["sub_actions"][0]["details"] == "Undertake joint workshops."
    assert action["sub_actions"][0]["notes"][0]["effective_on"] == "2015-02-18"
    assert action["notes"][0]["effective_on"] == "2015-03-05"
    assert set(action["notes"][0]) >= {"text", "author", "effective_on"}


def test_an_update_is_shown_at_once_and_kept_as_history(imported):
    shown = as_json(
        imported(
            "update",
            "SS_ICSAP_IMP1",
            "--progress",
            "85",
            "--note",
            "Trainers cascaded to front line",
            "--on",
            "2015-04-02",
            "--format",
            "json",
        )
    )
    assert shown["progress"] == 85
    assert shown["latest_note"] == {
        **shown["latest_note"],
        "text": "Trainers cascaded to front line",
        "author": "clerk",
        "effective_on": "2015-04-02",
    }
    noted = as_json(imported("note", "SOS 001/SS_ICSAP_IMP1", "Second note", "--by", "Liam Purdie", "--format", "json"))
    assert noted["latest_note"]["author"] == "Liam Purdie"


def test_redate_keeps_the_original_and_counts_the_slip(recording_directly):
    shown = as_json(
        recording_directly("redate", "SS_ICSAP_PAR1", "--due", "30-Jun-2015", "--reason", "consultation extended", "--format", "json")
    )
    assert (shown["due_date"], shown["original_due_date"], shown["due_date_revisions"]) == ("2015-06-30", "2015-03-31", 1)


def test_lifecycle_commands_and_their_rules(recording_directly):
    run = recording_directly
    run("cancel", "SS_ICSAP_COM1", expect=2)  # --reason is required
    cancelled = as_json(run("cancel", "SS_ICSAP_COM1", "--reason", "folded into ICSP", "--format", "json"))
    assert (cancelled["lifecycle"], cancelled["status"]) == ("cancelled", "Cancelled")
    refused = run("update", "SS_ICSAP_COM1", "--progress", "10", expect=1)
    assert "cancelled" in refused.stderr and refused.stdout == ""
    reopened = as_json(run("reopen", "SS_ICSAP_COM1", "--format", "json"))
    assert reopened["lifecycle"] == "open"
    completed = as_json(run("complete", "SS_ICSAP_COM1", "--evidence", "ICSP signed", "--format", "json"))
    assert (completed["lifecycle"], completed["progress"]) == ("completed", 100)
    held = as_json(run("hold", "SS_ICSAP_PAR1", "--reason", "awaiting ICSP sign-off", "--format", "json"))
    assert held["lifecycle"] == "on_hold"


def test_reassign_needs_registered_people(imported):
    refused = imported("reassign", "SS_ICSAP_PAR1", "--owner", "Someone New", "--reason", "restructure", expect=1)
    assert "Someone New" in refused.stderr
    moved = as_json(
        imported(
            "reassign", "SS_ICSAP_PAR1", "--owner", "Liam Purdie", "--owner", "Pat Preece", "--reason", "restructure", "--format", "json"
        )
    )
    assert moved["owners"] == ["Liam Purdie", "Pat Preece"]


@pytest.mark.parametrize(
    ("args", "expect", "message"),
    [
        (["update", "SS_ICSAP_IMP1", "--progress", "150"], 2, "--progress"),
        (["update", "SS_ICSAP_IMP1", "--progress", "abc"], 2, "--progress"),
        (["update", "SS_ICSAP_IMP1", "--progress", "5", "--on", "31-Feb-2015"], 2, "31-Feb-2015"),
        (["show", "NO_SUCH_CODE"], 1, "not found"),
        (["actions", "NO PLAN"], 1, "not found"),
        (["note", "SS_ICSAP_IMP1", "bell\x07"], 2, "control character"),
    ],
)
def test_errors_are_one_clear_line_on_stderr_with_the_right_exit_code(imported, args, expect, message):
    result = imported(*args, expect=expect)
    assert message in result.stderr
    assert result.stdout == ""


def test_people_and_rebuild_give_the_same_state(imported):
    people = as_json(imported("people", "--format", "json"))
    assert {
        "name": "Liam Purdie",
        "initials": "LP",
        "email": "liam.purdie@example.org",
        "role": "Assistant Head of Social Services",
        "manager": "Val DeSouza",
        "actions": 25,
        "permissions": "",
    } in people
    before = imported("actions", "SOS 001", "--format", "json").stdout
    imported("rebuild")
    assert imported("actions", "SOS 001", "--format", "json").stdout == before


def test_a_bad_import_exits_2_names_the_place_and_writes_nothing(run, tmp_path: Path):
    bad = json.loads((EXAMPLES / "sos-001.plan.json").read_text())
    bad["actions"][2]["due_date"] = "2015-02-31"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    result = run("import", str(path), expect=2)
    assert "bad.json: actions[2].due_date" in result.stderr
    assert as_json(run("plans", "--format", "json")) == []


def test_csv_action_list_import(run, tmp_path: Path):
    path = tmp_path / "actions.csv"
    path.write_text(
        "Code & Title,Description,Covalent Owner,Due Date,Progress,Priority Area,Priority\n"
        "HR1 Recruit,Recruit two social workers,Ann Manager,30-Apr-2015,20%,Workforce,High\n"
    )
    refused = run("import", str(path), "--plan", "WF 1", expect=2)
    assert "plan: 'WF 1' does not exist; to start a new plan from this sheet add --create-plan" in refused.stderr
    refused = run("import", str(path), "--plan", "WF 1", "--create-plan", expect=2)
    assert "Ann Manager" in refused.stderr and "row 2" in refused.stderr
    done = run(
        "import", str(path), "--plan", "WF 1", "--create-plan", "--plan-title", "Workforce plan", "--register-owners", "--on", "2015-03-01"
    )
    assert "registered without an email, so reminders cannot reach them yet: Ann Manager" in done.stderr
    action = as_json(run("show", "HR1", "--format", "json"))
    assert (action["plan"], action["owners"], action["progress"], action["priority_area"]["name"]) == (
        "WF 1",
        ["Ann Manager"],
        20,
        "Workforce",
    )


def test_grant_and_revoke_a_role_are_events_in_the_history(imported):
    imported("grant", "Liam Purdie", "clerk", "--plan", "SOS 001", "--reason", "covers the committee cycle", "--by", "Ada Admin")
    imported("grant", "Liam Purdie", "clerk", "--plan", "SOS 001", "--reason", "again", expect=1)
    imported("revoke", "Liam Purdie", "clerk", "--plan", "SOS 001", "--reason", "cover ended", "--by", "Ada Admin")
    imported("grant", "Liam Purdie", "admin", "--plan", "SOS 001", "--reason", "x", expect=2)
    trail = as_json(imported("history", "SOS 001", "--type", "RoleGranted", "--format", "json"))
    assert [(e["subject"], e["actor"], e["reason"], e["changes"]["role"]) for e in trail] == [
        ("Liam Purdie", "Ada Admin", "covers the committee cycle", [None, "clerk of SOS 001"])
    ]


def test_a_write_prints_what_changed_and_the_new_status_and_verbose_prints_the_action(recording_directly):
    imported = recording_directly
    line = imported("update", "SS_ICSAP_IMP1", "--progress", "85", "--note", "Cascade done", "--on", "2015-03-24").stdout
    assert line.strip() == "SOS 001/SS_ICSAP_IMP1: progress 70% → 85%, note added; status OK as at 2015-03-24."
    redated = imported("redate", "SS_ICSAP_PAR1", "--due", "2015-06-30", "--reason", "slip", "--on", "2015-03-25").stdout
    assert redated.strip() == "SOS 001/SS_ICSAP_PAR1: due 2015-03-31 → 2015-06-30; status OK as at 2015-03-25."
    full = imported("note", "SS_ICSAP_IMP1", "Another", "--verbose").stdout
    assert "Priority area" in full and "Another" in full


def test_remind_dry_run_says_would_raise_and_raises_nothing(imported):
    dry = imported("remind", "--as-at", "2015-03-17", "--dry-run").stdout
    assert "Would raise" in dry and "would raise" in dry and "Raised now" not in dry
    assert imported("history", "--type", "ReminderRaised", "--format", "json").stdout.strip() == "[]"


def test_revoking_the_only_admin_is_refused_and_names_the_role(imported):
    imported("grant", "Liam Purdie", "admin", "--reason", "runs plantrail", "--by", "Ada Admin")
    refused = imported("revoke", "Liam Purdie", "admin", "--reason", "tidying up", "--by", "Liam Purdie", expect=1)
    assert refused.stderr.strip().splitlines()[0] == (
        "plantrail: error: role: Liam Purdie is the only admin; grant admin to someone else first, or nobody could manage people and roles"
    )
