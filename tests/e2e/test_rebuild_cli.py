"""`plantrail rebuild` through the CLI: a failure names the event and leaves the views; an
accepted mismatch is recorded in the history."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.e2e.conftest import as_json


def tamper(db: Path, position: int) -> None:
    with sqlite3.connect(db) as conn:
        state = bytes(conn.execute("SELECT state FROM stored_events WHERE rowid = ?", (position,)).fetchone()[0])
        conn.execute(
            "UPDATE stored_events SET state = ? WHERE rowid = ?", (state.replace(b'"actor":"', b'"actor":"Mallory for ', 1), position)
        )


def test_a_rebuild_refused_at_a_changed_event_names_it_and_the_plans_are_still_there(imported, tmp_path: Path):
    before = as_json(imported("actions", "SOS 001", "--format", "json"))
    tamper(tmp_path / "cli.db", 150)
    refused = imported("rebuild", expect=1)
    assert refused.stderr.startswith("plantrail: error: rebuild stopped: event 150 (")
    assert "does not match its chain link" in refused.stderr and "read models are as they were" in refused.stderr
    assert len(refused.stderr.splitlines()) == 1
    assert [p["code"] for p in as_json(imported("plans", "--format", "json"))] == ["SOS 001", "SS SAAP 2014"]
    assert as_json(imported("actions", "SOS 001", "--format", "json")) == before


def test_rebuild_accept_mismatch_projects_the_event_and_records_the_decision(imported, tmp_path: Path):
    tamper(tmp_path / "cli.db", 150)
    done = imported("rebuild", "--accept-mismatch", "--reason", "restored from a damaged backup", "--by", "Auditor")
    assert "Accepted: event 150: a stored event was altered" in done.stderr
    decisions = as_json(imported("history", "--type", "MismatchAccepted", "--format", "json"))
    assert len(decisions) == 1
    assert decisions[0]["actor"] == "Auditor" and decisions[0]["reason"] == "restored from a damaged backup"
    assert decisions[0]["changes"] == {"accepted_mismatches": [None, [150]]}
    # verify still reports the changed event: accepting it is not forgetting it.
    assert imported("verify", expect=1).returncode == 1
    assert json.loads(imported("verify", "--format", "json", expect=1).stdout)["position"] == 150
