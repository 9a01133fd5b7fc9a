"""The spreadsheet readers (CSV, .xlsx and the rows both give ``importers.sheet``): encodings and
separators as Excel writes them, cells as Excel shows them, each limit and one past it, each
problem word for word. Expected values are written out here, not read back from plantrail."""

from datetime import date
from pathlib import Path

import pytest

from plantrail.importers import ImportFileError
from plantrail.importers.csv_actions import read_actions_csv
from plantrail.importers.sheet import SheetOptions


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


def test_sheet_cells_at_each_limit_and_one_past_it():
    from plantrail.importers.sheet import read_rows

    def read(**cells) -> tuple[list, list[str]]:
        row = {"Action Code": "X1", "Action Title": "One", "Owner": "Ann", "Due Date": None, "Progress": None, "Priority": None} | cells
        rows = [(1, list(row)), (2, list(row.values()))]
        try:
            return read_rows(rows, source="s", options=SHEET_OPTIONS, notices=[]).document.actions, []
        except ImportFileError as error:
            return [], error.problems

    # Excel's serial days run from 1 (1899-12-31) to 2,958,465 (9999-12-31).
    assert read(**{"Due Date": 1})[0][0].due_date == date(1899, 12, 31)
    assert read(**{"Due Date": 2_958_465})[0][0].due_date == date(9999, 12, 31)
    assert read(**{"Due Date": 0})[1] == ["s: row 2: Due Date: 0 is not a date"]
    assert read(**{"Due Date": 2_958_466})[1] == ["s: row 2: Due Date: 2958466 is not a date"]
    # Progress from 0 to 100, as a number or as text with or without %.
    assert [p.progress for p in read(Progress=100)[0][0].progress] == [100]
    assert [p.progress for p in read(Progress="100%")[0][0].progress] == [100]
    refused = "must be a whole number from 0 to 100 (e.g. 70 or 70%), got"
    assert read(Progress=101)[1] == [f"s: row 2: Progress: {refused} 101"]
    assert read(Progress="101%")[1] == [f"s: row 2: Progress: {refused} '101%'"]
    assert read(Progress=True)[1] == [f"s: row 2: Progress: {refused} True"]  # a ticked box is not a figure
    assert read(Progress=12.5)[1] == [f"s: row 2: Progress: {refused} 12.5"]
    assert [a.priority for a in read(Priority="low")[0]] == ["Low"]
    assert read(Priority="urgent")[1] == ["s: row 2: Priority: must be High, Medium, Low or blank, got 'urgent'"]


def test_owners_are_checked_once_each_by_the_column_name_and_a_row_reports_an_unknown_owner_with_its_other_problems():
    from dataclasses import replace

    from domain.errors import DomainError
    from plantrail.importers.sheet import read_rows

    asked: list[tuple[str, str]] = []

    def check_owner(name: str, column: str) -> None:
        asked.append((name, column))
        if name.casefold() == "zed nobody":
            raise DomainError(f"{column}: no one called {name!r} is registered")

    rows = [
        (1, ["Code & Title", "Owner", "Due Date"]),
        (2, ["X1 One", "Ann; Zed Nobody", "someday"]),
        (3, ["X2 Two", "ZED NOBODY\nann", "2015-04-30"]),
        (4, ["X3 Three", "ANN", "2015-04-30"]),
    ]
    options = replace(SHEET_OPTIONS, register_owners=False, check_owner=check_owner)
    with pytest.raises(ImportFileError) as refused:
        read_rows(rows, source="s", options=options, notices=[])
    # Row 2's unknown owner and its bad date are both reported; row 3 repeats the first verdict on
    # Zed (checked as first written, not asked again); Ann in any case is asked about once.
    assert refused.value.problems == [
        "s: row 2: Owner: no one called 'Zed Nobody' is registered",
        "s: row 2: Due Date: 'someday' is not a date (write 31-Mar-2015, 31/03/2015 or 2015-03-31)",
        "s: row 3: Owner: no one called 'Zed Nobody' is registered",
    ]
    assert asked == [("Ann", "Owner"), ("Zed Nobody", "Owner")]
    # Registered owners pass: the rows without Zed are read, and no one is registered from the sheet.
    document = read_rows([rows[0], rows[3]], source="s", options=options, notices=[]).document
    assert [(a.code, a.owners) for a in document.actions] == [("X3", ["ANN"])]
    assert document.people == []


def test_without_an_owner_check_any_owner_is_read_and_registered_only_when_asked():
    from dataclasses import replace

    from plantrail.importers.sheet import read_rows

    rows = [(1, ["Code & Title", "Owners", "Due Date"]), (2, ["X1 One", "Zed Nobody;Ann", None]), (3, ["X2 Two", "Ann", None])]
    unchecked = read_rows(rows, source="s", options=replace(SHEET_OPTIONS, register_owners=False), notices=[]).document
    assert [(a.code, a.owners) for a in unchecked.actions] == [("X1", ["Zed Nobody", "Ann"]), ("X2", ["Ann"])]
    assert unchecked.people == []
    registered = read_rows(rows, source="s", options=SHEET_OPTIONS, notices=[]).document
    assert [p.name for p in registered.people] == ["Zed Nobody", "Ann"]


def test_a_sheet_row_is_read_whole_and_priority_areas_by_number_name_or_both():
    from dataclasses import replace

    from domain.plan_document import ActionSpec, DatedText, ProgressFigure
    from plantrail.importers.sheet import read_rows

    header = ["Code & Title", "Description", "Owners", "Due Date", "Progress", "Priority Area", "Priority", "Notes"]
    areas = ["3. Safer  Streets", "safer streets", "8 Parks\nand Gardens", "2) Old\nTown", "Open Spaces", "2"]
    rows = [(1, header)] + [(n, [f"X{n} Row {n}", "", "Ann", None, None, area, None, None]) for n, area in enumerate(areas, start=2)]
    rows[1] = (2, ["X2 Row 2", " Why ", "Ann; Bo", "2015-04-30", "30%", areas[0], "medium", "seen"])
    options = replace(SHEET_OPTIONS, known_priorities={"open spaces": 7})
    document = read_rows(rows, source="s", options=options, notices=[]).document
    exported = date(2015, 3, 25)
    assert document.actions[0] == ActionSpec(
        code="X2",
        title="Row 2",
        description="Why",
        owners=["Ann", "Bo"],
        due_date=date(2015, 4, 30),
        priority="Medium",
        priority_number=3,
        added_on=exported,
        progress=[ProgressFigure(30, exported, "s: row 2")],
        notes=[DatedText("seen", "clerk", exported, "s: row 2")],
        source="s: row 2 (X2)",
    )
    # A number and a name: that number, once; a name seen before (in any spacing or case) or known
    # already: its number; a number alone: as written, the plan's or one the sheet adds.
    assert [a.priority_number for a in document.actions] == [3, 3, 8, 2, 7, 2]
    assert [(p.number, p.name, p.source) for p in document.priorities] == [
        (3, "Safer Streets", "s: row 2: Priority Area"),
        (8, "Parks and Gardens", "s: row 4: Priority Area"),
        (2, "Old Town", "s: row 5: Priority Area"),
    ]


def test_the_header_is_the_first_row_with_a_name_each_needed_column_is_required_and_blank_header_cells_are_not_columns():
    from plantrail.importers.sheet import read_rows

    def problems(*rows: list) -> list[str]:
        try:
            read_rows(list(enumerate(rows, start=1)), source="s", options=SHEET_OPTIONS, notices=[])
        except ImportFileError as error:
            return error.problems
        return []

    assert problems() == ["s: the sheet is empty"]
    assert problems([None, " "], [None]) == ["s: the sheet is empty"]
    needs = "it needs 'Code & Title' (or 'Code' and 'Title'), an owner column"
    for header in (["Owner", "Due Date"], ["Code & Title", "Due Date"], ["Code & Title", "Owner"], ["Code", "Owner", "Due Date"]):
        [problem] = problems(header, ["X1 One", "Ann", "2015-04-30"])
        assert problem.startswith(f"s: row 1: the sheet's columns are {', '.join(repr(h) for h in header)}; {needs}")
    # A blank row above the header is skipped, a byte order mark before the first name ignored, and
    # a blank header cell is neither a column nor named as one not used; a row of blank cells is skipped.
    notices: list[str] = []
    rows = [
        (1, [None, None]),
        (2, ["\ufeffCode & Title", None, "Owner", "Due Date", "Extra", "Spare"]),
        (3, [" ", None, "", None]),  # blank cells only: not a row of the plan
        (4, ["X1 One", "x", "Ann", "2015-04-30", "y"]),
    ]
    document = read_rows(rows, source="s", options=SHEET_OPTIONS, notices=notices).document
    assert [(a.code, a.owners, a.due_date) for a in document.actions] == [("X1", ["Ann"], date(2015, 4, 30))]
    assert notices == ["s: column(s) not used: 'Extra', 'Spare'"]


def test_a_declared_separator_is_taken_whatever_character_it_is_even_a_letter(tmp_path: Path):
    path = csv_file(tmp_path, "sep=X\r\nCode & TitleXOwnerXDue Date\r\nA1 OneXAnnX2015-04-30\r\n")
    result = read_actions_csv(path, options=SHEET_OPTIONS)
    assert [(a.code, a.owners, a.due_date) for a in result.document.actions] == [("A1", ["Ann"], date(2015, 4, 30))]
    assert result.notices[0] == f"{path}: read as UTF-8 text, 'X'-separated"


def test_a_priority_area_the_plan_does_not_have_is_refused_unless_given_with_a_new_number():
    from dataclasses import replace

    from plantrail.importers import ImportFileError
    from plantrail.importers.sheet import read_rows

    header = ["Code & Title", "Owners", "Due Date", "Priority Area"]
    options = replace(SHEET_OPTIONS, known_priorities={"leadership": 4, "open spaces": 7}, priority_names={"leadership": "Leadership"})

    def read(*areas: str):
        rows = [(1, header)] + [(n, [f"X{n} Row {n}", "Ann", None, area]) for n, area in enumerate(areas, start=2)]
        return read_rows(rows, source="s", options=options, notices=[]).document

    with pytest.raises(ImportFileError) as refused:
        read("Leadershp", "9", "open spaces")
    assert str(refused.value).splitlines()[1:] == [
        "  s: row 2: Priority Area: plan T 1 has no priority named 'Leadershp'; did you mean 'Leadership'? "
        "To add a new priority, give it with its number: '8. Leadershp'",
        "  s: row 3: Priority Area: plan T 1 has no priority 9 (it has 4, 7)",
    ]
    with pytest.raises(ImportFileError) as refused:
        read("Parks")  # like none of the plan's: no suggestion
    assert (
        str(refused.value)
        == "s: row 2: Priority Area: plan T 1 has no priority named 'Parks'. To add a new priority, give it with its number: '8. Parks'"
    )
    # Given with its number it is added; a later row may then name it, or give its number alone.
    document = read("9", "9. Leadership reform", "leadership reform")
    assert [a.priority_number for a in document.actions] == [9, 9, 9]
    assert [(p.number, p.name) for p in document.priorities] == [(9, "Leadership reform")]
    # A plan with no priorities yet takes its names from the sheet, numbered in turn.
    fresh = replace(options, known_priorities={}, priority_names={})
    rows = [(1, header), (2, ["X2 Row 2", "Ann", None, "Leadershp"])]
    assert [(p.number, p.name) for p in read_rows(rows, source="s", options=fresh, notices=[]).document.priorities] == [(1, "Leadershp")]
