"""A store made by plantrail at 62d58f0 (tests/fixtures, before events had versions, before store
records, chain first-seen times and schema versions) opens with today's code and every command
works on it: migrate, rebuild, show --as-at, history, verify and a backdated update."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from plantrail.bootstrap import bootstrap
from projections.decoding import decode_state
from projections.tables import VIEWS_SCHEMA_VERSION
from tests.cli_runner import invoke
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures"
SEALS = dict(
    line.split()[0:2][::-1]
    for line in (FIXTURES / "legacy-seals.txt").read_text().splitlines()
    if line.startswith("legacy-") and "seal" in line
)
LEGACY_KEY = next(line.split()[2] for line in (FIXTURES / "legacy-seals.txt").read_text().splitlines() if " key " in line)


def legacy(tmp_path: Path, name: str, **extra: str) -> dict[str, str]:
    shutil.copy(FIXTURES / name, tmp_path / name)
    return {"PLANTRAIL_DATABASE_URL": str(tmp_path / name), "PLANTRAIL_USER": "clerk", **extra}


def run(env: dict, *args: str, expect: int = 0):
    return invoke(env, *args, expect=expect)


def as_json(env: dict, *args: str):
    return json.loads(run(env, *args, "--format", "json").stdout)


def kept_rows(db: Path) -> dict[str, list]:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in ("outbox_messages", "outbox_items", "sweep_runs")
        }


def seal_of(name: str) -> str:
    return next(seal for seal, store in SEALS.items() if store == name)


def test_an_old_plain_store_migrates_and_serves_every_command(tmp_path: Path):
    env = legacy(tmp_path, "legacy-plain.db")
    kept_before = kept_rows(tmp_path / "legacy-plain.db")
    assert kept_before["outbox_messages"] and kept_before["sweep_runs"]
    migrated = as_json(env, "migrate")
    assert migrated["done"] == [
        "integrity_chain: migrated in place to version 2",
        "outbox: migrated in place to version 2",
        f"views: rebuilt from the events for schema version {VIEWS_SCHEMA_VERSION} (was 1)",
    ]
    assert migrated["versions"] == {
        "integrity_chain": 2,
        "outbox": 2,
        "sweeps": 1,
        "web": 1,
        "import_cache": 1,
        "views": VIEWS_SCHEMA_VERSION,
    }
    assert as_json(env, "migrate")["done"] == []
    assert kept_rows(tmp_path / "legacy-plain.db") == kept_before  # the outbox and sweep record kept their rows

    # The seal printed by the old version still holds: the history and its chain are unchanged.
    seals = tmp_path / "seals.txt"
    seals.write_text(seal_of("legacy-plain.db") + "\n")
    verdict = json.loads(run(env, "verify", "--seals", str(seals), "--format", "json").stdout)
    assert verdict["ok"] and [s["ok"] for s in verdict["seals"]] == [True]

    run(env, "rebuild")
    # The fixture's figures: 40 % on 1 Feb 2015 (recorded late), 60 % on 2 Mar 2015.
    assert as_json(env, "show", "SAAP1.05", "--as-at", "2015-02-15")["progress"] == 40
    assert as_json(env, "show", "SAAP1.05", "--as-at", "2015-03-05")["progress"] == 60
    old_figures = [e for e in as_json(env, "history", "SAAP1.05") if e["type"] == "ProgressUpdated"]
    assert [(e["effective_on"], e["source"]) for e in old_figures] == [("2015-02-01", None), ("2015-03-02", None)]

    run(env, "update", "SAAP1.05", "--progress", "50", "--on", "2015-02-20")  # backdated, between the two
    assert as_json(env, "show", "SAAP1.05", "--as-at", "2015-02-25")["progress"] == 50
    assert as_json(env, "show", "SAAP1.05", "--as-at", "2015-03-05")["progress"] == 60
    figures = [e for e in as_json(env, "history", "SAAP1.05") if e["type"] == "ProgressUpdated"]
    assert [(e["effective_on"], e["source"]) for e in figures] == [("2015-02-01", None), ("2015-02-20", "cli"), ("2015-03-02", None)]
    assert figures[1]["first_seen_at"] is not None and old_figures[0]["first_seen_at"] is None
    assert as_json(env, "verify", "--read-models")["ok"]


def test_an_old_encrypted_store_is_recognised_and_its_chain_moves_to_plaintext_links(tmp_path: Path):
    env = legacy(tmp_path, "legacy-encrypted.db")
    refused = run(env, "plans", expect=2)
    assert "PLANTRAIL_CIPHER_KEY is not set" in refused.stderr
    with_key = {**env, "PLANTRAIL_CIPHER_KEY": LEGACY_KEY}
    assert as_json(with_key, "verify")["ok"]
    assert as_json(with_key, "show", "SAAP1.05", "--as-at", "2015-03-05")["progress"] == 60
    # Documented limit: a seal printed by the old version from an encrypted store hashed
    # ciphertext, so it no longer matches once the chain moved to plaintext.
    old = json.loads(run(with_key, "verify", "--seal", seal_of("legacy-encrypted.db"), "--format", "json", expect=1).stdout)
    assert old["problems"] == [] and [s["ok"] for s in old["seals"]] == [False]


def test_the_projector_decodes_old_events_through_the_same_upcasting_as_the_aggregates(tmp_path: Path):
    legacy(tmp_path, "legacy-plain.db")
    services = bootstrap(str(tmp_path / "legacy-plain.db"))
    try:
        stored = services.app.recorder.select_notifications(start=1, limit=1000)
        upcast = 0
        for n in stored:
            library = dict(vars(services.app.mapper.to_domain_event(n)))
            projector = decode_state(services.app.mapper, n)
            library["originator_id"] = str(library["originator_id"])
            assert projector == library, n.topic
            upcast += n.topic == "plantrail:Action.ProgressUpdated"
        assert upcast >= 2
    finally:
        services.close()


@pytest.mark.parametrize("name", ["legacy-plain.db", "legacy-encrypted.db"])
def test_the_fixtures_are_still_the_old_format(name):
    """Guard: nobody regenerated the fixtures with today's code (they would test nothing)."""
    import sqlite3

    with sqlite3.connect(f"file:{FIXTURES / name}?mode=ro", uri=True) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        columns = {row[1] for row in conn.execute("PRAGMA table_info(integrity_chain)")}
    assert "plantrail_store" not in tables and "seen_at" not in columns
