"""Property-based: malformed input of every kind ends in exit 2, a message naming the place,
and a store exactly as it was (compared by a digest of the whole database)."""

from __future__ import annotations

import copy
import hashlib
import json
import re
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from plantrail.cli import main
from tests.conftest import EXAMPLES

SEED = json.loads((EXAMPLES / "sos-001.plan.json").read_text())
SMALL = {**SEED, "plan": {**SEED["plan"], "code": "PROP 1"}, "actions": copy.deepcopy(SEED["actions"][:4])}
PLACE = re.compile(r"(actions|people|priorities|committees|plan)(\[\d+\]|\.|\b)|\(top level\)|line \d+|row \d+|UTF-8|format")
CASES = {"json": 0, "csv": 0, "xlsx": 0, "cli": 0, "objects": 0}


@pytest.fixture(scope="module", autouse=True)
def report_case_counts():
    """Prints how many cases ran (for the closing note; visible with pytest -s)."""
    yield
    print(f"\nbad-input cases run: {CASES}")


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("props")
    database = folder / "store.db"
    assert run(["--db", str(database), "import", str(EXAMPLES / "sos-001.plan.json")]) == (0, "")
    return database


def run(argv: list[str]) -> tuple[int, str]:
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            main(argv)
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
    return code, err.getvalue()


def digest(database: Path) -> str:
    with sqlite3.connect(database) as conn:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()


BAD_DATES = st.sampled_from(["2015-02-31", "31-Feb-2015", "2015-13-01", "", "yesterday", "31/02/2015", "20150203", "Mar 2015"])
# At the command line "yesterday" is a date; everything else above is still wrong there.
BAD_TYPED_DATES = st.sampled_from(["2015-02-31", "31-Feb-2015", "2015-13-01", "", "31/02/2015", "20150203", "Mar 2015", "-7x"])
BAD_PROGRESS = st.sampled_from([150, -1, "abc", 1.5, None, True, "70%"])
WRONG_TYPES = st.sampled_from([17, -3, 2.5, True, None, [], {}, ["x"], "text"])
CONTROL = st.sampled_from(["\x00", "\x07", "\x1b[31m", "\r", "\x0b", "\x7f"])


def mutations() -> st.SearchStrategy:
    field_paths = [("title",), ("code",), ("owners",), ("due_date",), ("priority",), ("priority_area",), ("notes",), ("sub_actions",)]
    return st.one_of(
        st.tuples(st.just("date"), st.sampled_from(["due_date", "added_on"]), BAD_DATES),
        st.tuples(st.just("progress"), BAD_PROGRESS),
        st.tuples(st.just("type"), st.sampled_from(field_paths), WRONG_TYPES),
        st.tuples(st.just("missing"), st.sampled_from(["code", "title"])),
        st.tuples(
            st.just("owner"), st.text(min_size=1, max_size=20).filter(lambda s: s.strip() and s not in {p["name"] for p in SEED["people"]})
        ),
        st.tuples(st.just("duplicate")),
        st.tuples(st.just("huge"), st.sampled_from(["title", "note"])),
        st.tuples(st.just("control"), st.sampled_from(["title", "note", "description"]), CONTROL),
        st.tuples(st.just("truncate"), st.floats(min_value=0.01, max_value=0.99)),
        st.tuples(st.just("bytes")),
    )


def mutate(mutation: tuple, index: int) -> bytes:
    doc = copy.deepcopy(SMALL)
    action = doc["actions"][index]
    kind = mutation[0]
    if kind == "date":
        action[mutation[1]] = mutation[2]
    elif kind == "progress":
        action["progress"] = [{"value": mutation[1], "on": "2015-01-05"}]
    elif kind == "type":
        value = mutation[2]
        if (mutation[1][0] in ("owners", "notes", "sub_actions") and value == []) or (mutation[1][0] == "title" and value == "text"):
            value = 17  # those values would be valid there
        if mutation[1][0] in ("due_date",) and value is None:
            value = 17
        if mutation[1][0] == "priority" and value is None:
            value = "Urgent"
        if mutation[1][0] == "code" and value == "text":
            value = 42
        action[mutation[1][0]] = value
    elif kind == "missing":
        del action[mutation[1]]
    elif kind == "owner":
        action["owners"] = [mutation[1]]
    elif kind == "duplicate":
        doc["actions"].append(copy.deepcopy(action))
    elif kind == "huge":
        if mutation[1] == "title":
            action["title"] = "T" * 600
        else:
            action["notes"] = [{"text": "N" * 25_000, "author": "LP", "on": "2015-01-05"}]
    elif kind == "control":
        where, char = mutation[1], mutation[2]
        if where == "note":
            action["notes"] = [{"text": f"before{char}after", "author": "LP", "on": "2015-01-05"}]
        else:
            action[where] = f"Some{char}text"
    text = json.dumps(doc, ensure_ascii=False)
    if kind == "truncate":
        return text[: max(1, int(len(text) * mutation[1]))].encode()
    if kind == "bytes":
        return text.replace("Training", "Tr\xe4ining").encode("latin-1", errors="replace") + b"\xff"
    return text.encode("utf-8")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutation=mutations(), index=st.integers(min_value=0, max_value=3))
def test_a_bad_plan_file_exits_2_names_the_place_and_changes_nothing(store, tmp_path_factory, mutation, index):
    path = tmp_path_factory.mktemp("case") / "bad-plan.json"
    path.write_bytes(mutate(mutation, index))
    before = digest(store)
    code, err = run(["--db", str(store), "import", str(path)])
    CASES["json"] += 1
    assert code == 2, (mutation, err)
    assert str(path) in err and PLACE.search(err), (mutation, err)
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert digest(store) == before


CSV_HEADER = "Code & Title,Description,Covalent Owner,Due Date,Progress,Priority Area,Priority"
GOOD_ROW = ["NEW1 New action", "Do it", "Liam Purdie", "30-Apr-2015", "40%", "Risk Assessment Processes", "High"]


BAD_CELLS = st.one_of(
    st.tuples(st.just(0), st.sampled_from(["NOSPACE", "", "x\x00y Title", "CODE \x07title"])),
    st.tuples(st.just(2), st.sampled_from(["Unknown Person", "Liam Purdie; Nobody Here", "x\x00y"])),
    st.tuples(st.just(3), BAD_DATES.filter(bool)),  # a blank due date is allowed
    st.tuples(st.just(4), st.sampled_from(["150", "-1", "abc", "1.5", "101%", "7 0"])),
    st.tuples(st.just(6), st.sampled_from(["Urgent", "abc", "H"])),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cell=BAD_CELLS)
def test_a_bad_csv_row_exits_2_names_the_row_and_field_and_changes_nothing(store, tmp_path_factory, cell):
    column, value = cell
    row = list(GOOD_ROW)
    row[column] = value
    path = tmp_path_factory.mktemp("case") / "bad.csv"
    path.write_text(CSV_HEADER + "\n" + ",".join(GOOD_ROW).replace("NEW1", "NEW0") + "\n" + ",".join(row) + "\n")
    before = digest(store)
    code, err = run(["--db", str(store), "import", str(path), "--plan", "SOS 001"])
    CASES["csv"] += 1
    assert code == 2, (column, value, err)
    assert str(path) in err and "row 3" in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert digest(store) == before


XLSX_BAD_CELLS = st.one_of(
    BAD_CELLS,
    st.tuples(st.just(3), st.sampled_from([-5, 3_000_000, 1.5e9, True])),  # numbers that are no Excel date
    st.tuples(st.just(4), st.sampled_from([150, -1, 0.5, 1.5])),  # progress as numbers
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cell=XLSX_BAD_CELLS, rows_before=st.integers(min_value=0, max_value=3))
def test_a_bad_xlsx_row_exits_2_names_the_row_and_changes_nothing(store, tmp_path_factory, cell, rows_before):
    from openpyxl import Workbook
    from openpyxl.utils.exceptions import IllegalCharacterError

    column, value = cell
    book = Workbook()
    book.active.append(CSV_HEADER.split(","))
    for n in range(rows_before):
        book.active.append([f"NEW{n} New action", *GOOD_ROW[1:]])
    row = list(GOOD_ROW)
    row[column] = value
    try:
        book.active.append(row)
    except IllegalCharacterError:  # a control character openpyxl itself will not write
        assume(False)
    path = tmp_path_factory.mktemp("case") / "bad.xlsx"
    book.save(path)
    before = digest(store)
    code, err = run(["--db", str(store), "import", str(path), "--plan", "SOS 001"])
    CASES["xlsx"] += 1
    assert code == 2, (column, value, err)
    assert str(path) in err and f"row {rows_before + 2}" in err, err
    assert "Traceback" not in err
    assert digest(store) == before


def argv(*parts: str | st.SearchStrategy) -> st.SearchStrategy:
    """Command-line arguments: fixed words as they are, strategies where the bad value goes."""
    return st.tuples(*(st.just(p) if isinstance(p, str) else p for p in parts))


NEW_PLAN = ("plan", "create", "NEW", "--title", "T")
NEW_ACTION = ("action", "add", "SOS 001", "NEW9", "--title", "T", "--owner", "Liam Purdie", "--due")
OBJECT_COMMANDS = st.one_of(
    argv("plan", "create", st.sampled_from(["", "X\x00Y", "C" * 300]), "--title", "T"),
    argv("plan", "create", "NEW", "--title", st.sampled_from(["", "T\x07"])),
    argv(*NEW_PLAN, "--warning-days", st.sampled_from(["-1", "366", "x"])),
    argv(*NEW_PLAN, "--timezone", st.sampled_from(["Mars/Base", "", "UTC+1"])),
    argv("plan", "priority", "add", "SOS 001", st.sampled_from(["", "N\x00"])),
    argv("plan", "priority", "add", "SOS 001", "Name", "--number", st.sampled_from(["0", "-2", "x"])),
    argv("plan", "committee", "add", "SOS 001", "--meets-on", BAD_TYPED_DATES),
    argv("action", "add", "SOS 001", st.sampled_from(["", "A\x1b"]), *NEW_ACTION[4:], "2015-06-30"),
    argv(*NEW_ACTION, BAD_TYPED_DATES),
    argv(*NEW_ACTION, "2015-06-30", "--priority", st.sampled_from(["Urgent", ""])),
    argv("person", "add", st.sampled_from(["", "P\x00Q", "N" * 300])),
    argv("person", "add", "New Person", "--email", st.sampled_from(["no-at-sign", "a@b", "a b@c.org"])),
    argv("person", "edit", "Liam Purdie", "--email", st.sampled_from(["no-at-sign", "x y@z.org"]), "--reason", "moved"),
    argv("person", "edit", "Liam Purdie", "--email", "l@example.org"),
    argv("reopen", "SS_ICSAP_IMP1", "--progress", st.sampled_from(["100", "-1", "x"])),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(args=OBJECT_COMMANDS)
def test_bad_input_to_the_object_commands_exits_2_and_changes_nothing(store, args):
    before = digest(store)
    code, err = run(["--db", str(store), *list(args)])
    CASES["objects"] += 1
    assert code == 2, (args, err)
    assert err.strip() and "Traceback" not in err
    assert digest(store) == before


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    args=st.one_of(
        st.tuples(
            st.just("update"), st.just("SS_ICSAP_IMP1"), st.just("--progress"), st.sampled_from(["150", "-1", "abc", "1.5", "", "70%"])
        ),
        st.tuples(st.just("update"), st.just("SS_ICSAP_IMP1"), st.just("--progress"), st.just("5"), st.just("--on"), BAD_TYPED_DATES),
        st.tuples(st.just("redate"), st.just("SS_ICSAP_IMP1"), st.just("--due"), BAD_TYPED_DATES, st.just("--reason"), st.just("slip")),
        st.tuples(st.just("note"), st.just("SS_ICSAP_IMP1"), st.builds(lambda c: f"no{c}te", CONTROL)),
        st.tuples(st.just("show"), st.just("SS_ICSAP_IMP1"), st.just("--as-at"), BAD_TYPED_DATES),
        st.tuples(st.just("actions"), st.just("--due-before"), BAD_TYPED_DATES),
        st.tuples(st.just("actions"), st.just("--status"), st.sampled_from(["late", "", "red"])),
        st.tuples(st.just("history"), st.just("--type"), st.sampled_from(["progress", "Nothing", ""])),
        st.tuples(
            st.just("show"),
            st.just("SS_ICSAP_IMP1"),
            st.just("--known-at"),
            st.sampled_from(["noon", "2015-13-40T10:00", "2015-03-25T25:00"]),
        ),
        st.tuples(st.just("summary"), st.just("SOS 001"), st.just("--format"), st.sampled_from(["xml", "JSON", ""])),
        st.tuples(st.just("cancel"), st.just("SS_ICSAP_IMP1")),
    )
)
def test_bad_command_line_arguments_exit_2_and_change_nothing(store, args):
    before = digest(store)
    code, err = run(["--db", str(store), *list(args)])
    CASES["cli"] += 1
    assert code == 2, (args, err)
    assert err.strip() and "Traceback" not in err
    assert digest(store) == before
