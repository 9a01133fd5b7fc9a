"""A flat action list in Covalent's export columns, from any spreadsheet: rows of cells → a plan.

The CSV and XLSX readers only turn a file into rows; this module reads them the same way:

- headers are matched without regard to case or spacing (``Code & Title``, or ``Code`` and
  ``Title``; ``Covalent Owner``/``Owner``/``Owners``; ``Due Date``; ``Progress``; ``Priority
  Area``; ``Priority``; ``Description``; ``Notes``/``Latest note`` and ``Note date``);
  columns it does not use are named in a notice, missing ones in the file's own words;
- ``Code - Title``, ``Code: Title`` and ``Code Title`` cells are split on the separator;
- owners are separated by ``;`` or by line breaks inside the cell;
- dates in any form ``plantrail.dates`` reads, a sheet not consistently day-first refused;
- every bad row is reported (``domain.problems``), not just the first.

A spreadsheet is a snapshot, so its progress figures and notes are dated at the export date
(``--on``) unless a note date column says otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from domain.errors import DomainError
from domain.names import UnknownPersonError, suggestion
from domain.plan_document import ActionSpec, DatedText, PersonSpec, PlanDocument, PrioritySpec, ProgressFigure
from domain.problems import Problems
from plantrail.dates import DateFormatError, SheetDateOrder
from plantrail.errors import clipped
from plantrail.importers import ImportFileError

Cell = str | int | float | date | None

COLUMNS = {
    "code & title": "code_title",
    "code and title": "code_title",
    "code": "code",
    "action code": "code",
    "title": "title",
    "action title": "title",
    "description": "description",
    "covalent owner": "owners",
    "owner": "owners",
    "owners": "owners",
    "due date": "due_date",
    "progress": "progress",
    "priority area": "priority_area",
    "strategic priority": "priority_area",
    "priority": "priority",
    "notes": "note",
    "note": "note",
    "latest note": "note",
    "note date": "note_on",
    "latest note date": "note_on",
}
NEEDED = (
    "it needs 'Code & Title' (or 'Code' and 'Title'), an owner column ('Covalent Owner', 'Owner' or 'Owners') "
    "and 'Due Date'; 'Progress', 'Priority Area', 'Priority', 'Description' and 'Notes' are optional"
)
# "SS_ICSAP_IMP1 - Training", "SS_ICSAP_IMP1: Training", "SS-ICSAP-1 – Training"
_CODE_SEPARATOR = re.compile(r"(\S+?)\s*(?::|\s[-–—])\s*(.+)", re.DOTALL)
# Excel counts days from 1899-12-30 (its 1900 leap-year bug included).
_EXCEL_EPOCH = date(1899, 12, 30)


@dataclass(frozen=True)
class SheetOptions:
    plan_code: str
    plan_title: str | None
    exported_on: date
    register_owners: bool
    known_priorities: dict[str, int]  # a priority's name (casefolded, spaces collapsed) -> number
    note_author: str
    # ``check_owner(name, column)`` raises a DomainError naming the column for someone not
    # registered. Checked row by row so that a row with a bad date *and* an unknown owner is
    # reported with both at once; None (e.g. --register-owners) leaves the owners unchecked.
    check_owner: Callable[[str, str], object] | None = None
    priority_names: dict[str, str] = field(default_factory=dict)  # known_priorities' keys -> the names as written


@dataclass
class SheetResult:
    """The plan read from a sheet, and notices for the person importing (encoding, unused columns)."""

    document: PlanDocument
    notices: list[str] = field(default_factory=list)


def header_key(name: Cell) -> str:
    return " ".join(str(name or "").replace("\ufeff", "").split()).casefold()


def split_code_title(text: str) -> tuple[str, str]:
    """``"IMP1 - Training"`` → ``("IMP1", "Training")``; a code alone gives an empty title."""
    text = text.strip()
    separated = _CODE_SEPARATOR.fullmatch(text)
    if separated:
        return separated.group(1), separated.group(2).strip()
    code, _, title = text.partition(" ")
    return code, title.strip()


def read_rows(rows: Iterable[tuple[int, list[Cell]]], *, source: str, options: SheetOptions, notices: list[str]) -> SheetResult:
    """``rows`` are (row number as the spreadsheet shows it, cells), header first."""
    iterator = iter(rows)
    first = next(((n, cells) for n, cells in iterator if any(header_key(h) for h in cells)), None)
    if first is None:
        raise ImportFileError(f"{source}: the sheet is empty")
    header_row, header = first
    fields = {}
    unused = []
    for index, name in enumerate(header):
        key = header_key(name)
        if key in COLUMNS and COLUMNS[key] not in fields:
            fields[COLUMNS[key]] = index
        elif key:
            unused.append(str(name).strip())
    has_code = "code_title" in fields or {"code", "title"} <= fields.keys()
    if not has_code or "owners" not in fields or "due_date" not in fields:
        have = ", ".join(repr(str(h).strip()) for h in header if header_key(h))
        raise ImportFileError(f"{source}: row {header_row}: the sheet's columns are {have}; {NEEDED}")
    if unused:
        notices.append(f"{source}: column(s) not used: {', '.join(repr(u) for u in unused)}")
    body = [(n, cells) for n, cells in iterator if any(str(c).strip() for c in cells if c is not None)]
    reader = _SheetReader(source, header, fields, options, body)
    return SheetResult(reader.document(), notices)


class _SheetReader:
    def __init__(self, source: str, header: list[Cell], fields: dict[str, int], options: SheetOptions, body: list[Any]) -> None:
        self.source = source
        self.header = header
        self.fields = fields
        self.options = options
        self.body = body
        self.problems = Problems()
        self.owner_verdicts: dict[str, str | None] = {}  # casefolded owner -> problem, or None if registered
        self.priorities = dict(options.known_priorities)
        self.new_priorities: list[PrioritySpec] = []
        self.numbers_used: dict[int, str] = {}  # a priority given by number alone -> the first row that did
        dated = [self._raw(cells, name) for _, cells in body for name in ("due_date", "note_on")]
        self.dates = SheetDateOrder(str(v) for v in dated if isinstance(v, str))

    def _raw(self, cells: list[Cell], name: str) -> Cell:
        index = self.fields.get(name)
        return cells[index] if index is not None and index < len(cells) else None

    def _text(self, cells: list[Cell], name: str) -> str:
        value = self._raw(cells, name)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    def _column(self, name: str) -> str:
        return str(self.header[self.fields[name]]).strip()

    def document(self) -> PlanDocument:
        actions = []
        owners_seen: dict[str, None] = {}
        for row_number, cells in self.body:
            where = f"{self.source}: row {row_number}"
            action = self._action(where, cells)
            if action is not None:
                actions.append(action)
                owners_seen.update(dict.fromkeys(action.owners))
        self._check_numbers_used()
        self.problems.raise_if_any(ImportFileError)
        o = self.options
        people = [PersonSpec(name=name, source=f"{self.source}: owner {name!r}") for name in owners_seen] if o.register_owners else []
        return PlanDocument(
            code=o.plan_code,
            title=o.plan_title or o.plan_code,
            created_on=o.exported_on,
            priorities=self.new_priorities,
            people=people,
            actions=actions,
            source=self.source,
        )

    def _field(self, where: str, name: str, parse: Any, cells: list[Cell]) -> Any:
        """``parse(cell)``, or None with the problem noted against the file's own column name."""
        try:
            return parse(self._raw(cells, name))
        except (DateFormatError, ValueError) as error:
            self.problems.add(f"{where}: {self._column(name)}: {error}")
            return None

    def _action(self, where: str, cells: list[Cell]) -> ActionSpec | None:
        before = len(self.problems.items)
        if "code_title" in self.fields:
            code, title = split_code_title(self._text(cells, "code_title"))
            if not code or not title:
                self.problems.add(
                    f"{where}: {self._column('code_title')}: expected a code then a title (e.g. 'IMP1 - Training'), "
                    f"got {self._text(cells, 'code_title')!r}"
                )
        else:
            code, title = self._text(cells, "code"), self._text(cells, "title")
            for name, value in (("code", code), ("title", title)):
                if not value:
                    self.problems.add(f"{where}: {self._column(name)}: must not be empty")
        owners = [o.strip() for o in re.split(r"[;\n]", self._text(cells, "owners")) if o.strip()]
        self._check_owners(where, owners)
        due = self._field(where, "due_date", self._date, cells) if "due_date" in self.fields else None
        progress = self._field(where, "progress", _progress, cells) if "progress" in self.fields else None
        priority = self._field(where, "priority", _priority, cells) if "priority" in self.fields else None
        number = self._priority_number(self._text(cells, "priority_area"), where)
        note = self._text(cells, "note")
        noted_on = self._field(where, "note_on", self._date, cells) if "note_on" in self.fields else None
        if len(self.problems.items) > before:
            return None
        on = self.options.exported_on
        return ActionSpec(
            code=code,
            title=title,
            description=self._text(cells, "description"),
            owners=owners,
            due_date=due,
            priority=priority,
            priority_number=number,
            added_on=on,
            progress=[ProgressFigure(progress=progress, effective_on=on, source=where)] if progress is not None else [],
            notes=[DatedText(text=note, author=self.options.note_author, effective_on=noted_on or on, source=where)] if note else [],
            source=f"{where} ({code})",
        )

    def _check_owners(self, where: str, owners: list[str]) -> None:
        check = self.options.check_owner
        if check is None:
            return
        for name in owners:
            key = name.casefold()
            if key not in self.owner_verdicts:  # a sheet names the same few people on every row
                try:
                    check(name, self._column("owners"))
                    self.owner_verdicts[key] = None
                except DomainError as error:
                    self.owner_verdicts[key] = str(error)
                    if isinstance(error, UnknownPersonError):
                        self.problems.hint("--register-owners registers every owner the sheet names")
            if self.owner_verdicts[key] is not None:
                self.problems.add(f"{where}: {self.owner_verdicts[key]}")

    def _date(self, value: Cell) -> date | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, int | float):
            if not 1 <= value < 2_958_466:  # Excel's own range of serial days
                raise ValueError(f"{clipped(value)} is not a date")
            return _EXCEL_EPOCH + timedelta(days=int(value))
        return self.dates.parse(value)

    def _check_numbers_used(self) -> None:
        """A priority given by number alone must be the plan's, or one the sheet adds (any row)."""
        if not self.options.known_priorities:
            return  # a new plan: the import says which numbers it lacks
        have = set(self.priorities.values())
        listed = ", ".join(str(n) for n in sorted(have))
        for number, where in self.numbers_used.items():
            if number not in have:
                self.problems.add(
                    f"{where}: {self._column('priority_area')}: plan {self.options.plan_code} has no priority {number} (it has {listed})"
                )

    def _priority_names(self) -> list[str]:
        """The plan's priorities by name as the plan writes them, for "did you mean"."""
        return [self.options.priority_names.get(key, key) for key in self.priorities]

    def _priority_number(self, area: str, where: str) -> int | None:
        if not area:
            return None
        numbered = re.fullmatch(r"(\d+)(?:[.)]?\s*(.*))?", area, re.DOTALL)
        known = self.options.known_priorities
        if numbered and not numbered.group(2):
            number = int(numbered.group(1))
            self.numbers_used.setdefault(number, where)  # checked once every row has been read
            return number
        name = numbered.group(2) if numbered else area
        key = " ".join(name.split()).casefold()
        if key not in self.priorities and known and not numbered:
            # The plan has its priorities: a name it does not know is far likelier a typo than a
            # new strategic priority, which would then head a section of every committee report.
            near = suggestion(name, self._priority_names())  # "; did you mean '…'?" or nothing
            new = f"'{max(self.priorities.values()) + 1}. {' '.join(name.split())}'"
            self.problems.add(
                f"{where}: {self._column('priority_area')}: plan {self.options.plan_code} has no priority named "
                f"{clipped(name)}{near or '.'} To add a new priority, give it with its number: {new}"
            )
            return None
        if key not in self.priorities:
            number = int(numbered.group(1)) if numbered else max(self.priorities.values(), default=0) + 1
            self.priorities[key] = number
            self.new_priorities.append(PrioritySpec(number=number, name=" ".join(name.split()), source=f"{where}: Priority Area"))
        return self.priorities[key]


def _progress(value: Cell) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 0 <= value <= 100:
            return int(value)
        raise ValueError(f"must be a whole number from 0 to 100 (e.g. 70 or 70%), got {clipped(value)}")
    match = re.fullmatch(r"(\d{1,3})\s*%?", str(value).strip())
    if not match or not 0 <= int(match.group(1)) <= 100:
        raise ValueError(f"must be a whole number from 0 to 100 (e.g. 70 or 70%), got {clipped(value)}")
    return int(match.group(1))


def _priority(value: Cell) -> str | None:
    text = str(value or "").strip()
    if not text:
        return None
    if text.casefold() not in ("high", "medium", "low"):
        raise ValueError(f"must be High, Medium, Low or blank, got {clipped(text)}")
    return text.capitalize()
