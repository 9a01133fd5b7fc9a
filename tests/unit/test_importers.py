import copy
import json
from datetime import date
from pathlib import Path

import pytest

from plantrail.importers import ImportFileError
from plantrail.importers.csv_actions import read_actions_csv
from plantrail.importers.json_plan import plan_from_data, read_plan_file, schema
from plantrail.importers.sheet import SheetOptions

MINIMAL = {
    "format": "plantrail-plan/1",
    "plan": {"code": "T 1", "title": "Test plan"},
    "people": [{"name": "Ann Owner"}],
    "actions": [
        {"code": "A1", "title": "First", "owners": ["Ann Owner"], "due_date": "2015-04-30", "progress": [{"value": 10, "on": "2015-01-01"}]}
    ],
}


def with_action(**fields):
    data = json.loads(json.dumps(MINIMAL))
    data["actions"][0].update(fields)
    return data


def test_a_valid_document_reads_into_plain_values():
    doc = plan_from_data(MINIMAL, "t.json")
    action = doc.actions[0]
    assert (doc.code, action.code, action.due_date, action.progress[0].progress) == ("T 1", "A1", date(2015, 4, 30), 10)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"due_date": "2015-02-31"}, "t.json: actions[0].due_date: '2015-02-31' is not a real date"),
        ({"due_date": "31-Feb-2015"}, "t.json: actions[0].due_date"),
        ({"progress": [{"value": 150, "on": "2015-01-01"}]}, "t.json: actions[0].progress[0].value"),
        ({"progress": [{"value": "abc", "on": "2015-01-01"}]}, "t.json: actions[0].progress[0].value"),
        ({"title": ""}, "t.json: actions[0].title"),
        ({"colour": "red"}, "t.json: actions[0]: colour: not a field plantrail knows (known: added_on, code,"),
        ({"priority": "Urgent"}, "t.json: actions[0].priority: priority: must be one of High, Medium, Low, got 'Urgent'"),
    ],
)
def test_errors_name_the_file_the_json_path_and_the_field(fields, expected):
    with pytest.raises(ImportFileError) as caught:
        plan_from_data(with_action(**fields), "t.json")
    assert str(caught.value).startswith(expected)


def test_malformed_json_names_the_line(tmp_path: Path):
    path = tmp_path / "bad.json"
    path.write_text('{"format": "plantrail-plan/1",\n "plan": }')
    with pytest.raises(ImportFileError, match=r"bad.json: line 2 column"):
        read_plan_file(path)


def test_non_utf8_bytes_are_refused(tmp_path: Path):
    path = tmp_path / "latin1.json"
    path.write_bytes('{"plan": "Caf\u00e9"}'.encode("latin-1"))
    with pytest.raises(ImportFileError, match="not UTF-8"):
        read_plan_file(path)


CSV = """Code & Title,Description,Covalent Owner,Due Date,Progress,Priority Area,Priority
SS_ICSAP_IMP1 Training,Implement training,Christine Sutton,30-Apr-2015,70%,Risk Assessment Processes,High
SS_ICSAP_IMP2 Staff awareness,Raise awareness,Val DeSouza; David Leng,2015-12-31,100,Risk Assessment Processes,High
SS_ICSAP_ARR1 Systematic approach,Review plans,Pat Preece,31-Mar-2015,75,Children's Plans,
"""


def read_csv(tmp_path: Path, text: str, **kw):
    path = tmp_path / "actions.csv"
    path.write_text(text, encoding="utf-8")
    options = {
        "plan_code": "SOS 001",
        "plan_title": None,
        "exported_on": date(2015, 3, 25),
        "register_owners": True,
        "known_priorities": {},
        "note_author": "clerk",
    }
    return read_actions_csv(path, options=SheetOptions(**(options | kw))).document


def test_csv_rows_become_actions_with_priorities_in_order_of_appearance(tmp_path: Path):
    doc = read_csv(tmp_path, CSV)
    assert [a.code for a in doc.actions] == ["SS_ICSAP_IMP1", "SS_ICSAP_IMP2", "SS_ICSAP_ARR1"]
    assert doc.actions[1].owners == ["Val DeSouza", "David Leng"]
    assert [(p.number, p.name) for p in doc.priorities] == [(1, "Risk Assessment Processes"), (2, "Children's Plans")]
    assert doc.actions[0].due_date == date(2015, 4, 30) and doc.actions[0].progress[0].progress == 70
    assert doc.actions[2].priority is None
    assert {p.name for p in doc.people} == {"Christine Sutton", "Val DeSouza", "David Leng", "Pat Preece"}


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("X1 Title,d,Ann,31-Feb-2015,10,Area,High", "row 2: Due Date"),
        ("X1 Title,d,Ann,2015-01-01,150,Area,High", "row 2: Progress"),
        ("X1 Title,d,Ann,2015-01-01,abc,Area,High", "row 2: Progress"),
        ("X1 Title,d,Ann,2015-01-01,10,Area,Urgent", "row 2: Priority"),
        ("X1,d,Ann,2015-01-01,10,Area,High", "row 2: Code & Title: expected a code then a title"),
    ],
)
def test_csv_errors_name_the_row_and_the_column(tmp_path: Path, row: str, expected: str):
    with pytest.raises(ImportFileError, match=expected):
        read_csv(tmp_path, CSV.splitlines()[0] + "\n" + row + "\n")


def test_csv_without_required_columns_is_refused(tmp_path: Path):
    with pytest.raises(ImportFileError, match="row 1: the sheet's columns are 'Title', 'Owner'; it needs 'Code & Title'"):
        read_csv(tmp_path, "Title,Owner\nx,y\n")


def test_a_plan_file_reports_every_problem_at_once_in_plain_words():
    data = with_action(due_date="Mar 2015", title=17, priority="high", colour="red")
    data["actions"][0]["progress"] = [{"value": 150, "on": "2015-01-01"}]
    del data["plan"]["title"]
    with pytest.raises(ImportFileError) as caught:
        plan_from_data(data, "t.json")
    problems = caught.value.problems
    assert "t.json: plan: title: missing (it is required)" in problems
    assert "t.json: actions[0].title: must be text, got 17" in problems
    assert "t.json: actions[0].progress[0].value: must be at most 100, got 150" in problems
    assert any(p.startswith("t.json: actions[0]: colour: not a field plantrail knows") for p in problems)
    assert len(problems) == 4 and str(caught.value).startswith("4 problems; nothing was imported:")


def test_a_plan_file_takes_a_bom_council_dates_and_priorities_in_any_case(tmp_path: Path):
    data = with_action(due_date="30/04/2015", priority="high", added_on="1 April 2014")
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(data).encode("utf-8"))
    action = read_plan_file(path).actions[0]
    assert (action.due_date, action.priority, action.added_on) == (date(2015, 4, 30), "High", date(2014, 4, 1))
    with pytest.raises(ImportFileError, match=r"actions\[0\].due_date: 'Mar 2015' is not a whole date: give the day too"):
        plan_from_data(with_action(due_date="Mar 2015"), "t.json")


# ----- every kind of schema error in the clerk's words: whole messages, written out here from
# plantrail/schemas/plan.schema.json (read as a file, not through plantrail)

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "plantrail" / "schemas" / "plan.schema.json"
ACTION_FIELDS = sorted(json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))["properties"]["actions"]["items"]["properties"])


def problems(change) -> list[str]:
    data = copy.deepcopy(MINIMAL)
    change(data)
    with pytest.raises(ImportFileError) as caught:
        plan_from_data(data, "t.json")
    return caught.value.problems


def test_the_schema_plantrail_validates_with_is_the_published_file():
    assert schema() == json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def set_at(path: tuple, value):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def drop(path: tuple):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (drop(("plan",)), "t.json: (top level): plan: missing (it is required)"),
        (drop(("actions", 0, "code")), "t.json: actions[0]: code: missing (it is required)"),
        (
            set_at(("actions", 0, "colour"), "red"),
            f"t.json: actions[0]: colour: not a field plantrail knows (known: {', '.join(ACTION_FIELDS)})",
        ),
        (set_at(("plan", "warning_days"), "14"), "t.json: plan.warning_days: must be a whole number, got '14'"),
        (set_at(("people",), {"name": "Ann"}), "t.json: people: must be a list, got {'name': 'Ann'}"),
        (set_at(("people", 0), "Ann Owner"), "t.json: people[0]: must be an object, got 'Ann Owner'"),
        (set_at(("actions", 0, "title"), ""), "t.json: actions[0].title: must not be empty"),
        (set_at(("actions", 0, "title"), "x" * 501), "t.json: actions[0].title: 501 characters, at most 500 allowed"),
        (set_at(("plan", "warning_days"), -1), "t.json: plan.warning_days: must be at least 0, got -1"),
        (set_at(("plan", "warning_days"), 366), "t.json: plan.warning_days: must be at most 365, got 366"),
        (set_at(("plan", "sign_off"), "always"), "t.json: plan.sign_off: must be one of none, completion, changes, got 'always'"),
        (set_at(("format",), "plantrail-plan/2"), "t.json: format: must be one of plantrail-plan/1, got 'plantrail-plan/2'"),
        (set_at(("actions", 0, "due_date"), 20150430), "t.json: actions[0].due_date: 20150430 is not an accepted value here"),
    ],
)
def test_each_kind_of_schema_error_is_said_in_plain_words(change, expected):
    assert problems(change) == [expected]


def test_a_missing_field_in_a_nested_note_and_several_unknown_fields_are_each_named():
    def change(data):
        data["actions"][0]["notes"] = [{"text": "n", "on": "2015-01-01"}]
        data["people"][0].update({"shoe_size": 9, "age": 40})

    people_fields = sorted(json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))["properties"]["people"]["items"]["properties"])
    assert problems(change) == [
        "t.json: actions[0].notes[0]: author: missing (it is required)",
        f"t.json: people[0]: age, shoe_size: not a field plantrail knows (known: {', '.join(people_fields)})",
    ]


def test_a_field_with_two_types_names_both():
    # A schema written as {"type": ["string", "null"]} is said as "text or empty".
    from jsonschema import Draft202012Validator

    from plantrail.importers.json_plan import plain_words

    [error] = Draft202012Validator({"properties": {"x": {"type": ["string", "null"]}}}).iter_errors({"x": 3})
    assert plain_words(error) == "x: must be text or empty, got 3"
    [error] = Draft202012Validator({"type": "object", "minProperties": 1}).iter_errors({})
    assert plain_words(error) == "(top level): {} should be non-empty"
    [error] = Draft202012Validator({"type": "array", "minItems": 2}).iter_errors([1])
    assert plain_words(error) == "(top level): needs at least 2 item(s)"
    [error] = Draft202012Validator({"oneOf": [{"type": "string"}, {"type": "integer"}]}).iter_errors(None)
    assert plain_words(error) == "(top level): None is not an accepted value here"
    [error] = Draft202012Validator({"type": "boolean"}).iter_errors(3)
    assert plain_words(error) == "(top level): must be boolean, got 3"


def test_an_xlsx_cell_is_read_as_excel_shows_it_true_a_time_and_a_fractional_percentage(tmp_path: Path):
    from datetime import time

    from openpyxl import Workbook

    from plantrail.importers.xlsx_actions import read_actions_xlsx

    def workbook(*rows: list) -> Path:
        book = Workbook()
        sheet = book.active
        sheet.append(["Code & Title", "Description", "Covalent Owner", "Due Date", "Progress", "Priority Area", "Priority"])
        for row in rows:
            sheet.append(row)
        for number in range(2, len(rows) + 2):
            sheet[f"E{number}"].number_format = "0.0%"
        path = tmp_path / f"cells{len(rows)}.xlsx"
        book.save(path)
        return path

    options = SheetOptions("T 1", None, date(2015, 3, 25), True, {}, "clerk")
    read = workbook(
        ["X1 Flag", True, "Ann Owner", "2015-04-30", 0.5, "Area", "High"], ["X2 Clock", time(9, 30), "Ann", "2015-04-30", 0.75, "A", None]
    )
    actions = read_actions_xlsx(read, options=options).document.actions
    # TRUE and 09:30 as their text; 0.5 and 0.75 formatted as percentages are 50 % and 75 %.
    assert [(a.description, [p.progress for p in a.progress]) for a in actions] == [("True", [50]), ("09:30:00", [75])]
    # 0.255 shows as 25.5 %: not a whole number, so refused as typed rather than rounded.
    with pytest.raises(ImportFileError) as refused:
        read_actions_xlsx(workbook(["X3 Part", "d", "Ann", "2015-04-30", 0.255, "A", None]), options=options)
    assert refused.value.problems == [
        f"{tmp_path / 'cells1.xlsx'}: row 2: Progress: must be a whole number from 0 to 100 (e.g. 70 or 70%), got '25.5%'"
    ]


def test_a_csv_in_utf_16_either_way_round_is_read_by_its_byte_order_mark(tmp_path: Path):
    text = "Code & Title,Description,Covalent Owner,Due Date,Progress,Priority Area,Priority\nX1 Café,d,Ann Owner,2015-04-30,10,Area,High\n"
    options = SheetOptions("T 1", None, date(2015, 3, 25), True, {}, "clerk")
    for codec in ("utf-16-le", "utf-16-be"):
        path = tmp_path / f"{codec}.csv"
        path.write_bytes(("\ufeff" + text).encode(codec))
        result = read_actions_csv(path, options=options)
        assert [a.title for a in result.document.actions] == ["Café"]
        assert result.notices[0] == f"{path}: read as UTF-16 text, comma-separated"


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"\xef\xbb\xbfCode\xff", "byte 7 is not UTF-8 text, though the file starts with UTF-8's byte order mark"),
        (b"\xff\xfeC\x00o\x00d", "byte 6 is not UTF-16 text, though the file starts with UTF-16's byte order mark"),
        (b"Code \x81", "byte 5 is neither UTF-8 nor Windows-1252 text"),  # 0x81 has no character in Windows-1252
    ],
)
def test_bytes_that_fit_no_encoding_the_file_can_be_in_are_named_by_position(tmp_path: Path, raw: bytes, problem: str):
    path = tmp_path / "bad.csv"
    path.write_bytes(raw)
    with pytest.raises(ImportFileError) as refused:
        read_actions_csv(path, options=SheetOptions("T 1", None, date(2015, 3, 25), True, {}, "clerk"))
    assert refused.value.problems == [f"{path}: {problem}; save the sheet as 'CSV UTF-8' and import that"]


SHEET_OPTIONS = SheetOptions("T 1", None, date(2015, 3, 25), True, {}, "clerk")
HEADER = "Code & Title,Description,Covalent Owner,Due Date,Progress,Priority Area,Priority"


def csv_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sheet.csv"
    path.write_bytes(text.encode("utf-8"))
    return path


def test_a_declared_separator_is_used_and_named_in_the_notice_even_one_excel_has_no_name_for(tmp_path: Path):
    path = csv_file(tmp_path, "sep=|\r\n" + HEADER.replace(",", "|") + "\r\nX1 One|d|Ann Owner|2015-04-30|10|Area|High\r\n")
    result = read_actions_csv(path, options=SHEET_OPTIONS)
    assert [(a.code, a.title, a.owners) for a in result.document.actions] == [("X1", "One", ["Ann Owner"])]
    assert result.notices[0] == f"{path}: read as UTF-8 text, '|'-separated"


def test_a_header_without_any_separator_is_one_column_read_as_comma_separated(tmp_path: Path):
    path = csv_file(tmp_path, "Code & Title\nX1 One\n")
    with pytest.raises(ImportFileError) as refused:
        read_actions_csv(path, options=SHEET_OPTIONS)
    assert refused.value.problems[0].startswith(f"{path}: row 1: the sheet's columns are 'Code & Title'; it needs ")


def test_a_cell_too_big_for_a_csv_field_or_an_unreadable_path_is_bad_input(tmp_path: Path):
    path = csv_file(tmp_path, HEADER + "\nX1 One," + "d" * 140_000 + ",Ann Owner,2015-04-30,10,Area,High\n")
    with pytest.raises(ImportFileError) as refused:
        read_actions_csv(path, options=SHEET_OPTIONS)
    assert refused.value.problems == [f"{path}: not readable as CSV: field larger than field limit (131072)"]
    with pytest.raises(ImportFileError) as refused:
        read_actions_csv(tmp_path, options=SHEET_OPTIONS)  # a folder
    assert refused.value.problems == [f"{tmp_path}: cannot read: Is a directory"]


def test_a_lone_carriage_return_inside_a_quoted_cell_is_read_as_typed(tmp_path: Path):
    # Only the file's own line ends separate records; inside a quoted cell a lone \r is a character
    # (the text checks on import decide about it), not turned into a line break here.
    path = csv_file(tmp_path, HEADER + '\nX1 One,"first\rsecond",Ann Owner,2015-04-30,10,Area,High\n')
    assert [a.description for a in read_actions_csv(path, options=SHEET_OPTIONS).document.actions] == ["first\rsecond"]


def test_an_xlsx_names_the_worksheet_read_and_how_many_there_were(tmp_path: Path):
    from openpyxl import Workbook

    from plantrail.importers.xlsx_actions import read_actions_xlsx

    def notice(sheets: int) -> str:
        book = Workbook()
        book.active.title = "Actions"
        book.active.append(HEADER.split(","))
        book.active.append(["X1 One", "=1+1", "Ann Owner", "2015-04-30", 10, "Area", "High"])
        for n in range(1, sheets):
            book.create_sheet(f"Other {n}")
        path = tmp_path / f"{sheets}.xlsx"
        book.save(path)
        result = read_actions_xlsx(path, options=SHEET_OPTIONS)
        # A formula counts as Excel last calculated it; a file never opened in Excel has no such value.
        assert [a.description for a in result.document.actions] == [""]
        return result.notices[0]

    assert notice(1) == f"{tmp_path / '1.xlsx'}: read worksheet 'Actions'"
    assert notice(2) == f"{tmp_path / '2.xlsx'}: read worksheet 'Actions' (of 2)"
    assert notice(3) == f"{tmp_path / '3.xlsx'}: read worksheet 'Actions' (of 3)"


def test_a_file_that_is_not_a_workbook_is_refused_naming_why(tmp_path: Path):
    from plantrail.importers.xlsx_actions import read_actions_xlsx

    path = tmp_path / "actions.xlsx"
    path.write_bytes(b"not a zip file")
    with pytest.raises(ImportFileError) as refused:
        read_actions_xlsx(path, options=SHEET_OPTIONS)
    assert refused.value.problems == [f"{path}: not readable as an .xlsx workbook (BadZipFile); save it from Excel as .xlsx"]


def test_separate_code_and_title_columns_each_must_be_filled_and_are_named_as_the_sheet_names_them(tmp_path: Path):
    text = "Action Code,Action Title,Owner,Due Date\nX1,One,Ann,2015-04-30\n,Two,Ann,2015-04-30\nX3,,Ann,2015-04-30\n"
    path = csv_file(tmp_path, text)
    with pytest.raises(ImportFileError) as refused:
        read_actions_csv(path, options=SHEET_OPTIONS)
    assert refused.value.problems == [f"{path}: row 3: Action Code: must not be empty", f"{path}: row 4: Action Title: must not be empty"]
    good = read_actions_csv(csv_file(tmp_path, text.split("\n,")[0] + "\n"), options=SHEET_OPTIONS).document
    assert [(a.code, a.title) for a in good.actions] == [("X1", "One")]


def test_a_note_date_column_dates_the_note_and_counts_when_the_sheet_reveals_its_date_order(tmp_path: Path):
    header = "Action Code,Action Title,Owner,Due Date,Latest note,Latest note date\n"
    document = read_actions_csv(
        csv_file(tmp_path, header + "X1,One,Ann,04/05/2015,seen,20/03/2015\nX2,Two,Ann,2015-04-30,undated,\n"), options=SHEET_OPTIONS
    ).document
    # 04/05/2015 day first is 4 May; the undated note takes the sheet's export day.
    assert [(a.code, a.due_date, [(n.text, n.effective_on) for n in a.notes]) for a in document.actions] == [
        ("X1", date(2015, 5, 4), [("seen", date(2015, 3, 20))]),
        ("X2", date(2015, 4, 30), [("undated", date(2015, 3, 25))]),
    ]
    # A note date written month first (03/25) makes every ambiguous date in the sheet unsafe, the due date's too.
    path = csv_file(tmp_path, header + "X1,One,Ann,04/05/2015,seen,03/25/2015\n")
    with pytest.raises(ImportFileError) as refused:
        read_actions_csv(path, options=SHEET_OPTIONS)
    unsafe = "is ambiguous: this sheet writes dates month first (03/25/2015), so it cannot be read safely; write 31-Mar-2015, 31/03/2015 or 2015-03-31"
    assert refused.value.problems == [
        f"{path}: row 2: Due Date: '04/05/2015' {unsafe}",
        f"{path}: row 2: Latest note date: '03/25/2015' {unsafe}",
    ]


def test_a_short_row_reads_its_missing_cells_as_empty_and_owners_are_registered_from_the_sheet(tmp_path: Path):
    path = csv_file(tmp_path, HEADER + "\nX1 One,d\nX2 Two,d,Bea Owner,2015-04-30\n")
    document = read_actions_csv(path, options=SHEET_OPTIONS).document
    assert [(a.code, a.owners, a.due_date) for a in document.actions] == [("X1", [], None), ("X2", ["Bea Owner"], date(2015, 4, 30))]
    assert [(p.name, p.source) for p in document.people] == [("Bea Owner", f"{path}: owner 'Bea Owner'")]
    assert (document.code, document.created_on, document.source) == ("T 1", date(2015, 3, 25), str(path))


def test_whole_numbers_stored_as_decimals_read_as_whole_numbers_and_new_priority_areas_name_their_row():
    from plantrail.importers.sheet import read_rows

    rows = [
        (1, ["Action Code", "Action Title", "Owner", "Due Date", "Priority Area"]),
        (2, [12.0, "Twelve", "Ann", date(2015, 4, 30), 2.0]),
        (3, ["X3", "Three", "Ann", date(2015, 4, 30), "Housing"]),
    ]
    document = read_rows(rows, source="s.xlsx", options=SHEET_OPTIONS, notices=[]).document
    # A bare number names an area by number; a new name takes the next number after the named ones (none yet).
    assert [(a.code, a.priority_number) for a in document.actions] == [("12", 2), ("X3", 1)]
    assert [(p.number, p.name, p.source) for p in document.priorities] == [(1, "Housing", "s.xlsx: row 3: Priority Area")]
