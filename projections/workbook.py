"""The committee's spreadsheet (openpyxl): a summary sheet, then one sheet per strategic priority.

Each sheet has a frozen header row and an autofilter, so a clerk can sort and filter at once;
status is written as icon and word (``▲ Alert``), readable without colour. Text is stored as
text: a note such as ``=HYPERLINK(…)`` is a string cell Excel shows as typed and never runs.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from domain.timeliness import Timeliness
from projections.csv_out import plain
from projections.statuses import STATUS_ICONS

ACTION_SHEET_COLUMNS = [
    ("Code", "code", 16),
    ("Title", "title", 40),
    ("Owners", "owners", 28),
    ("Due date", "due_date", 12),
    ("Original due date", "original_due_date", 12),
    ("Times revised", "due_date_revisions", 8),
    ("Progress %", "progress", 10),
    ("Status", "status", 12),
    ("Priority", "priority", 9),
    ("Lifecycle", "lifecycle", 11),
    ("Latest note on", "latest_note_on", 12),
    ("Latest note", "latest_note", 60),
    ("Awaiting sign-off", "awaiting_sign_off", 30),
]
COUNTED = [t.value for t in (Timeliness.ALERT, Timeliness.WARNING, Timeliness.OK, Timeliness.COMPLETE, Timeliness.CANCELLED)]
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_BAD_SHEET_CHARACTERS = re.compile(r"[\[\]:*?/\\]")


def status_label(status: str) -> str:
    """``▲ Alert``: the icon and the word, as in the report's key."""
    icon = STATUS_ICONS.get(status)
    return f"{icon} {status}" if icon else status


def _set_text(sheet: Worksheet, row: int, column: int, value: Any) -> None:
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, int | float) and not isinstance(value, bool):
        cell.value = value
        return
    text = plain(value)
    if text:
        cell.value = text
        cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula


def _table(sheet: Worksheet, headers: list[tuple[str, int]], rows: Iterable[list[Any]]) -> None:
    for column, (name, width) in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=column, value=name)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        sheet.column_dimensions[get_column_letter(column)].width = width
    count = 1
    for count, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            _set_text(sheet, count, column, value)
            sheet.cell(row=count, column=column).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(count, 1)}"


def sheet_title(name: str, taken: set[str]) -> str:
    """A worksheet name Excel accepts (31 characters, no ``[]:*?/\\``), unique in the workbook."""
    base = _BAD_SHEET_CHARACTERS.sub(" ", name).strip()[:31] or "Sheet"
    title, n = base, 2
    while title.casefold() in taken:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title.casefold())
    return title


def action_workbook(heading: str, sections: list[tuple[str, list[dict[str, Any]]]]) -> bytes:
    """``sections``: (priority label, flat action rows) in order. The summary counts each section's statuses."""
    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    statuses = [s for s in COUNTED if s != Timeliness.CANCELLED.value or any(a["status"] == s for _, rows in sections for a in rows)]
    counts = [(label, Counter(a["status"] for a in rows)) for label, rows in sections]
    total = sum((c for _, c in counts), Counter())
    _table(
        summary,
        [("Strategic priority", 44), *[(status_label(s), 12) for s in statuses], ("Total", 8)],
        [
            *([label, *[c.get(s, 0) for s in statuses], sum(c.values())] for label, c in counts),
            ["Total", *[total.get(s, 0) for s in statuses], sum(total.values())],
        ],
    )
    summary.insert_rows(1)
    summary.cell(row=1, column=1, value=heading).font = Font(bold=True, size=13)
    summary.freeze_panes = "A3"
    summary.auto_filter.ref = f"A2:{get_column_letter(len(statuses) + 2)}{len(counts) + 2}"
    taken = {"summary"}
    for label, rows in sections:
        sheet = book.create_sheet(sheet_title(label, taken))
        _table(
            sheet,
            [(name, width) for name, _, width in ACTION_SHEET_COLUMNS],
            ([status_label(a[key]) if key == "status" else a.get(key) for _, key, _ in ACTION_SHEET_COLUMNS] for a in rows),
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
