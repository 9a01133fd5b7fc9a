"""A flat action list in Covalent's export columns, for councils migrating from a spreadsheet.

Columns (header names matched without regard to case or spacing):
``Code & Title``, ``Description``, ``Covalent Owner`` (or ``Owners``; several separated by ``;``),
``Due Date`` (``30-Apr-2015`` or ISO), ``Progress`` (``70%`` or ``70``), ``Priority Area``
(the strategic priority's name, or its number), ``Priority`` (High/Medium/Low, may be blank).
A spreadsheet holds a snapshot, so every progress figure is dated at the export date given.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

from domain.plan_document import ActionSpec, PersonSpec, PlanDocument, PrioritySpec, ProgressFigure
from plantrail.dates import DateFormatError, parse_date
from plantrail.errors import clipped
from plantrail.importers import ImportFileError

COLUMNS = {
    "code & title": "code_title",
    "code and title": "code_title",
    "description": "description",
    "covalent owner": "owners",
    "owner": "owners",
    "owners": "owners",
    "due date": "due_date",
    "progress": "progress",
    "priority area": "priority_area",
    "priority": "priority",
}
REQUIRED = ("code_title", "owners", "due_date")


def _header_key(name: str) -> str:
    return " ".join(name.replace("\ufeff", "").split()).casefold()


def read_actions_csv(
    path: Path, *, plan_code: str, plan_title: str | None, exported_on: date, register_owners: bool, known_priorities: dict[str, int]
) -> PlanDocument:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise ImportFileError(f"{path}: cannot read: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise ImportFileError(f"{path}: not UTF-8 text (byte {error.start}); save the sheet as CSV UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError(f"{path}: the file is empty") from None
    fields = {COLUMNS[_header_key(h)]: i for i, h in enumerate(header) if _header_key(h) in COLUMNS}
    missing = [name for name in REQUIRED if name not in fields]
    if missing:
        raise ImportFileError(f"{path}: row 1: missing column(s) {', '.join(missing)} (have: {', '.join(header)})")

    priorities = dict(known_priorities)  # name (casefolded) -> number
    new_priorities: list[PrioritySpec] = []
    owners_seen: dict[str, None] = {}
    actions: list[ActionSpec] = []
    for row_number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        where = f"{path}: row {row_number}"

        def cell(name: str, row: list[str] = row) -> str:
            index = fields.get(name)
            return row[index].strip() if index is not None and index < len(row) else ""

        code, _, title = cell("code_title").partition(" ")
        if not code or not title.strip():
            raise ImportFileError(f"{where}: Code & Title: expected a code then a title, got {clipped(cell('code_title'))}")
        owners = [o.strip() for o in cell("owners").split(";") if o.strip()]
        owners_seen.update(dict.fromkeys(owners))
        try:
            due = parse_date(cell("due_date")) if cell("due_date") else None
        except DateFormatError as error:
            raise ImportFileError(f"{where}: Due Date: {error}") from None
        progress = _progress(cell("progress"), where)
        area = cell("priority_area")
        number = _priority_number(area, priorities, new_priorities, where, path)
        priority = cell("priority").capitalize() or None
        if priority not in (None, "High", "Medium", "Low"):
            raise ImportFileError(f"{where}: Priority: must be High, Medium, Low or blank, got {clipped(cell('priority'))}")
        actions.append(
            ActionSpec(
                code=code,
                title=title.strip(),
                description=cell("description"),
                owners=owners,
                due_date=due,
                priority=priority,
                priority_number=number,
                added_on=exported_on,
                progress=[ProgressFigure(progress=progress, effective_on=exported_on, source=where)] if progress is not None else [],
                source=f"{where} ({code})",
            )
        )
    people = [PersonSpec(name=name, source=f"{path}: owner {clipped(name)}") for name in owners_seen] if register_owners else []
    return PlanDocument(
        code=plan_code,
        title=plan_title or plan_code,
        created_on=exported_on,
        priorities=new_priorities,
        people=people,
        actions=actions,
        source=str(path),
    )


def _progress(text: str, where: str) -> int | None:
    if not text:
        return None
    match = re.fullmatch(r"(\d{1,3})\s*%?", text)
    if not match or not 0 <= int(match.group(1)) <= 100:
        raise ImportFileError(f"{where}: Progress: must be a whole number from 0 to 100 (e.g. 70 or 70%), got {clipped(text)}")
    return int(match.group(1))


def _priority_number(area: str, priorities: dict[str, int], new: list[PrioritySpec], where: str, path: Path) -> int | None:
    if not area:
        return None
    numbered = re.fullmatch(r"(\d+)(?:[.)]\s*(.*))?", area)
    if numbered and numbered.group(1) and not numbered.group(2):
        return int(numbered.group(1))
    name = numbered.group(2) if numbered else area
    key = " ".join(name.split()).casefold()
    if key not in priorities:
        number = int(numbered.group(1)) if numbered else max(priorities.values(), default=0) + 1
        priorities[key] = number
        new.append(PrioritySpec(number=number, name=name.strip(), source=f"{where}: Priority Area"))
    return priorities[key]
