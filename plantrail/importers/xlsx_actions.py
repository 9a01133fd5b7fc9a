"""An ``.xlsx`` action list (openpyxl), read into rows for ``importers.sheet``.

The first worksheet is read, with cell values as Excel last calculated them. Dates come as
dates (or serial numbers where a cell lost its date format); a percentage-formatted progress
cell holds 0.7 for 70 %, so it is given to the sheet reader as "70%".
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

from plantrail.importers import ImportFileError
from plantrail.importers.sheet import Cell, SheetOptions, SheetResult, read_rows


def _cell_value(cell: object) -> Cell:
    value = getattr(cell, "value", None)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float) and "%" in str(getattr(cell, "number_format", "") or ""):
        return f"{round(value * 100, 6):g}%"
    if value is None or isinstance(value, str | int | float | date):
        return value
    return str(value)


def read_actions_xlsx(path: Path, *, options: SheetOptions) -> SheetResult:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ImportFileError(f"{path}: not readable as an .xlsx workbook ({type(error).__name__}); save it from Excel as .xlsx") from None
    try:
        sheet = workbook.worksheets[0]
        rows = [(number, [_cell_value(c) for c in row]) for number, row in enumerate(sheet.iter_rows(), start=1)]
        title = sheet.title
    finally:
        workbook.close()
    notices = [f"{path}: read worksheet {title!r}" + (f" (of {len(workbook.sheetnames)})" if len(workbook.sheetnames) > 1 else "")]
    return read_rows(rows, source=str(path), options=options, notices=notices)
