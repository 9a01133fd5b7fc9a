"""Keys that cannot corrupt a store: every command checks PLANTRAIL_CIPHER_KEY against the store's
recorded fingerprint before it touches anything, and `rekey` rotates the key in place."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.cli_runner import CliResult, invoke
from tests.conftest import EXAMPLES


def plantrail(env: dict, *args: str, expect: int | None = 0) -> CliResult:
    return invoke(env, *args, expect=expect)


def store_digest(db: Path) -> tuple:
    """Everything a command could write: the events (as stored), the chain, the projector's
    position, the outbox and the sweeps."""
    with sqlite3.connect(db) as conn:
        events = conn.execute("SELECT rowid, originator_id, originator_version, topic, state FROM stored_events ORDER BY rowid").fetchall()
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        others = tuple(
            conn.execute(f"SELECT * FROM {name}").fetchall()
            for name in ("integrity_chain", "projector_positions", "outbox_messages", "sweep_runs", "plantrail_store")
            if name in tables
        )
    return hashlib.sha256(repr(events).encode()).hexdigest(), len(events), others


def is_json(state: bytes) -> bool:
    try:
        return isinstance(json.loads(state), dict)
    except ValueError:
        return False


@pytest.fixture(scope="module")
def encrypted_template(tmp_path_factory) -> tuple[Path, str, str]:
    """One encrypted store with both example plans, copied for each test."""
    folder = tmp_path_factory.mktemp("encrypted")
    env = {"PLANTRAIL_DATABASE_URL": str(folder / "store.db"), "PLANTRAIL_USER": "clerk"}
    key = plantrail(env, "keygen").stdout.strip()
    other = plantrail(env, "keygen").stdout.strip()
    plantrail({**env, "PLANTRAIL_CIPHER_KEY": key}, "import", str(EXAMPLES))
    return folder / "store.db", key, other


@pytest.fixture
def encrypted(encrypted_template, tmp_path: Path) -> tuple[dict, str, str]:
    template, key, other = encrypted_template
    db = tmp_path / "store.db"
    shutil.copy(template, db)
    env = {
        "PLANTRAIL_DATABASE_URL": str(db),
        "PLANTRAIL_USER": "clerk",
        "PLANTRAIL_MAIL_TRANSPORT": "file",
        "PLANTRAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    return env, key, other


COMMANDS = [
    ("remind", "--as-at", "2015-03-17"),
    ("update", "SS_ICSAP_IMP1", "--progress", "80"),
    ("note", "SS_ICSAP_IMP1", "a note"),
    ("import", str(EXAMPLES)),
    ("plans",),
    ("show", "SS_ICSAP_IMP1"),
    ("history",),
    ("summary", "SOS 001"),
    ("verify",),
    ("rebuild",),
    ("outbox",),
    ("people",),
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize("key_case", ["missing", "wrong"])
def test_every_command_refuses_a_missing_or_wrong_key_before_touching_the_store(encrypted, command, key_case):
    env, key, other = encrypted
    db = Path(env["PLANTRAIL_DATABASE_URL"])
    before = store_digest(db)
    given = env if key_case == "missing" else {**env, "PLANTRAIL_CIPHER_KEY": other}
    result = plantrail(given, *command, expect=2)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "PLANTRAIL_CIPHER_KEY" in lines[0], result.stderr
    assert store_digest(db) == before
    # The right key still reads everything, and the history verifies.
    with_key = {**env, "PLANTRAIL_CIPHER_KEY": key}
    assert len(json.loads(plantrail(with_key, "plans", "--format", "json").stdout)) == 2
    assert plantrail(with_key, "verify").returncode == 0


def test_remind_without_the_key_neither_appends_plaintext_nor_breaks_a_later_rebuild(encrypted):
    """The reported defect: `remind` without the key exited 0 and appended plaintext events,
    `verify` said OK, and `rebuild` with the right key then failed leaving empty views."""
    env, key, _ = encrypted
    plantrail(env, "remind", "--as-at", "2015-03-17", expect=2)
    with_key = {**env, "PLANTRAIL_CIPHER_KEY": key}
    plantrail(with_key, "rebuild")
    assert [p["code"] for p in json.loads(plantrail(with_key, "plans", "--format", "json").stdout)] == ["SOS 001", "SS SAAP 2014"]
    with sqlite3.connect(Path(env["PLANTRAIL_DATABASE_URL"])) as conn:
        states = [bytes(row[0]) for row in conn.execute("SELECT state FROM stored_events")]
    assert not any(is_json(state) for state in states)  # no plaintext among the events


def test_a_key_given_to_an_unencrypted_store_is_refused(tmp_path: Path):
    env = {"PLANTRAIL_DATABASE_URL": str(tmp_path / "plain.db"), "PLANTRAIL_USER": "clerk"}
    plantrail(env, "import", str(EXAMPLES / "sos-001.plan.json"))
    before = store_digest(tmp_path / "plain.db")
    key = plantrail(env, "keygen").stdout.strip()
    result = plantrail({**env, "PLANTRAIL_CIPHER_KEY": key}, "update", "SS_ICSAP_IMP1", "--progress", "80", expect=2)
    assert "not encrypted" in result.stderr and len(result.stderr.splitlines()) == 1
    assert store_digest(tmp_path / "plain.db") == before


def test_the_store_records_that_it_is_encrypted_and_a_fingerprint_never_the_key(encrypted):
    env, key, _ = encrypted
    with sqlite3.connect(Path(env["PLANTRAIL_DATABASE_URL"])) as conn:
        recorded = dict(conn.execute("SELECT name, value FROM plantrail_store").fetchall())
        everything = b"".join(
            str(row).encode() for table in ("plantrail_store", "projector_positions") for row in conn.execute(f"SELECT * FROM {table}")
        )
    assert recorded["encrypted"] == "yes" and len(recorded["key_fingerprint"]) == 64
    assert key.encode() not in everything
    import base64

    assert base64.b64decode(key).hex() not in everything.decode()


def test_rekey_reencrypts_every_event_and_the_chain_and_old_seals_still_verify(encrypted, tmp_path: Path):
    env, key, new_key = encrypted
    with_key = {**env, "PLANTRAIL_CIPHER_KEY": key}
    seal = json.loads(plantrail(with_key, "verify", "--format", "json").stdout)["seal"]
    db = Path(env["PLANTRAIL_DATABASE_URL"])
    with sqlite3.connect(db) as conn:
        before = dict(conn.execute("SELECT rowid, state FROM stored_events").fetchall())
    result = plantrail({**with_key, "PLANTRAIL_NEW_CIPHER_KEY": new_key}, "rekey")
    assert f"{len(before)} event(s)" in result.stderr
    with sqlite3.connect(db) as conn:
        after = dict(conn.execute("SELECT rowid, state FROM stored_events").fetchall())
    assert after.keys() == before.keys() and all(after[p] != before[p] for p in before)
    with_new = {**env, "PLANTRAIL_CIPHER_KEY": new_key}
    assert plantrail(with_new, "verify").returncode == 0
    assert plantrail(with_new, "verify", "--seal", seal).returncode == 0
    plantrail(with_new, "rebuild")
    assert json.loads(plantrail(with_new, "show", "SS_ICSAP_IMP1", "--format", "json").stdout)["code"] == "SS_ICSAP_IMP1"
    # The old key is now the wrong one.
    assert "PLANTRAIL_CIPHER_KEY" in plantrail(with_key, "plans", expect=2).stderr


def test_rekey_encrypts_a_plain_store_and_can_take_encryption_off_again(tmp_path: Path):
    env = {"PLANTRAIL_DATABASE_URL": str(tmp_path / "plain.db"), "PLANTRAIL_USER": "clerk"}
    plantrail(env, "import", str(EXAMPLES / "ss-saap-2014.plan.json"))
    seal = json.loads(plantrail(env, "verify", "--format", "json").stdout)["seal"]
    key = plantrail(env, "keygen").stdout.strip()
    plantrail({**env, "PLANTRAIL_NEW_CIPHER_KEY": key}, "rekey")
    plantrail(env, "plans", expect=2)
    with_key = {**env, "PLANTRAIL_CIPHER_KEY": key}
    assert plantrail(with_key, "verify", "--seal", seal).returncode == 0
    plantrail(with_key, "rekey", "--decrypt")
    assert plantrail(env, "verify", "--seal", seal).returncode == 0
    with sqlite3.connect(tmp_path / "plain.db") as conn:
        assert all(is_json(bytes(row[0])) for row in conn.execute("SELECT state FROM stored_events"))


def test_rekey_without_a_new_key_changes_nothing(encrypted):
    env, key, _ = encrypted
    db = Path(env["PLANTRAIL_DATABASE_URL"])
    before = store_digest(db)
    result = plantrail({**env, "PLANTRAIL_CIPHER_KEY": key}, "rekey", expect=2)
    assert "PLANTRAIL_NEW_CIPHER_KEY" in result.stderr
    assert store_digest(db) == before
