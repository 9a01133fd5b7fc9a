"""export-log and restore: a store's events, as stored, with their chain, moved between files and
databases; an SQLite store restored into PostgreSQL answers exactly as the original did."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import pytest

from tests.cli_runner import invoke
from tests.conftest import EXAMPLES


def env_for(url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "PLANTRAIL_DATABASE_URL": url,
        "PLANTRAIL_USER": "clerk",
        "PLANTRAIL_MAIL_TRANSPORT": "file",
        "PLANTRAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        **extra,
    }


def as_json(env: dict, *args: str, expect: int = 0):
    return json.loads(invoke(env, *args, "--format", "json", expect=expect).stdout)


def lively_store(env: dict) -> None:
    invoke(env, "import", str(EXAMPLES))
    invoke(env, "update", "SS_ICSAP_IMP1", "--progress", "85", "--note", "Cascade complete", "--on", "2015-04-02")
    invoke(env, "update", "SS_ICSAP_IMP1", "--progress", "80", "--on", "2015-03-01")  # backdated
    invoke(env, "redate", "SS_ICSAP_PAR1", "--due", "30-Jun-2015", "--reason", "consultation extended")
    invoke(env, "remind", "--as-at", "2015-03-17")


def answers(env: dict) -> dict:
    verdict = as_json(env, "verify")
    return {
        "summary": as_json(env, "summary", "SOS 001", "--as-at", "2015-03-25"),
        "changes": as_json(env, "changes", "SOS 001", "--from", "2015-03-06", "--to", "2015-04-02"),
        "history": as_json(env, "history"),
        "show": as_json(env, "show", "SS_ICSAP_IMP1", "--as-at", "2015-03-20"),
        "verify": (verdict["ok"], verdict["checked"], verdict["seal"]),
    }


def test_an_sqlite_export_restored_into_postgresql_answers_summary_history_and_verify_the_same(tmp_path: Path, postgres_url: str):
    source = env_for(str(tmp_path / "council.db"), tmp_path)
    lively_store(source)
    before = answers(source)
    exported = tmp_path / "council.log.gz"
    invoke(source, "export-log", str(exported))
    target = env_for(postgres_url, tmp_path)
    done = invoke(target, "restore", str(exported))
    assert f"Restored {before['verify'][1]} event(s)" in done.stderr
    after = answers(target)
    assert after == before
    assert as_json(target, "verify", "--seals", str(exported))["seals"][0]["ok"]  # the export's own seal holds
    assert before["verify"][0] is True
    # The restored store goes on: the next event is numbered after the restored ones.
    invoke(target, "note", "SS_ICSAP_IMP1", "Written after the move")
    assert as_json(target, "verify")["checked"] == before["verify"][1] + 1


def test_an_encrypted_export_stays_encrypted_and_restores_only_with_its_key(tmp_path: Path):
    key = invoke({}, "keygen").stdout.strip()
    source = env_for(str(tmp_path / "secret.db"), tmp_path, PLANTRAIL_CIPHER_KEY=key)
    invoke(source, "import", str(EXAMPLES / "sos-001.plan.json"))
    exported = tmp_path / "secret.log.gz"
    invoke(source, "export-log", str(exported))
    lines = [json.loads(line) for line in gzip.decompress(exported.read_bytes()).splitlines()]
    assert lines[0]["encrypted"] is True and lines[-1] == {"end": "plantrail-log/1", "events": len(lines) - 2}
    assert not any(b"Christine Sutton" in base64.b64decode(line["state"]) for line in lines[1:-1])

    without = env_for(str(tmp_path / "restored.db"), tmp_path)
    refused = invoke(without, "restore", str(exported), expect=2)
    assert "PLANTRAIL_CIPHER_KEY" in refused.stderr
    with_key = {**without, "PLANTRAIL_CIPHER_KEY": key}
    invoke(with_key, "restore", str(exported))  # the same, still empty, store now takes the key
    assert as_json(with_key, "verify")["seal"] == as_json(source, "verify")["seal"]
    assert as_json(with_key, "show", "SS_ICSAP_IMP1") == as_json(source, "show", "SS_ICSAP_IMP1")


def rewrite(exported: Path, damaged: Path, change) -> None:
    lines = gzip.decompress(exported.read_bytes()).splitlines()
    damaged.write_bytes(gzip.compress(b"\n".join(change(lines)) + b"\n"))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda lines: [*lines[:100], lines[100].replace(b'"topic":"plantrail:', b'"topic":"plantrail:X'), *lines[101:]],
            "does not match its chain link",
        ),
        (lambda lines: lines[:-40], "cut off after"),
        (lambda lines: [*lines[:50], *lines[51:]], "event 51 does not match its chain link"),
        (lambda lines: [*lines[:-2], lines[-1]], "the trailer counts"),
        (lambda lines: [b"not json", *lines[1:]], "not a plantrail log"),
    ],
    ids=["an event changed", "cut off", "an event removed", "the last event removed", "not a log"],
)
def test_a_damaged_export_is_refused_and_nothing_is_restored(tmp_path: Path, damage, message):
    source = env_for(str(tmp_path / "council.db"), tmp_path)
    invoke(source, "import", str(EXAMPLES / "sos-001.plan.json"))
    exported = tmp_path / "council.log.gz"
    invoke(source, "export-log", str(exported))
    damaged = tmp_path / "damaged.log.gz"
    rewrite(exported, damaged, damage)
    target = env_for(str(tmp_path / "restored.db"), tmp_path)
    refused = invoke(target, "restore", str(damaged), expect=2)
    assert message in refused.stderr and len(refused.stderr.splitlines()) == 1
    assert as_json(target, "plans") == [] and as_json(target, "verify")["checked"] == 0


def test_restore_refuses_a_store_that_holds_events_and_export_refuses_to_replace_a_file(tmp_path: Path):
    source = env_for(str(tmp_path / "council.db"), tmp_path)
    invoke(source, "import", str(EXAMPLES / "sos-001.plan.json"))
    exported = tmp_path / "council.log.gz"
    invoke(source, "export-log", str(exported))
    assert "already holds events" in invoke(source, "restore", str(exported), expect=1).stderr
    again = invoke(source, "export-log", str(exported), expect=2)
    assert "already exists; give --force" in again.stderr
    invoke(source, "export-log", str(exported), "--force")
