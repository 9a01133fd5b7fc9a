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
