"""A CSV action list as Excel really writes one, read into rows for ``importers.sheet``.

Excel's "CSV UTF-8" starts with a byte order mark; its plain "CSV (Comma delimited)" is
Windows-1252; European Excel separates with ``;``; "Unicode Text" is UTF-16 with tabs; and a
``sep=;`` first line tells Excel the separator. All of those are read, and the output says which
encoding and separator were used.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from plantrail.importers import ImportFileError
from plantrail.importers.sheet import Cell, SheetOptions, SheetResult, read_rows

_SEP_LINE = re.compile(r"\s*sep=(.)\s*")
_SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab"}


def decode(raw: bytes, path: Path) -> tuple[str, str]:
    """The text and the name of the encoding it was read in."""
    # A byte order mark says which encoding the file is in: bytes that do not fit it are the
    # file's fault, named like any other bad byte (they once came out as a traceback).
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decoded_as_marked(raw, 0, "utf-16", "UTF-16", path), "UTF-16"
    if raw.startswith(b"\xef\xbb\xbf"):
        return _decoded_as_marked(raw, 3, "utf-8", "UTF-8", path), "UTF-8 with BOM"
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as error:
        raise ImportFileError(
            f"{path}: byte {error.start} is neither UTF-8 nor Windows-1252 text; save the sheet as 'CSV UTF-8' and import that"
        ) from None


def _decoded_as_marked(raw: bytes, start: int, codec: str, name: str, path: Path) -> str:
    try:
        return raw[start:].decode(codec)
    except UnicodeDecodeError as error:
        raise ImportFileError(
            f"{path}: byte {start + error.start} is not {name} text, though the file starts with {name}'s byte order mark; "
            "save the sheet as 'CSV UTF-8' and import that"
        ) from None


def separator(text: str) -> tuple[str, str]:
    """The separator (Excel's ``sep=`` line, else the one most used in the header) and the text
    without a ``sep=`` line."""
    first, _, rest = text.partition("\n")
    declared = _SEP_LINE.fullmatch(first.rstrip("\r"))
    if declared:
        return declared.group(1), rest
    counts = {sep: first.count(sep) for sep in _SEPARATORS}
    best = max(counts, key=lambda sep: counts[sep])
    return (best if counts[best] else ","), text


def read_actions_csv(path: Path, *, options: SheetOptions) -> SheetResult:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ImportFileError(f"{path}: cannot read: {error.strerror}") from None
    text, encoding = decode(raw, path)
    sep, body = separator(text)
    try:
        # Row numbers are Excel's: records, not lines (a cell may hold line breaks).
        records: list[tuple[int, list[Cell]]] = [
            (number, list(row)) for number, row in enumerate(csv.reader(io.StringIO(body, newline=""), delimiter=sep), start=1)
        ]
    except csv.Error as error:
        raise ImportFileError(f"{path}: not readable as CSV: {error}") from None
    notices = [f"{path}: read as {encoding} text, {_SEPARATORS.get(sep, repr(sep))}-separated"]
    return read_rows(records, source=str(path), options=options, notices=notices)
