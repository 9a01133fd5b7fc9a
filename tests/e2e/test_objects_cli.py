"""Plans, priorities, committee dates, actions and people made from the command line, no file needed."""

import pytest

from tests.e2e.conftest import as_json


def test_a_plan_is_built_command_by_command_and_reads_back_as_made(run):
    run("person", "add", "Val DeSouza", "--email", "val@example.org", "--initials", "VD", "--role", "Head of Service")
    ann = as_json(run("person", "add", "Ann  Owner", "--email", "ann@example.org", "--manager", "val desouza", "--format", "json"))
    assert (ann["name"], ann["email"], ann["manager"]) == ("Ann Owner", "ann@example.org", "Val DeSouza")
    made = as_json(
        run("plan", "create", "WF 1", "--title", "Workforce plan", "--sponsor", "VAL DESOUZA", "--warning-days", "21", "--format", "json")
    )
    assert (made["code"], made["title"], made["sponsor"], made["warning_days"], made["timezone"]) == (
        "WF 1",
        "Workforce plan",
        "Val DeSouza",
        21,
        "Europe/London",
    )
    run("plan", "priority", "add", "wf 1", "Recruitment")
    with_two = as_json(run("plan", "priority", "add", "WF 1", "Retention", "--description", "Keep staff", "--format", "json"))
    assert [(p["number"], p["name"]) for p in with_two["priorities"]] == [(1, "Recruitment"), (2, "Retention")]
    committee = run(
        "plan", "committee", "add", "WF 1", "--meets-on", "2015-06-02", "--deadline", "2015-05-20", "--committee", "Resources Committee"
    )
    assert "Resources Committee meets on 2015-06-02, report deadline 2015-05-20" in committee.stdout
    again = as_json(run("plan", "committee", "add", "WF 1", "--meets-on", "02/09/2015", "--deadline", "19/08/2015", "--format", "json"))
    assert again["committees"][-1] == {"committee": "Resources Committee", "meets_on": "2015-09-02", "report_deadline": "2015-08-19"}
    added = as_json(
        run(
            "action",
            "add",
            "WF 1",
            "HR1",
            "--title",
            "Recruit two social workers",
            "--owner",
            "ann owner",
            "--due",
            "30 April 2015",
            "--priority",
            "high",
            "--area",
            "1",
            "--on",
            "2015-03-01",
            "--format",
            "json",
        )
    )
    assert (added["plan"], added["code"], added["owners"], added["due_date"], added["priority"], added["priority_area"]) == (
        "WF 1",
        "HR1",
        ["Ann Owner"],
        "2015-04-30",
        "High",
        {"number": 1, "name": "Recruitment"},
    )
    line = run("action", "add", "WF 1", "HR2", "--title", "Exit interviews", "--owner", "Ann Owner", "--due", "2015-07-31").stdout
    assert line.strip().startswith("WF 1/HR2: added; status")


def test_person_edit_is_an_event_with_its_reason(imported):
    edited = as_json(
        imported("person", "edit", "liam purdie", "--email", "l.purdie@example.org", "--reason", "new address", "--format", "json")
    )
    assert (edited["name"], edited["email"], edited["manager"]) == ("Liam Purdie", "l.purdie@example.org", "Val DeSouza")
    trail = as_json(imported("history", "--type", "PersonContactChanged", "--format", "json"))
    assert [(e["subject"], e["reason"], e["changes"]) for e in trail] == [
        ("Liam Purdie", "new address", {"email": ["liam.purdie@example.org", "l.purdie@example.org"]})
    ]
    cleared = as_json(imported("person", "edit", "Liam Purdie", "--manager", "", "--reason", "restructure", "--format", "json"))
    assert cleared["manager"] is None
    imported("person", "edit", "Liam Purdie", "--email", "x@example.org", expect=2)  # --reason is required


@pytest.mark.parametrize(
    ("args", "expect", "message"),
    [
        (["plan", "create", "SOS 001", "--title", "Again"], 1, "already exists"),
        (["plan", "create", "NEW", "--title", "T", "--warning-days", "400"], 2, "--warning-days"),
        (["plan", "create", "NEW", "--title", "T", "--timezone", "Mars/Olympus"], 2, "timezone: 'Mars/Olympus' is not a time zone"),
        (["plan", "create", "NEW", "--title", "T", "--sponsor", "Val De Souza"], 1, "did you mean 'Val DeSouza'?"),
        (["plan", "create", "NEW", "--title", ""], 2, "title: must not be empty"),
        (["plan", "committee", "add", "SOS 001", "--meets-on", "2015-06-02", "--deadline", "2015-06-09"], 1, "report_deadline"),
        (["plan", "committee", "add", "SOS 001", "--meets-on", "June 2015"], 2, "give the day too"),
        (["action", "add", "SOS 001", "NEW1", "--title", "T", "--owner", "Nobody", "--due", "2015-06-30"], 1, "not a registered person"),
        (["action", "add", "SOS 001", "SS_ICSAP_IMP1", "--title", "T", "--owner", "Liam Purdie", "--due", "2015-06-30"], 1, "already used"),
        (
            ["action", "add", "SOS 001", "NEW1", "--title", "T", "--owner", "Liam Purdie", "--due", "2015-06-30", "--area", "9"],
            1,
            "no priority 9",
        ),
        (["person", "add", "LIAM PURDIE"], 1, "already registered as 'Liam Purdie'"),
        (["person", "add", "New Person", "--email", "not-an-address"], 2, "email"),
        (["person", "add", "New Person", "--manager", "Nobody"], 1, "not a registered person"),
        (["person", "edit", "Nobody", "--email", "a@b.org", "--reason", "r"], 1, "not a registered person"),
    ],
)
def test_bad_object_commands_fail_clearly_and_write_nothing(imported, args, expect, message):
    before = imported("history", "--format", "json").stdout
    result = imported(*args, expect=expect)
    assert message in result.stderr and result.stdout == ""
    assert imported("history", "--format", "json").stdout == before
