"""Read the CLI's tables back into rows, so a test compares cells with values it derived itself
instead of looking for a word anywhere in the output: box-drawn ones (rich's default style) and
the plain-text ones of plantrail/text_table.py (a header, a rule of ``─`` runs under it)."""

from __future__ import annotations

import re
import unicodedata


def _cells(line: str, bar: str) -> list[str]:
    return [cell.strip() for cell in line.strip()[1:-1].split(bar)]


def table_rows(text: str, *, key: str | None = None) -> list[dict[str, str]]:
    """The rows of the first table in ``text``, as {header: cell}, wrapped cells joined by a space.

    A line whose ``key`` cell (default: the first column) is empty continues the row above, so
    ``key`` must name a column that is never empty and never wraps.
    """
    lines = text.splitlines()
    if not any(line.lstrip().startswith("┃") for line in lines):
        return _plain_rows(lines, key)
    header_at = next(i for i, line in enumerate(lines) if line.lstrip().startswith("┃"))
    headers: list[str] = []
    for line in lines[header_at:]:
        if not line.lstrip().startswith("┃"):
            break
        parts = _cells(line, "┃")
        headers = parts if not headers else [f"{h} {p}".strip() for h, p in zip(headers, parts, strict=True)]
    column = headers.index(key) if key is not None else 0
    rows: list[list[str]] = []
    for line in lines[header_at:]:
        if line.lstrip().startswith("└"):
            break
        if not line.lstrip().startswith("│"):
            continue
        parts = _cells(line, "│")
        if parts[column] or not rows:
            rows.append(parts)
        else:
            rows[-1] = [f"{old} {new}".strip() for old, new in zip(rows[-1], parts, strict=True)]
    return [dict(zip(headers, row, strict=True)) for row in rows]


def _by_display_column(line: str) -> list[str]:
    """The line as one string per terminal column (a wide character fills two, the second empty;
    a combining mark joins the character before it)."""
    out: list[str] = []
    for ch in line:
        if unicodedata.combining(ch) and out:
            out[-1] += ch
        else:
            out += [ch, ""] if unicodedata.east_asian_width(ch) in "WF" else [ch]
    return out


def _plain_rows(lines: list[str], key: str | None) -> list[dict[str, str]]:
    """The rows of the first plain-text table: columns lie where the rule's ``─`` runs are."""
    rule_at = next(i for i, line in enumerate(lines) if line.startswith("─"))
    spans = [(m.start(), m.end()) for m in re.finditer("─+", lines[rule_at])]
    spans[-1] = (spans[-1][0], None)  # the last column runs to the end of the line

    def cells(line: str) -> list[str]:
        columns = _by_display_column(line)
        return ["".join(columns[start:end]).strip() for start, end in spans]

    headers = cells(lines[rule_at - 1])
    column = headers.index(key) if key is not None else 0
    rows: list[list[str]] = []
    for line in lines[rule_at + 1 :]:
        if not line.strip():
            break
        parts = cells(line)
        if parts[column] or not rows:
            rows.append(parts)
        else:
            rows[-1] = [f"{old} {new}".strip() for old, new in zip(rows[-1], parts, strict=True)]
    return [dict(zip(headers, row, strict=True)) for row in rows]
