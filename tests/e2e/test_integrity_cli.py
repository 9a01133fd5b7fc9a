"""Integrity through the CLI: seals kept in a file, the read-model check, the report's own check,
and the history's flag on a recorded time that cannot be right."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.e2e.conftest import as_json
from tests.text_tables import table_rows


def test_seal_out_then_verify_seals_checks_every_seal_in_the_file(imported, tmp_path: Path):
    kept = tmp_path / "seals.txt"
    first = imported("seal", "--out", str(kept)).stdout.strip()
    imported("note", "SS_ICSAP_IMP1", "Cascade under way", "--on", "2015-04-01")
    second = imported("seal", "--out", str(kept)).stdout.strip()
    result = as_json(imported("verify", "--seals", str(kept), "--format", "json"))
    assert result["ok"] and [(s["seal"], s["ok"]) for s in result["seals"]] == [(first, True), (second, True)]
    # Rewrite the note's event and the chain after it: the seal taken after the note no longer holds.
    with sqlite3.connect(tmp_path / "cli.db") as conn:
        last = conn.execute("SELECT MAX(rowid) FROM stored_events").fetchone()[0]
        conn.execute("UPDATE stored_events SET state = replace(state, 'Cascade', 'Finished') WHERE rowid = ?", (last,))
    broken = as_json(imported("verify", "--seals", str(kept), "--format", "json", expect=1))
    assert [s["ok"] for s in broken["seals"]] == [True, False]
    assert broken["problems"][0]["positions"] == [last]


def test_verify_read_models_names_the_first_row_that_differs_and_the_report_refuses(imported, tmp_path: Path):
    assert as_json(imported("verify", "--read-models", "--format", "json"))["read_models"] is None
    true_progress = as_json(imported("show", "SS_ICSAP_IMP1", "--format", "json"))["progress"]
    assert true_progress != 100
    with sqlite3.connect(tmp_path / "cli.db") as conn:
        conn.execute("UPDATE view_actions SET progress = 100 WHERE code = 'SS_ICSAP_IMP1'")
    result = as_json(imported("verify", "--read-models", "--format", "json", expect=1))
    difference = result["read_models"]
    assert difference["table"] == "view_actions"
    assert (difference["live_row"]["code"], difference["live_row"]["progress"]) == ("SS_ICSAP_IMP1", 100)
    assert (difference["fresh_row"]["code"], difference["fresh_row"]["progress"]) == ("SS_ICSAP_IMP1", true_progress)
    out = tmp_path / "report.html"
    refused = imported("report", "SOS 001", "--as-at", "2015-03-25", "--out", str(out), expect=1)
    assert "read models of plan 'SOS 001' differ from its events" in refused.stderr and not out.exists()
    imported("rebuild")
    imported("report", "SOS 001", "--as-at", "2015-03-25", "--out", str(out))
    assert "plantrail-seal:v1:" in out.read_text()


def test_history_flags_an_event_recorded_before_the_one_stored_before_it(imported, tmp_path: Path):
    with sqlite3.connect(tmp_path / "cli.db") as conn:
        originator, version, topic, state = conn.execute(
            "SELECT originator_id, originator_version, topic, state FROM stored_events "
            "WHERE topic = 'plantrail:Action.ProgressUpdated' ORDER BY rowid DESC LIMIT 1"
        ).fetchone()
        forged = bytes(state).decode()
        import re

        forged = re.sub(
            r'"timestamp":\{"_type_":"datetime_iso","_data_":"[^"]+"\}',
            '"timestamp":{"_type_":"datetime_iso","_data_":"2015-03-01T09:00:00+00:00"}',
            forged,
        )
        conn.execute("INSERT INTO stored_events VALUES (?, ?, ?, ?)", (originator, version + 50, topic, forged.encode()))
    imported("verify")  # brings the projector up to date, as any writing command would
    entries = as_json(imported("history", "--axis", "recorded", "--format", "json"))
    assert entries[-1]["recorded_at"].startswith("2015-03-01T09:00")
    assert entries[-1]["time_flag"].startswith("recorded time is earlier than the event stored before it")
    assert [e for e in entries[:-1] if e["time_flag"]] == []
    shown = table_rows(imported("history", "--axis", "recorded").stdout, key="Recorded (UTC)")
    assert [r["Recorded (UTC)"] for r in shown if "⚠ recorded time suspect" in r["Effective"]] == ["2015-03-01 09:00"]
    assert len(shown) == len(entries)
