"""Sign-off through the real CLI: claims say so, `pending`, `approve`, `reject`, `sign-off`, and
refusals that write nothing. Liam Purdie (an owner of SS_ICSAP_ICSP1) is managed by Val DeSouza
in the seed plan; the plan has no sign-off setting, so the default (`completion`) applies."""

import csv
import io
import json

from tests.e2e.conftest import as_json
from tests.text_tables import table_rows

ICSP1 = "SS_ICSAP_ICSP1"


def event_count(run) -> int:
    return len(as_json(run("history", "--format", "json")))


def test_complete_is_submitted_and_says_whom_it_awaits(imported):
    said = imported("complete", ICSP1, "--by", "Liam Purdie", "--on", "2015-03-25", "--evidence", "Signed ICSP on file")
    first_line = said.stdout.splitlines()[0]
    assert first_line.startswith("Submitted for sign-off: complete, effective 2015-03-25.")
    assert "Awaits Val DeSouza (manager) or a clerk of SOS 001" in said.stdout
    shown = as_json(imported("show", ICSP1, "--format", "json"))
    assert (shown["lifecycle"], shown["progress"]) == ("open", 80)
    [claim] = shown["awaiting_sign_off"]
    assert (claim["proposed"], claim["claimant"], claim["evidence"], claim["effective_on"]) == (
        "complete",
        "Liam Purdie",
        "Signed ICSP on file",
        "2015-03-25",
    )
    moved = csv.DictReader(
        io.StringIO(imported("changes", "SOS 001", "--from", "2015-03-06", "--to", "2015-03-31", "--format", "csv").stdout.lstrip("\ufeff"))
    )
    [row] = [r for r in moved if r["code"] == ICSP1]
    assert row["awaiting_sign_off"].startswith("claims complete (Liam Purdie, effective 2015-03-25): awaiting sign-off by Val DeSouza")
    approved_figure = as_json(imported("show", "SS_ICSAP_PAR1", "--format", "json"))["progress"]
    hundred = as_json(imported("update", "SS_ICSAP_PAR1", "--progress", "100", "--by", "Liam Purdie", "--format", "json"))
    assert (hundred["recorded_as"], hundred["claim"]["proposed"], hundred["progress"]) == ("submitted", "progress 100%", approved_figure)
    other = as_json(imported("update", "SS_ICSAP_PAR1", "--progress", "60", "--by", "Liam Purdie", "--format", "json"))
    assert (other["recorded_as"], other["progress"]) == ("recorded", 60)  # under `completion` other figures do not wait


def test_pending_then_approve_and_the_history_shows_both_actors(imported):
    imported("complete", ICSP1, "--by", "Liam Purdie", "--on", "2015-03-25", "--evidence", "Signed ICSP on file")
    waiting = as_json(imported("pending", "SOS 001", "--format", "json"))
    assert [(c["action"], c["claimant"], c["awaiting"], c["deciders"], c["waiting_days"]) for c in waiting] == [
        (
            ICSP1,
            "Liam Purdie",
            "Val DeSouza (manager) or a clerk of SOS 001",
            "Awaiting sign-off by Val DeSouza (Liam Purdie's manager).",
            0,
        )
    ]
    assert as_json(imported("pending", "--for", "Val DeSouza", "--format", "json")) == waiting
    assert as_json(imported("pending", "--for", "Liam Purdie", "--format", "json")) == []
    shown = table_rows(imported("pending").stdout)
    assert [(r["Action"], r["Claimed by"], r["Who decides"], r["Days"]) for r in shown] == [
        (f"SOS 001/{ICSP1}", "Liam Purdie", "Awaiting sign-off by Val DeSouza (Liam Purdie's manager).", "0")
    ]

    approved = as_json(imported("approve", ICSP1, "--by", "Val DeSouza", "--comment", "ICSP seen", "--format", "json"))
    assert (approved["recorded_as"], approved["lifecycle"], approved["progress"], approved["awaiting_sign_off"]) == (
        "approved",
        "completed",
        100,
        [],
    )
    assert as_json(imported("show", ICSP1, "--as-at", "2015-03-25", "--format", "json"))["status"] == "Complete"
    trail = as_json(imported("history", ICSP1, "--format", "json"))[-4:]
    assert [(e["type"], e["actor"], e["effective_on"]) for e in trail] == [
        ("ChangeSubmitted", "Liam Purdie", "2015-03-25"),
        ("ChangeApproved", "Val DeSouza", "2015-03-25"),
        ("ActionCompleted", "Liam Purdie", "2015-03-25"),
        ("EvidenceAdded", "Liam Purdie", "2015-03-25"),
    ]
    assert trail[1]["reason"] == "ICSP seen"
    assert as_json(imported("pending", "--format", "json")) == []


def test_reject_needs_a_reason_and_the_claim_stays_as_approved(imported):
    due = as_json(imported("show", ICSP1, "--format", "json"))["due_date"]
    imported("redate", ICSP1, "--due", "2015-06-30", "--reason", "late returns", "--by", "Liam Purdie")
    rejected = as_json(imported("reject", ICSP1, "--by", "Val DeSouza", "--reason", "Chase the returns instead", "--format", "json"))
    assert (rejected["recorded_as"], rejected["due_date"], rejected["claim"]["proposed"]) == ("rejected", due, "due date 2015-06-30")
    assert due != "2015-06-30"
    [decision] = as_json(imported("history", ICSP1, "--type", "ChangeRejected", "--format", "json"))
    assert (decision["actor"], decision["reason"]) == ("Val DeSouza", "Chase the returns instead")


def test_refused_decisions_exit_1_or_2_with_a_clear_message_and_write_nothing(imported):
    before = event_count(imported)
    nothing = imported("approve", ICSP1, "--by", "Val DeSouza", expect=1)
    assert nothing.stderr.strip() == "plantrail: error: sign-off: SOS 001/SS_ICSAP_ICSP1 has no pending claim"
    imported("complete", ICSP1, "--by", "Liam Purdie", "--evidence", "Signed ICSP on file")
    claimed = event_count(imported)
    assert claimed == before + 1
    own = imported("approve", ICSP1, "--by", "Liam Purdie", expect=1)
    assert "Liam Purdie made this claim and cannot decide it" in own.stderr
    stranger = imported("approve", ICSP1, "--by", "Elaine Murray", expect=1)
    assert "Elaine Murray is not Liam Purdie's manager" in stranger.stderr
    # Who can, once, by name (the rule's "needs a manager or a clerk" is not said as well).
    assert "a clerk of SOS 001 or an admin. Awaiting sign-off by Val DeSouza (Liam Purdie's manager).\n" in stranger.stderr
    assert len(stranger.stderr.strip().splitlines()) == 1
    assert "--reason" in imported("reject", ICSP1, "--by", "Val DeSouza", expect=2).stderr
    assert "reason: a reason is required" in imported("reject", ICSP1, "--by", "Val DeSouza", "--reason", " ", expect=2).stderr
    assert "no pending due date claim" in imported("approve", ICSP1, "--by", "Val DeSouza", "--kind", "due_date", expect=1).stderr
    assert "'Nobody Known' is not a registered person" in imported("pending", "--for", "Nobody Known", expect=1).stderr
    assert event_count(imported) == claimed
    assert [c["action"] for c in as_json(imported("pending", "--format", "json"))] == [ICSP1]


def test_the_sign_off_setting_is_shown_and_changed_as_a_plan_event(imported):
    assert as_json(imported("sign-off", "SOS 001", "--format", "json")) == {
        "plan": "SOS 001",
        "sign_off": "completion",
        "sign_off_days": 7,
        "notify_rejection": "digest",
    }
    changed = as_json(imported("sign-off", "SOS 001", "--mode", "changes", "--days", "5", "--by", "Jane Menzies", "--format", "json"))
    assert (changed["changed"], changed["sign_off"], changed["sign_off_days"]) == (True, "changes", 5)
    assert "--mode" in imported("sign-off", "SOS 001", "--mode", "sometimes", expect=2).stderr
    assert "--days" in imported("sign-off", "SOS 001", "--days", "0", expect=2).stderr
    [event] = as_json(imported("history", "SOS 001", "--type", "SignOffConfigured", "--format", "json"))
    assert (event["actor"], event["changes"]) == ("Jane Menzies", {"sign_off": ["completion", "changes"], "sign_off_days": [7, 5]})
    figure = as_json(imported("update", ICSP1, "--progress", "85", "--by", "Liam Purdie", "--format", "json"))
    assert (figure["recorded_as"], figure["progress"]) == ("submitted", 80)


def test_a_plan_file_may_set_sign_off_when_the_plan_is_created(run, tmp_path):
    document = {
        "format": "plantrail-plan/1",
        "plan": {"code": "T 1", "title": "Test plan", "created_on": "2015-01-05", "sign_off": "none", "notify_rejection": "immediate"},
        "priorities": [{"number": 1, "name": "Only"}],
        "people": [{"name": "Ann Owner"}],
        "actions": [{"code": "A1", "title": "First", "owners": ["Ann Owner"], "due_date": "2015-06-30", "priority_area": 1}],
    }
    path = tmp_path / "t1.plan.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    run("import", str(path))
    assert as_json(run("sign-off", "T 1", "--format", "json"))["sign_off"] == "none"
    assert (
        as_json(run("complete", "A1", "--by", "Ann Owner", "--evidence", "Report to committee", "--format", "json"))["recorded_as"]
        == "recorded"
    )
    run("sign-off", "T 1", "--mode", "completion")
    run("import", str(path))  # re-importing the same file does not undo the clerk's change
    assert as_json(run("sign-off", "T 1", "--format", "json"))["sign_off"] == "completion"
    bad = dict(document, plan=dict(document["plan"], code="T 2", sign_off="sometimes"))
    path.write_text(json.dumps(bad), encoding="utf-8")
    assert "sign_off" in run("import", str(path), expect=2).stderr
