"""Encryption at rest through the CLI: keygen, an encrypted store, wrong and missing keys."""

import json
import os
from pathlib import Path

from tests.cli_runner import CliResult, invoke
from tests.conftest import EXAMPLES


def plantrail(env: dict, *args: str, expect: int = 0) -> CliResult:
    return invoke(env, *args, expect=expect)


def test_an_encrypted_store_keeps_plaintext_out_of_the_events_and_refuses_the_wrong_key(tmp_path: Path):
    base = {**os.environ, "PLANTRAIL_DATABASE_URL": str(tmp_path / "secret.db"), "PLANTRAIL_USER": "clerk"}
    key = plantrail(base, "keygen").stdout.strip()
    other = plantrail(base, "keygen").stdout.strip()
    assert key != other and len(key) == 44
    with_key = {**base, "PLANTRAIL_CIPHER_KEY": key}
    plantrail(with_key, "import", str(EXAMPLES))
    shown = json.loads(plantrail(with_key, "update", "SS_ICSAP_IMP1", "--progress", "75", "--format", "json").stdout)
    assert shown["progress"] == 75
    import sqlite3

    with sqlite3.connect(tmp_path / "secret.db") as conn:
        stored = b"".join(bytes(row[0]) for row in conn.execute("SELECT state FROM stored_events"))
    assert b"Christine Sutton" not in stored and b"Multi-agency" not in stored
    assert plantrail(with_key, "verify").returncode == 0

    wrong = plantrail({**base, "PLANTRAIL_CIPHER_KEY": other}, "update", "SS_ICSAP_IMP1", "--progress", "80", expect=2)
    assert "PLANTRAIL_CIPHER_KEY" in wrong.stderr and "Traceback" not in wrong.stderr
    missing = plantrail(base, "update", "SS_ICSAP_IMP1", "--progress", "80", expect=2)
    assert "PLANTRAIL_CIPHER_KEY" in missing.stderr and "Traceback" not in missing.stderr
    malformed = plantrail({**base, "PLANTRAIL_CIPHER_KEY": "not-a-key"}, "plans", expect=2)
    assert "PLANTRAIL_CIPHER_KEY" in malformed.stderr
    # Nothing was written by the refused commands.
    assert json.loads(plantrail(with_key, "show", "SS_ICSAP_IMP1", "--format", "json").stdout)["progress"] == 75
