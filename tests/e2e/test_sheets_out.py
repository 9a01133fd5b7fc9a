"""Spreadsheets out: the report and any action list as workbooks, opened back with openpyxl."""

from pathlib import Path

from openpyxl import load_workbook

from tests.e2e.conftest import as_json
from tests.e2e.test_history_cli import PUBLISHED

FORMULA_NOTE = '=HYPERLINK("http://evil.example","Open")'


def test_the_report_workbook_has_the_summary_and_a_sheet_per_priority_with_inert_text(imported, tmp_path: Path):
    imported("note", "SS_ICSAP_IMP1", FORMULA_NOTE, "--on", "2015-03-24")
    out = tmp_path / "sos-001.xlsx"
    imported("report", "SOS 001", "--as-at", "2015-03-25", "--out", str(out), "--format", "xlsx")
    book = load_workbook(out)
    assert book.sheetnames == ["Summary", *[f"{p['number']}. {p['name']}" for p in PUBLISHED]]
    summary = book["Summary"]
    assert summary["A1"].value == "SOS 001 Children's Inspection Action Plan — as at 2015-03-25"
    header = [c.value for c in summary[2]]
    assert header == ["Strategic priority", "▲ Alert", "◆ Warning", "● OK", "✔ Complete", "Total"]
    counted = {row[0]: row[1:5] for row in summary.iter_rows(min_row=3, values_only=True)}
    for p in PUBLISHED:
        assert counted[f"{p['number']}. {p['name']}"] == (p["alert"], p["warning"], p["ok"], p["complete"])
    assert counted["Total"] == (0, 11, 16, 23)
    actions = {a["code"]: a for a in as_json(imported("actions", "SOS 001", "--as-at", "2015-03-25", "--format", "json"))}
    for p in PUBLISHED:
        sheet = book[f"{p['number']}. {p['name']}"]
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:M{sheet.max_row}"
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
        assert len(rows) == sum(p[k] for k in ("alert", "warning", "ok", "complete"))
        for code, title, owners, due, _, _, progress, status, *_ in rows:
            a = actions[code]
            assert (title, owners or "", due, progress) == (a["title"], "; ".join(a["owners"]), a["due_date"], a["progress"])
            assert status.split(" ", 1)[1] == a["status"] and status[0] in "▲◆●✔"
    risk = book["1. Risk Assessment Processes"]
    note_cell = next(row[11] for row in risk.iter_rows(min_row=2) if row[0].value == "SS_ICSAP_IMP1")
    assert (note_cell.value, note_cell.data_type) == (FORMULA_NOTE, "s")
    formulas = [c.coordinate for sheet in book for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


def test_actions_across_plans_as_a_workbook(imported, tmp_path: Path):
    out = tmp_path / "overdue.xlsx"
    imported("actions", "--status", "alert", "--status", "warning", "--as-at", "2015-04-02", "--format", "xlsx", "--out", str(out))
    listed = as_json(imported("actions", "--status", "alert", "--status", "warning", "--as-at", "2015-04-02", "--format", "json"))
    book = load_workbook(out)
    codes = [row[0] for name in book.sheetnames[1:] for row in book[name].iter_rows(min_row=2, values_only=True)]
    assert codes == [a["code"] for a in listed]
    assert all(name.startswith(("SOS 001 ", "SS SAAP 2014 ")) for name in book.sheetnames[1:])
    assert all(len(name) <= 31 for name in book.sheetnames)
    imported("actions", "--format", "xlsx", expect=2)  # a workbook needs --out
