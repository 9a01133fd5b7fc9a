"""What the everyday read commands load at start-up (how long they take is benchmarks/cli.py's).

Each probe runs the production entry point in a fresh interpreter, so ``sys.modules`` afterwards
is exactly what that command imported. A read on a store whose read models are up to date must
not load the event store, SQLAlchemy, reports, mail, the scheduler or the web app; one on a store
with events not yet projected goes the full way and catches up first.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pytest

from plantrail.cli import COMMAND_MODULES
from tests.cli_runner import invoke
from tests.conftest import EXAMPLES, REPO

# Top-level packages no read command may load on an up-to-date plain store.
HEAVY = (
    "sqlalchemy",
    "eventsourcing",
    "jinja2",
    "jsonschema",
    "apscheduler",
    "aiosmtplib",
    "cryptography",
    "openpyxl",
    "rich",  # the everyday outputs are plain text (plantrail/plain_output.py)
    "notifications",
    "scheduler",
    "web",
)
POSTGRES_DRIVER = ("psycopg", "psycopg_binary", "psycopg_c")

PROBE = """
import json, os, sys
from plantrail.cli import main
code = 0
try:
    main(json.loads(os.environ["PROBE_ARGS"]))
except SystemExit as exit:
    code = exit.code or 0
with open(os.environ["PROBE_OUT"], "w") as out:
    json.dump({"exit": code, "modules": sorted(sys.modules)}, out)
"""


@dataclass
class Probe:
    exit: int
    stdout: str
    modules: set[str]

    def loaded(self, packages: tuple[str, ...]) -> list[str]:
        return sorted({m.split(".")[0] for m in self.modules} & set(packages))


def probe(tmp_path: Path, database_url: str, *args: str) -> Probe:
    out = tmp_path / "probe.json"
    env = os.environ | {
        "PROBE_ARGS": json.dumps(["--db", database_url, *args]),
        "PROBE_OUT": str(out),
        "PLANTRAIL_USER": "clerk",
    }
    env.pop("PLANTRAIL_CIPHER_KEY", None)
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    found = json.loads(out.read_text())
    assert found["exit"] == 0, done.stderr
    return Probe(found["exit"], done.stdout, set(found["modules"]))


def plan_file(code: str) -> dict[str, Any]:
    """The example plan file, read directly: what the store must say, known without plantrail."""
    for path in EXAMPLES.glob("*.json"):
        document = json.loads(path.read_text(encoding="utf-8-sig"))
        if document["plan"]["code"] == code:
            return document
    raise LookupError(code)


@pytest.fixture
def imported_store(database_url: str) -> str:
    invoke({"PLANTRAIL_DATABASE_URL": database_url, "PLANTRAIL_USER": "clerk"}, "import", str(EXAMPLES))
    return database_url


def _assert_light(result: Probe, database_url: str) -> None:
    assert result.loaded(HEAVY) == []
    if not database_url.startswith("postgresql"):
        assert result.loaded(POSTGRES_DRIVER) == []


def test_plans_loads_no_store_machinery_and_lists_the_imported_plans(imported_store: str, tmp_path: Path):
    result = probe(tmp_path, imported_store, "plans", "--format", "json")
    _assert_light(result, imported_store)
    listed = {p["code"]: p["actions"] for p in json.loads(result.stdout)}
    expected = {code: len(plan_file(code)["actions"]) for code in ("SOS 001", "SS SAAP 2014")}
    assert listed == expected


def test_show_loads_no_store_machinery_and_shows_the_action_as_filed(imported_store: str, tmp_path: Path):
    filed = next(a for a in plan_file("SOS 001")["actions"] if a["code"] == "SS_ICSAP_IMP1")
    for fmt in ("json", "table"):
        result = probe(tmp_path, imported_store, "show", "SS_ICSAP_IMP1", "--as-at", "2015-03-25", "--format", fmt)
        _assert_light(result, imported_store)
    shown = json.loads(probe(tmp_path, imported_store, "show", "SS_ICSAP_IMP1", "--as-at", "2015-03-25", "--format", "json").stdout)
    assert (shown["code"], shown["title"], shown["owners"]) == (filed["code"], filed["title"], filed["owners"])
    assert len(shown["notes"]) == len(filed.get("notes", []))


def test_summary_loads_no_store_machinery_and_counts_every_action(imported_store: str, tmp_path: Path):
    for fmt in ("json", "table"):
        result = probe(tmp_path, imported_store, "summary", "SOS 001", "--as-at", "2015-03-25", "--format", fmt)
        _assert_light(result, imported_store)
    data = json.loads(probe(tmp_path, imported_store, "summary", "SOS 001", "--as-at", "2015-03-25", "--format", "json").stdout)
    assert sum(data["totals"].values()) == len(plan_file("SOS 001")["actions"])


def test_a_read_with_events_not_yet_projected_catches_up_first(imported_store: str, tmp_path: Path):
    from domain.commands import UpdateProgress
    from plantrail.bootstrap import bootstrap

    services = bootstrap(imported_store)
    try:  # recorded by another process that stopped before projecting it
        services.app.handle("SOS 001", "SS_ICSAP_IMP1", UpdateProgress(42, None, None), actor="clerk")
    finally:
        services.close()
    behind = probe(tmp_path, imported_store, "show", "SS_ICSAP_IMP1", "--format", "json")
    assert json.loads(behind.stdout)["progress"] == 42
    assert "sqlalchemy" in behind.loaded(HEAVY)  # the full way: it had something to catch up
    caught_up = probe(tmp_path, imported_store, "show", "SS_ICSAP_IMP1", "--format", "json")
    assert json.loads(caught_up.stdout)["progress"] == 42
    _assert_light(caught_up, imported_store)


def test_every_lazily_loaded_command_module_adds_exactly_the_commands_listed_for_it():
    for module, names in COMMAND_MODULES.items():
        group = click.Group()
        importlib.import_module(module).register(group)
        assert sorted(group.commands) == sorted(names), module


def test_a_read_on_a_store_at_another_schema_version_opens_it_in_full_and_migrates(sqlite_url: str, tmp_path: Path):
    import sqlite3

    invoke({"PLANTRAIL_DATABASE_URL": sqlite_url, "PLANTRAIL_USER": "clerk"}, "import", str(EXAMPLES))
    with sqlite3.connect(sqlite_url) as conn:  # as a store last opened by an older plantrail leaves it
        conn.execute("UPDATE plantrail_store SET value = '1' WHERE name = 'schema.views'")
    older = probe(tmp_path, sqlite_url, "plans", "--format", "json")
    assert "sqlalchemy" in older.loaded(HEAVY)
    assert {p["code"]: p["actions"] for p in json.loads(older.stdout)} == {
        c: len(plan_file(c)["actions"]) for c in ("SOS 001", "SS SAAP 2014")
    }
    with sqlite3.connect(sqlite_url) as conn:
        from plantrail.schema_versions import wanted_versions

        assert conn.execute("SELECT value FROM plantrail_store WHERE name = 'schema.views'").fetchone()[0] == str(
            wanted_versions()["views"]
        )
    _assert_light(probe(tmp_path, sqlite_url, "plans", "--format", "json"), sqlite_url)
