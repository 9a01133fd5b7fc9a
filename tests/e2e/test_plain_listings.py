"""The plain-text listings of the read commands (plans, people, summary, show), read back into
cells and compared with what the small plan below says, counted by hand."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.text_tables import table_rows

PLAN = {
    "format": "plantrail-plan/1",
    "plan": {"code": "T 1", "title": "Test plan", "created_on": "2015-01-05", "sponsor": "Sam Sponsor"},
    "priorities": [{"number": 1, "name": "Only"}],
    "people": [
        {"name": "Ann Owner", "initials": "AO", "email": "ann@example.org", "role": "Officer", "manager": "Mo Manager"},
        {"name": "Mo Manager", "email": "mo@example.org"},
    ],
    "actions": [
        {
            "code": "A1",
            "title": "Train the staff",
            "owners": ["Ann Owner"],
            "added_on": "2015-01-05",
            "due_date": "2015-03-31",
            "priority_area": 1,
            "success_measures": ["Fewer late returns", "All staff trained"],
            "evidence": ["Training register"],
        },
        {
            "code": "A2",
            "title": "Book rooms",
            "owners": ["Ann Owner"],
            "added_on": "2015-01-05",
            "due_date": "2015-06-30",
            "priority_area": 1,
        },
        {"code": "A3", "title": "Write policy", "owners": ["Mo Manager"], "added_on": "2015-01-05", "due_date": "2015-04-10"},
    ],
}
SECOND = {
    "format": "plantrail-plan/1",
    "plan": {"code": "T 2", "title": "Second plan", "created_on": "2015-01-05", "timezone": "Europe/Dublin"},
    "people": [{"name": "Mo Manager", "email": "mo@example.org"}],
    "actions": [{"code": "B1", "title": "Only one", "owners": ["Mo Manager"], "due_date": "2015-06-30"}],
}


@pytest.fixture
def small(run, tmp_path: Path):
    for name, document in (("t1", PLAN), ("t2", SECOND)):
        plan_file = tmp_path / f"{name}.plan.json"
        plan_file.write_text(json.dumps(document), encoding="utf-8")
        run("import", str(plan_file))
    return run


def section(text: str, heading: str) -> list[str]:
    """The lines under ``heading`` up to the next blank line."""
    lines = text.splitlines()
    start = lines.index(heading) + 1
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    return lines[start:end]


def test_plans_lists_each_plan_with_its_action_count_sponsor_and_time_zone(small):
    assert table_rows(small("plans").stdout) == [
        {"Code": "T 1", "Title": "Test plan", "Actions": "3", "Sponsor": "Sam Sponsor", "Time zone": "Europe/London"},
        {"Code": "T 2", "Title": "Second plan", "Actions": "1", "Sponsor": "", "Time zone": "Europe/Dublin"},
    ]


def test_people_lists_each_person_with_the_actions_they_own_in_every_plan(small):
    rows = {row["Name"]: row for row in table_rows(small("people").stdout)}
    assert rows == {
        "Ann Owner": {
            "Name": "Ann Owner",
            "Initials": "AO",
            "Email": "ann@example.org",
            "Role": "Officer",
            "Manager": "Mo Manager",
            "Permissions": "",
            "Actions owned": "2",
        },
        "Mo Manager": {
            "Name": "Mo Manager",
            "Initials": "",
            "Email": "mo@example.org",
            "Role": "",
            "Manager": "",
            "Permissions": "",
            "Actions owned": "2",
        },
    }


def test_people_lists_the_roles_granted_in_plain_words_beside_the_job_title(small):
    small("grant", "Ann Owner", "clerk", "--plan", "T 2", "--reason", "runs T 2's committee cycle")
    small("grant", "Ann Owner", "admin", "--reason", "runs plantrail")
    small("grant", "Ann Owner", "clerk", "--plan", "T 1", "--reason", "runs T 1's committee cycle")
    small("grant", "Mo Manager", "viewer", "--reason", "committee member")
    rows = {row["Name"]: row for row in table_rows(small("people").stdout)}
    assert (rows["Ann Owner"]["Role"], rows["Ann Owner"]["Permissions"]) == ("Officer", "Admin; clerk of T 1; clerk of T 2")
    assert rows["Mo Manager"]["Permissions"] == "Viewer"
    listed = {p["name"]: p["permissions"] for p in json.loads(small("people", "--format", "json").stdout)}
    assert listed == {"Ann Owner": "Admin; clerk of T 1; clerk of T 2", "Mo Manager": "Viewer"}


def test_show_lists_the_success_measures_and_evidence_in_order(small):
    shown = small("show", "A1", "--as-at", "2015-04-01").stdout
    assert section(shown, "How will we know?") == ["  - Fewer late returns", "  - All staff trained"]
    assert section(shown, "Evidence") == ["  - Training register"]
    assert "How will we know?" not in small("show", "A2").stdout.splitlines()


def test_a_claim_awaiting_sign_off_is_shown_on_the_action_and_counted_under_the_summary(small):
    before = datetime.now(UTC).replace(second=0, microsecond=0, tzinfo=None)
    small("complete", "A2", "--by", "Ann Owner", "--on", "2015-03-20", "--evidence", "Rooms booked for every session")
    after = datetime.now(UTC).replace(tzinfo=None)
    lines = small("show", "A2", "--as-at", "2015-04-01").stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("◷ Sign-off"))
    claim = " ".join(line.strip() for line in [lines[start].removeprefix("◷ Sign-off"), *lines[start + 1 :]] if line.strip())
    match = re.fullmatch(r"(.*), since (\d{4}-\d\d-\d\d \d\d:\d\d) UTC", claim)
    assert match, claim
    assert match.group(1) == (
        "claims complete (by Ann Owner, effective 2015-03-20; evidence: Rooms booked for every session): "
        "awaiting sign-off by Mo Manager (manager) or a clerk of T 1"
    )
    assert before <= datetime.strptime(match.group(2), "%Y-%m-%d %H:%M") <= after

    *table, awaiting = small("summary", "T 1", "--as-at", "2015-04-01").stdout.splitlines()
    # As at 1 April: A1 (due 31 March, 0 %) is a day late, A2 (due 30 June, its completion still
    # a claim) is more than the 14-day window away, A3 (no priority area, due 10 April) is inside it.
    assert table_rows("\n".join(table)) == [
        {"Strategic priority": "1. Only", "▲ Alert": "1", "◆ Warning": "0", "● OK": "1", "✔ Complete": "0"},
        {"Strategic priority": "(no priority area)", "▲ Alert": "0", "◆ Warning": "1", "● OK": "0", "✔ Complete": "0"},
        {"Strategic priority": "Total", "▲ Alert": "1", "◆ Warning": "1", "● OK": "1", "✔ Complete": "0"},
    ]
    assert awaiting == "◷ 1 action carries a claim awaiting sign-off; counted as last approved."
