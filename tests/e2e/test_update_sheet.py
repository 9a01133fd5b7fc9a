"""The bulk-update round trip: export a sheet, owners fill it in (openpyxl, as Excel would save
it), import it; events carry the sheet's named people; rows changed since the export are refused."""

from pathlib import Path

from openpyxl import load_workbook

from tests.e2e.conftest import as_json

COLUMNS = {"code": 2, "new_progress": 9, "new_note": 10, "by": 11}


def fill(path: Path, rows: dict[str, tuple]) -> None:
    book = load_workbook(path)
    sheet = book["Updates"]
    for row in sheet.iter_rows(min_row=2):
        code = row[COLUMNS["code"] - 1].value
        if code in rows:
            progress, note, by = rows[code]
            row[COLUMNS["new_progress"] - 1].value = progress
            row[COLUMNS["new_note"] - 1].value = note
            if note and note.startswith("="):
                row[COLUMNS["new_note"] - 1].data_type = "s"  # typed as text ('=…), as an owner would
            row[COLUMNS["by"] - 1].value = by
    book.save(path)


def test_owners_fill_an_exported_sheet_and_each_row_is_recorded_as_theirs(imported, tmp_path: Path):
    sheet = tmp_path / "updates.xlsx"
    imported("export-updates", "SOS 001", "--owner", "liam purdie", "--out", str(sheet))
    book = load_workbook(sheet)
    listed = [row[1] for row in book["Updates"].iter_rows(min_row=2, values_only=True)]
    open_ones = [
        a["code"]
        for a in as_json(imported("actions", "SOS 001", "--owner", "Liam Purdie", "--format", "json"))
        if a["status"] != "Complete"
    ]
    assert listed == open_ones and "SS_ICSAP_TRAN3" in listed
    assert book["Updates"].column_dimensions["L"].hidden
    fill(
        sheet,
        {
            "SS_ICSAP_TRAN3": (80, "Second workshop held", "liam purdie"),
            "SS_ICSAP_TRAN2": (None, "=SUM(A1:A9) staff briefed", "Maureen Dryden"),
        },
    )
    result = imported("import-updates", str(sheet), "--on", "2015-03-26")
    assert "2 row(s) recorded, 0 refused" in result.stdout
    tran3 = as_json(imported("history", "SS_ICSAP_TRAN3", "--since", "2015-03-26", "--format", "json"))
    assert [(e["type"], e["actor"], e["effective_on"]) for e in tran3] == [
        ("ProgressUpdated", "Liam Purdie", "2015-03-26"),
        ("NoteAdded", "Liam Purdie", "2015-03-26"),
    ]
    assert tran3[0]["changes"]["progress"] == [66, 80] and tran3[1]["text"] == "Second workshop held"
    assert tran3[0]["source"] == "sheet"
    tran2 = as_json(imported("show", "SS_ICSAP_TRAN2", "--format", "json"))
    assert tran2["latest_note"]["text"] == "=SUM(A1:A9) staff briefed" and tran2["latest_note"]["author"] == "Maureen Dryden"
    # The same sheet again: its own people's changes are no conflict, and nothing is recorded twice.
    again = imported("import-updates", str(sheet), "--on", "2015-03-26")
    assert "0 row(s) recorded, 0 refused, 2 already recorded" in again.stdout
    assert len(as_json(imported("history", "SS_ICSAP_TRAN3", "--since", "2015-03-26", "--format", "json"))) == 2


def test_a_row_changed_by_someone_else_since_the_export_is_refused_and_the_rest_recorded(imported, tmp_path: Path):
    sheet = tmp_path / "updates.xlsx"
    imported("export-updates", "SOS 001", "--out", str(sheet))
    imported("update", "SS_ICSAP_PAR1", "--progress", "60", "--by", "David Leng", "--on", "2015-03-25")
    fill(sheet, {"SS_ICSAP_PAR1": (55, None, "Val DeSouza"), "SS_ICSAP_MOR1": (50, None, "Val DeSouza")})
    refused = imported("import-updates", str(sheet), "--on", "2015-03-26", "--format", "json", expect=1)
    outcome = as_json(refused)
    assert [(r["code"], r["by"]) for r in outcome["recorded"]] == [("SS_ICSAP_MOR1", "Val DeSouza")]
    assert [r["code"] for r in outcome["refused"]] == ["SS_ICSAP_PAR1"]
    assert "ProgressUpdated by David Leng" in outcome["refused"][0]["reason"]
    assert as_json(imported("show", "SS_ICSAP_PAR1", "--format", "json"))["progress"] == 60


def test_bad_values_refuse_the_whole_sheet_with_every_problem_and_write_nothing(imported, tmp_path: Path):
    sheet = tmp_path / "updates.xlsx"
    imported("export-updates", "SOS 001", "--out", str(sheet))
    fill(
        sheet,
        {
            "SS_ICSAP_PAR1": (150, None, "Val DeSouza"),
            "SS_ICSAP_MOR1": (50, None, "Val De Souza"),
            "SS_ICSAP_VIS1": (50, None, None),
            "SS_ICSAP_ICSP1": (90, "Fine", "Val DeSouza"),
        },
    )
    before = imported("history", "--format", "json").stdout
    refused = imported("import-updates", str(sheet), expect=2)
    assert "3 problems; nothing was imported:" in refused.stderr
    assert "(SS_ICSAP_PAR1): New progress %: must be a whole number from 0 to 100, got 150" in refused.stderr
    assert "(SS_ICSAP_MOR1): Updated by: 'Val De Souza' is not a registered person; did you mean 'Val DeSouza'?" in refused.stderr
    assert "(SS_ICSAP_VIS1): Updated by: say who gave this update" in refused.stderr
    assert imported("history", "--format", "json").stdout == before
