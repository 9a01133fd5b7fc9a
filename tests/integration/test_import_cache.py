"""Re-importing a plan file or an action list skips the actions it imported before, unchanged, and
not changed since, and an action list unchanged into unchanged streams is not read at all
(plantrail/import_cache.py): the outcome is the same as merging every line again."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete

from domain.problems import InputProblemsError
from plantrail import imports
from plantrail.bootstrap import bootstrap
from plantrail.import_cache import imported_actions, imported_sheets
from plantrail.imports import SheetTarget, import_files
from tests.conftest import EXAMPLES, fixed_clock

PLAN_FILE = EXAMPLES / "sos-001.plan.json"


def trail_after(services, position: int) -> list[tuple]:
    """What each event after ``position`` did, without the parts that differ between stores."""
    return [
        (e["type"], e["action"], e["effective_on"], json.dumps(e["changes"], sort_keys=True), e["text"])
        for e in services.queries_history(position)
    ]


def open_store(url: str):
    services = bootstrap(url, clock=fixed_clock(datetime(2015, 3, 25, 12, tzinfo=UTC)))
    from projections.audit import history

    services.queries_history = lambda after: [e for e in history(services.engine, axis="recorded") if e["position"] > after]
    return services


def import_file(services, path: Path) -> dict:
    return import_files(services, [path], SheetTarget(None), actor="Covalent import").summary


def test_a_reimport_with_skipped_lines_records_what_merging_every_line_would(tmp_path: Path, database_url: str):
    other_url = str(tmp_path / "other.db")  # the store that merges every line: SQLite whichever the other
    edited = tmp_path / "sos-001.plan.json"
    data = json.loads(PLAN_FILE.read_text(encoding="utf-8"))
    edited.write_text(json.dumps(data), encoding="utf-8")
    cached, uncached = open_store(database_url), open_store(other_url)
    try:
        for s in (cached, uncached):
            assert import_file(s, edited)["events_recorded"] > 100
            # Changed since the import, by someone else: the file's due date is put back for it.
            s.app.revise_due_date("SOS 001", "SS_ICSAP_IMP1", date(2015, 9, 30), reason="later", actor="Liam Purdie")
            s.projector.catch_up()
        # The file changes too: a new note on one action, a new figure on another.
        data["actions"][5]["notes"].append({"text": "A late note.", "author": "LP", "on": "2015-03-20"})
        data["actions"][9]["progress"].append({"value": 90, "on": "2015-03-21"})
        edited.write_text(json.dumps(data), encoding="utf-8")
        with uncached.engine.begin() as conn:
            conn.execute(delete(imported_actions))  # this store merges every line again
        start = {id(s): s.projector.position() for s in (cached, uncached)}
        summaries = [import_file(s, edited) for s in (cached, uncached)]
        assert summaries[0] == summaries[1] and summaries[0]["events_recorded"] == 3
        assert trail_after(cached, start[id(cached)]) == trail_after(uncached, start[id(uncached)])
        assert {e[0] for e in trail_after(cached, start[id(cached)])} == {"NoteAdded", "ProgressUpdated", "DueDateRevised"}
        # And once more, unchanged: nothing, in both.
        assert [import_file(s, edited)["events_recorded"] for s in (cached, uncached)] == [0, 0]
    finally:
        cached.close()
        uncached.close()


def test_a_mistake_in_a_changed_line_is_named_at_its_own_place_in_the_file(tmp_path: Path, database_url: str):
    edited = tmp_path / "sos-001.plan.json"
    data = json.loads(PLAN_FILE.read_text(encoding="utf-8"))
    edited.write_text(json.dumps(data), encoding="utf-8")
    services = open_store(database_url)
    try:
        import_file(services, edited)
        data["actions"][7]["notes"].append({"text": "Bad date.", "author": "LP", "on": "31/31/2015"})
        data["actions"][12]["progress"].append({"value": 150, "on": "2015-03-21"})
        edited.write_text(json.dumps(data), encoding="utf-8")
        with pytest.raises(InputProblemsError) as schema_error:
            import_file(services, edited)
        assert "actions[12].progress[1].value" in str(schema_error.value)
        data["actions"][12]["progress"].pop()
        edited.write_text(json.dumps(data), encoding="utf-8")
        with pytest.raises(InputProblemsError) as date_error:
            import_file(services, edited)
        assert f"actions[7].notes[{len(data['actions'][7]['notes']) - 1}].on" in str(date_error.value)
    finally:
        services.close()


SHEET_HEADER = ["Code & Title", "Covalent Owner", "Due Date", "Progress", "Priority Area", "Latest note", "Note date"]
SHEET_ROWS = [
    ["CSV1 - Train the staff", "Liam Purdie", "2015-06-30", "20", "Workforce", "Dates agreed.", "2015-02-10"],
    ["CSV2 - Audit the files", "Val DeSouza", "2015-07-31", "35", "Quality", "First audit done.", "2015-02-12"],
    ["CSV3 - Publish the guide", "Liam Purdie", "2015-05-31", "50", "Workforce", "Draft with the printers.", "2015-02-14"],
]


def write_sheet(path: Path, rows: list[list[str]]) -> None:
    if path.suffix == ".csv":
        path.write_text("\n".join(",".join(cells) for cells in [SHEET_HEADER, *rows]) + "\n", encoding="utf-8")
        return
    from openpyxl import Workbook

    book = Workbook()
    for cells in [SHEET_HEADER, *rows]:
        book.active.append(cells)
    book.save(path)


def import_sheet(services, path: Path, exported_on: date) -> dict:
    target = SheetTarget("SHEET 1", "A sheet's plan", create_plan=True, register_owners=True, exported_on=exported_on)
    return import_files(services, [path], target, actor="Covalent import").summary


def forget_imports(services) -> None:
    """This store merges every row of the next import again."""
    with services.engine.begin() as conn:
        conn.execute(delete(imported_actions))
        conn.execute(delete(imported_sheets))


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_sheet_reimported_with_skipped_rows_records_what_merging_every_row_would(tmp_path: Path, database_url: str, suffix: str):
    sheet = tmp_path / f"actions{suffix}"
    write_sheet(sheet, SHEET_ROWS)
    cached, uncached = open_store(database_url), open_store(str(tmp_path / "other.db"))
    try:
        for s in (cached, uncached):
            assert import_sheet(s, sheet, date(2015, 3, 1))["actions_created"] == 3
            s.app.add_note("SHEET 1", "CSV2", "Changed since the import.", actor="Val DeSouza", effective_on=date(2015, 3, 2))
            s.projector.catch_up()
        with cached.engine.connect() as conn:
            assert len(conn.execute(imported_actions.select()).all()) == 3  # every row remembered: the next import can skip
        # One row changes in the file; the next import dates the sheet later, then it comes again unchanged.
        write_sheet(sheet, [[*SHEET_ROWS[0][:5], "Dates agreed; rooms booked.", SHEET_ROWS[0][6]], *SHEET_ROWS[1:]])
        for exported_on in (date(2015, 3, 1), date(2015, 3, 20)):
            forget_imports(uncached)
            start = {id(s): s.projector.position() for s in (cached, uncached)}
            summaries = [import_sheet(s, sheet, exported_on) for s in (cached, uncached)]
            assert summaries[0] == summaries[1] and summaries[0]["events_recorded"] > 0
            assert trail_after(cached, start[id(cached)]) == trail_after(uncached, start[id(uncached)])
        forget_imports(uncached)
        assert [import_sheet(s, sheet, date(2015, 3, 20))["events_recorded"] for s in (cached, uncached)] == [0, 0]
    finally:
        cached.close()
        uncached.close()


def test_an_unchanged_sheet_is_not_read_again_until_a_stream_it_merged_into_changes(tmp_path: Path, database_url: str, monkeypatch):
    sheet = tmp_path / "actions.csv"
    write_sheet(sheet, SHEET_ROWS)
    services = open_store(database_url)
    try:
        import_sheet(services, sheet, date(2015, 3, 1))  # makes the plan and its two priority areas
        import_sheet(services, sheet, date(2015, 3, 1))
        read = []
        original = imports.SHEETS[".csv"]
        monkeypatch.setitem(imports.SHEETS, ".csv", lambda path, options: read.append(path) or original(path, options=options))
        assert import_sheet(services, sheet, date(2015, 3, 1))["events_recorded"] == 0
        assert read == []  # the same bytes, read the same way, into streams as the import left them
        assert import_sheet(services, sheet, date(2015, 3, 2))["events_recorded"] > 0 and len(read) == 1  # dated otherwise: read
        services.app.add_note("SHEET 1", "CSV3", "Changed since.", actor="Liam Purdie", effective_on=date(2015, 3, 3))
        services.projector.catch_up()
        assert import_sheet(services, sheet, date(2015, 3, 2))["events_recorded"] == 0 and len(read) == 2  # an action moved on: read
        assert import_sheet(services, sheet, date(2015, 3, 2))["events_recorded"] == 0 and len(read) == 2
    finally:
        services.close()
