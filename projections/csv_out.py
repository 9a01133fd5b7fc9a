"""The one way plantrail writes CSV: what Excel opens correctly and cannot be made to run.

Every CSV output (report, history, changes, actions) goes through ``csv_text``:
- it starts with a UTF-8 byte order mark, without which Excel reads the seed's own en dashes
  as ``â€“``;
- a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed
  with an apostrophe (OWASP's rule for CSV injection), so a note such as ``=HYPERLINK(…)`` is
  shown as typed instead of being run as a formula in the clerk's Excel; numbers stay numbers;
- lists, pairs and dicts are written as plain words ("40 → 50", "Ann; Bob"), never as JSON.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(text: str) -> str:
    """``text`` as a spreadsheet shows it without running it."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def plain(value: Any) -> str:
    """A value in plain words: lists joined with "; ", dicts as "key: value" pairs."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {plain(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(plain(v) for v in value)
    return str(value)


def cell(value: Any) -> Any:
    """What one CSV or XLSX cell holds: a number as a number, anything else as inert text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return inert(plain(value))


def csv_text(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], headers: Sequence[str] | None = None) -> str:
    """The rows' ``columns`` as CSV text with a BOM; ``headers`` names the columns if given."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers or columns)
    for row in rows:
        writer.writerow([cell(row.get(name)) for name in columns])
    return out.getvalue()
