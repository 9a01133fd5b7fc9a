"""Re-importing a plan file skips the actions it imported before, unchanged, and not changed since
(plantrail/import_cache.py): the outcome is the same as merging every line again."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete

from domain.problems import InputProblemsError
from plantrail.bootstrap import bootstrap
from plantrail.import_cache import imported_actions
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
