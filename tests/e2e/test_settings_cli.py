"""Settings exercised away from their defaults through the real CLI, not only in pure functions."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from tests.cli_runner import invoke

AS_AT = date(2015, 3, 30)


def small_plan(code: str, warning_days: int, due_in_days: list[int]) -> dict:
    """A plan whose actions fall due the given numbers of days after AS_AT."""
    return {
        "format": "plantrail-plan/1",
        "plan": {"code": code, "title": f"Plan {code}", "warning_days": warning_days, "created_on": "2015-01-05"},
        "priorities": [{"number": 1, "name": "Only priority"}],
        "people": [{"name": "Ann Owner", "email": "ann@example.org"}],
        "actions": [
            {
                "code": f"A{days}",
                "title": f"Due in {days} days",
                "owners": ["Ann Owner"],
                "due_date": (AS_AT + timedelta(days=days)).isoformat(),
                "priority_area": 1,
                "added_on": "2015-01-05",
                "notes": [{"text": "started", "author": "Ann Owner", "on": "2015-03-29"}],
            }
            for days in due_in_days
        ],
    }


def write_plan(folder: Path, plan: dict) -> Path:
    path = folder / f"{plan['plan']['code']}.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    return path


def test_a_plans_warning_window_decides_the_status_shown_by_actions_and_summary(tmp_path: Path):
    env = {"PLANTRAIL_DATABASE_URL": str(tmp_path / "w.db"), "PLANTRAIL_USER": "clerk"}
    invoke(env, "import", str(write_plan(tmp_path, small_plan("NARROW", 5, [5, 6, 13]))))
    invoke(env, "import", str(write_plan(tmp_path, small_plan("WIDE", 14, [5, 6, 13]))))

    def statuses(code: str) -> dict[str, str]:
        shown = json.loads(invoke(env, "actions", code, "--as-at", AS_AT.isoformat(), "--format", "json").stdout)
        return {a["code"]: a["status"] for a in shown}

    assert statuses("NARROW") == {"A5": "Warning", "A6": "OK", "A13": "OK"}
    assert statuses("WIDE") == {"A5": "Warning", "A6": "Warning", "A13": "Warning"}
    summary = json.loads(invoke(env, "summary", "NARROW", "--as-at", AS_AT.isoformat(), "--format", "json").stdout)
    assert (summary["totals"]["warning"], summary["totals"]["ok"]) == (1, 2)


def test_reminder_rules_come_from_plantrail_toml_globally_and_per_plan(tmp_path: Path):
    config = tmp_path / "plantrail.toml"
    config.write_text(
        '[reminders]\ndue_soon_days = [6]\n\n[reminders.plans."WIDE"]\ndue_soon_days = [13]\n',
        encoding="utf-8",
    )
    env = {
        "PLANTRAIL_DATABASE_URL": str(tmp_path / "r.db"),
        "PLANTRAIL_USER": "clerk",
        "PLANTRAIL_CONFIG": str(config),
        "PLANTRAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    invoke(env, "import", str(write_plan(tmp_path, small_plan("NARROW", 5, [5, 6, 7]))))
    invoke(env, "import", str(write_plan(tmp_path, small_plan("WIDE", 14, [5, 13, 14]))))
    result = json.loads(invoke(env, "remind", "--as-at", AS_AT.isoformat(), "--dry-run", "--format", "json").stdout)
    due_soon = {(d["plan_code"], d["action_code"], d["period"]) for d in result["due"] if d["rule"] == "due_soon"}
    # NARROW takes the global [6]: 5 and 6 days out are due, 7 is not. WIDE's own [13]: 5 and 13, not 14.
    assert due_soon == {("NARROW", "A5", 6), ("NARROW", "A6", 6), ("WIDE", "A5", 13), ("WIDE", "A13", 13)}
    assert not (tmp_path / "outbox").exists()  # a dry run sends nothing


def test_an_unknown_reminder_setting_is_bad_input_naming_the_file_section(tmp_path: Path):
    config = tmp_path / "plantrail.toml"
    config.write_text("[reminders]\ndue_son_days = [6]\n", encoding="utf-8")
    env = {"PLANTRAIL_DATABASE_URL": str(tmp_path / "b.db"), "PLANTRAIL_CONFIG": str(config)}
    invoke(env, "import", str(write_plan(tmp_path, small_plan("NARROW", 5, [5]))))
    refused = invoke(env, "remind", "--as-at", AS_AT.isoformat(), "--dry-run", expect=2)
    assert refused.stderr.startswith("plantrail: error: plantrail.toml [reminders]:") and "due_son_days" in refused.stderr
