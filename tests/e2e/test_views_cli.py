"""Views across plans: every plan's actions, a person's own, by status and due date, in any format."""

import csv
import io
from datetime import date

from tests.cli_runner import invoke
from tests.e2e.conftest import as_json


def test_actions_without_a_plan_lists_every_plans_actions(imported):
    every = as_json(imported("actions", "--as-at", "2015-03-25", "--format", "json"))
    per_plan = [
        as_json(imported("actions", p["code"], "--as-at", "2015-03-25", "--format", "json"))
        for p in as_json(imported("plans", "--format", "json"))
    ]
    assert [a["code"] for a in every] == [a["code"] for plan in per_plan for a in plan]
    assert {a["plan"] for a in every} == {"SOS 001", "SS SAAP 2014"}
    table = imported("actions", "--as-at", "2015-03-25").stdout
    assert "SOS 001 Children's Inspection Action Plan" in table and "SS SAAP 2014" in table
    assert f"{len(every)} action(s) in 2 plan(s)" in table


def test_mine_owner_status_and_due_before_filter_across_plans(imported, tmp_path):
    every = as_json(imported("actions", "--as-at", "2015-04-02", "--format", "json"))
    env = {"PLANTRAIL_DATABASE_URL": str(tmp_path / "cli.db"), "PLANTRAIL_USER": "liam purdie"}
    mine = as_json(invoke(env, "actions", "--mine", "--as-at", "2015-04-02", "--format", "json"))
    assert [a["code"] for a in mine] == [a["code"] for a in every if "Liam Purdie" in a["owners"]]
    assert {a["plan"] for a in mine} == {"SOS 001", "SS SAAP 2014"}
    overdue = as_json(imported("actions", "--status", "ALERT", "--due-before", "2015-04-01", "--as-at", "2015-04-02", "--format", "json"))
    expected = [a["code"] for a in every if a["status"] == "Alert" and a["due_date"] < "2015-04-01"]
    assert [a["code"] for a in overdue] == expected and expected
    two = as_json(imported("actions", "--status", "warning", "--status", "ok", "--as-at", "2015-03-25", "--format", "json"))
    assert {a["status"] for a in two} == {"Warning", "OK"}
    imported("actions", "--status", "late", expect=2)
    imported("actions", "--owner", "Liam Purdie", "--mine", expect=2)


def test_due_before_takes_a_relative_day(imported):
    every = as_json(imported("actions", "--format", "json"))
    before_today = as_json(imported("actions", "--due-before", "today", "--format", "json"))
    today = date.today().isoformat()
    assert [a["code"] for a in before_today] == [a["code"] for a in every if a["due_date"] and a["due_date"] < today]


def test_actions_as_csv_are_plain_and_carry_the_plan(imported):
    text = imported("actions", "--owner", "Michael Grassom", "--as-at", "2015-03-25", "--format", "csv").stdout
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:], newline="")))
    assert [(r["plan"], r["code"], r["owners"], r["status"]) for r in rows] == [
        ("SOS 001", "SS_ICSAP_PLAN2", "Michael Grassom", "Warning"),
        ("SOS 001", "SS_ICSAP_RESP4", "Michael Grassom", "Complete"),
    ]


def test_history_type_takes_the_names_history_shows_in_any_case_and_refuses_others(imported):
    imported("update", "SS_ICSAP_IMP1", "--progress", "85", "--on", "2015-04-02")
    updates = as_json(imported("history", "SS_ICSAP_IMP1", "--type", "progressupdated", "--format", "json"))
    assert updates and {e["type"] for e in updates} == {"ProgressUpdated"}
    refused = imported("history", "--type", "progress", expect=2)
    assert "did you mean 'ProgressUpdated'?" in refused.stderr
    assert "one of: " in refused.stderr and "DueDateRevised" in refused.stderr and "PersonRegistered" in refused.stderr
