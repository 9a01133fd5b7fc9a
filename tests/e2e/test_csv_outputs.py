"""Every CSV output starts with a BOM, keeps formula-looking text inert and writes plain values."""

import csv
import io
from pathlib import Path

import pytest

FORMULA_NOTE = '=HYPERLINK("http://evil.example","Open")'


@pytest.fixture
def noted(recording_directly):
    imported = recording_directly
    imported("note", "SS_ICSAP_IMP1", FORMULA_NOTE, "--on", "2015-03-24")
    imported("note", "SS_ICSAP_IMP2", "--on", "2015-03-24", "--", "-2+3 staff trained")
    imported("redate", "SS_ICSAP_PAR1", "--due", "2015-06-30", "--reason", "@consultation extended", "--on", "2015-03-24")
    return imported


def parsed(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff"), text[:20]
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def test_the_report_csv_has_a_bom_inert_notes_and_the_seeds_en_dashes(noted, tmp_path: Path):
    out = tmp_path / "report.csv"
    noted("report", "SOS 001", "--as-at", "2015-03-25", "--out", str(out), "--format", "csv")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = {r["code"]: r for r in parsed(raw.decode("utf-8"))}
    assert rows["SS_ICSAP_IMP1"]["latest_note"] == "'" + FORMULA_NOTE
    assert rows["SS_ICSAP_IMP2"]["latest_note"] == "'-2+3 staff trained"
    assert rows["SS_ICSAP_TRAN3"]["owners"] == "Maureen Dryden; Liam Purdie"
    assert rows["SS_ICSAP_TRAN3"]["progress"] == "66"
    assert "–" in rows["SS_ICSAP_GIR1"]["latest_note"]  # decoded as UTF-8 thanks to the BOM


def test_history_and_changes_csv_write_plain_values_and_neutralise_formulas(noted):
    history = parsed(noted("history", "SS_ICSAP_PAR1", "--format", "csv").stdout)
    redate = history[-1]
    assert (redate["type"], redate["reason"]) == ("DueDateRevised", "'@consultation extended")
    assert redate["changes"] == "due date: 2015-03-31 → 2015-06-30; due date revisions: 0 → 1"
    notes = parsed(noted("history", "SS_ICSAP_IMP1", "--type", "NoteAdded", "--since", "2015-03-24", "--format", "csv").stdout)
    assert [n["text"] for n in notes] == ["'" + FORMULA_NOTE]
    changes = {
        r["code"]: r for r in parsed(noted("changes", "SOS 001", "--from", "2015-03-20", "--to", "2015-03-25", "--format", "csv").stdout)
    }
    assert changes["SS_ICSAP_PAR1"]["due_date_revisions"] == "2015-03-24: 2015-03-31 → 2015-06-30 (@consultation extended)"
    assert changes["SS_ICSAP_PAR1"]["status"] == "Warning → OK"
    assert changes["SS_ICSAP_IMP1"]["new_notes"].endswith("2015-03-24: " + FORMULA_NOTE)
