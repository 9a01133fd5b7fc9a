"""The bulk-update round trip: a clerk exports an update sheet, owners fill in progress and notes,
and ``import-updates`` records each filled row as events by the person the row names.

The sheet remembers each action's stream version at export (a hidden column). A row whose
action has since been changed by someone other than the row's person is refused, not merged:
the owner was looking at an older state. Bad values anywhere (a progress of 150, an unknown
person, a code that is not in the plan) refuse the whole sheet with every problem listed, and
nothing is written; otherwise every good row is recorded and the refused ones are listed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from domain.commands import ActionCommand, AddNote, UpdateProgress
from domain.errors import BadInputError, DomainError
from domain.names import NameIndex
from domain.problems import Problems
from plantrail.errors import clipped
from plantrail.importers import ImportFileError
from plantrail.importers.sheet import header_key
from plantrail.services import ActionRef, Services
from projections.csv_out import plain
from projections.statuses import STATUS_ICONS

SHEET = "Updates"
COLUMNS = [
    # (header, width, filled by the owner)
    ("Plan", 12, False),
    ("Code", 16, False),
    ("Title", 40, False),
    ("Owners", 26, False),
    ("Due date", 12, False),
    ("Status", 12, False),
    ("Progress % now", 10, False),
    ("Latest note", 50, False),
    ("New progress %", 12, True),
    ("New note", 50, True),
    ("Updated by", 20, True),
    ("Sheet version", 8, False),
]
INSTRUCTIONS = [
    "How to use this sheet",
    "1. For each action you have news on, fill in 'New progress %' (0 to 100), 'New note', or both.",
    "2. Put your own name in 'Updated by': the update is recorded as yours.",
    "3. Leave the other columns as they are, and return the sheet to the clerk.",
    "Rows left blank are ignored. A row for an action someone else has changed since this sheet was made is refused.",
]
SOURCE = "sheet"  # UpdateProgress.source for a figure typed into an update sheet


def export_update_sheet(s: Services, actions: list[dict[str, Any]], *, heading: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    versions: dict[str, dict[str, int]] = {}
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    fill = PatternFill("solid", fgColor="FFF2CC")
    for column, (name, width, filled) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=column, value=name)
        cell.font = Font(bold=True)
        if filled:
            cell.fill = fill
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.column_dimensions[get_column_letter(len(COLUMNS))].hidden = True
    for row, a in enumerate(actions, start=2):
        plan_versions = versions.setdefault(a["plan"], s.queries.action_versions(a["plan"]))
        note = a.get("latest_note") or {}
        values = [
            a["plan"],
            a["code"],
            a["title"],
            a["owners"],
            a["due_date"],
            f"{STATUS_ICONS.get(a['status'], '')} {a['status']}".strip(),
            a["progress"],
            f"{note['effective_on']}: {note['text']}" if note else "",
            None,
            None,
            None,
            plan_versions[a["code"]],
        ]
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=column)
            if isinstance(value, int):
                cell.value = value
            elif value:
                cell.value, cell.data_type = plain(value), "s"
            if COLUMNS[column - 1][2]:
                cell.fill = fill
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{max(len(actions) + 1, 1)}"
    about = book.create_sheet("How to fill it in")
    about["A1"] = heading
    about["A1"].font = Font(bold=True, size=13)
    for row, line in enumerate(INSTRUCTIONS, start=3):
        about.cell(row=row, column=1, value=line)
    about.column_dimensions["A"].width = 110
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass
class SheetUpdate:
    row: int
    ref: ActionRef
    version: int
    actor: str
    command: ActionCommand


@dataclass
class UpdatesOutcome:
    recorded: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, Any]] = field(default_factory=list)
    already_recorded: list[dict[str, Any]] = field(default_factory=list)
    blank_rows: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "recorded": self.recorded,
            "refused": self.refused,
            "already_recorded": self.already_recorded,
            "blank_rows": self.blank_rows,
        }


def sheet_command(progress: int | None, note: str | None, effective_on: date | None) -> ActionCommand:
    """The command one filled row asks for (this is the only place that builds it)."""
    if progress is not None:
        return UpdateProgress(progress, note, effective_on, source=SOURCE)
    assert note is not None
    return AddNote(note, effective_on)


def import_update_sheet(s: Services, path: Path, *, effective_on: date | None) -> UpdatesOutcome:
    updates, blank = _read(s, path, effective_on)
    outcome = UpdatesOutcome(blank_rows=blank)
    for update in updates:
        where = {"row": update.row, "plan": update.ref.plan_code, "code": update.ref.code, "by": update.actor}
        others = [c for c in s.queries.changes_since(update.ref.plan_code, update.ref.code, update.version) if c["actor"] != update.actor]
        if others:
            last = others[-1]
            outcome.refused.append(
                where
                | {"reason": f"changed since the sheet was made ({last['type']} by {last['actor']}, recorded {last['recorded_at'][:10]})"}
            )
            continue
        if _already_recorded(s.show(update.ref), update.command):
            outcome.already_recorded.append(where)
            continue
        try:
            shown = s.record(update.ref, update.command, actor=update.actor)
        except DomainError as error:  # a rule the row breaks now (the action was completed meanwhile)
            outcome.refused.append(where | {"reason": str(error)})
            continue
        outcome.recorded.append(where | {"progress": shown["progress"], "status": shown["status"]})
    return outcome


def _already_recorded(action: dict[str, Any], command: ActionCommand) -> bool:
    """The same sheet imported twice records nothing the second time."""
    note = command.note if isinstance(command, UpdateProgress) else command.text if isinstance(command, AddNote) else None
    if isinstance(command, UpdateProgress) and action["progress"] != command.progress:
        return False
    return note is None or any(n["text"] == note.strip() for n in action["notes"])


def _read(s: Services, path: Path, effective_on: date | None) -> tuple[list[SheetUpdate], int]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - any failure to open means "not an update sheet"
        raise ImportFileError(f"{path}: not readable as an .xlsx workbook ({type(error).__name__})") from None
    try:
        if SHEET not in book.sheetnames:
            raise ImportFileError(f"{path}: no {clipped(SHEET)} sheet: is this a sheet made by `plantrail export-updates`?")
        rows = [[c.value for c in row] for row in book[SHEET].iter_rows()]
    finally:
        book.close()
    if not rows:
        raise ImportFileError(f"{path}: the {clipped(SHEET)} sheet is empty")
    index = {header_key(h): i for i, h in enumerate(rows[0])}
    missing = [name for name, _, _ in COLUMNS if header_key(name) not in index and name not in ("Title", "Owners", "Latest note")]
    if missing:
        raise ImportFileError(f"{path}: row 1: the {clipped(SHEET)} sheet lacks column(s) {', '.join(repr(m) for m in missing)}")
    people = NameIndex(s.queries.person_names())
    problems = Problems()
    updates, blank = [], 0
    for number, cells in enumerate(rows[1:], start=2):

        def value(name: str, cells: list[Any] = cells) -> Any:
            i = index[header_key(name)]
            return cells[i] if i < len(cells) else None

        progress, note, by = value("New progress %"), value("New note"), value("Updated by")
        note = str(note).strip() if note is not None and str(note).strip() else None
        if progress in (None, "") and note is None:
            blank += 1
            continue
        where = f"{path}: row {number} ({value('Code')})"
        with problems.noted(where):
            figure = _figure(progress)
            if not by or not str(by).strip():
                raise ImportFileError(f"{where}: Updated by: say who gave this update (their name)")
            actor = people.canonical(str(by), field="Updated by")
            ref = s.resolve(f"{value('Plan')}/{value('Code')}")
            version = value("Sheet version")
            if not isinstance(version, int):
                raise ImportFileError(f"{where}: Sheet version: missing; export a fresh sheet with `plantrail export-updates`")
            updates.append(SheetUpdate(number, ref, version, actor, sheet_command(figure, note, effective_on)))
    problems.raise_if_any(ImportFileError)
    return updates, blank


def _figure(value: Any) -> int | None:
    if value in (None, ""):
        return None
    text = str(value).strip().rstrip("%").strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if not text.isdigit() or not 0 <= int(text) <= 100:
        raise BadInputError(f"New progress %: must be a whole number from 0 to 100, got {clipped(value)}", field="progress")
    return int(text)
