"""Read the CLI's tables back into rows, so a test compares cells with values it derived itself
instead of looking for a word anywhere in the output.

Two layouts: rich's box-drawn tables (┃ header ┃, │ cells │), and plantrail.text_table's plain
listings (a header line, a rule of ─ under each column, cells padded to the rule's widths).
In both, a line whose key cell is blank continues the row above (wrapped cells).
"""

from __future__ import annotations

import re


def _boxed(lines: list[str], header_at: int) -> tuple[list[str], list[list[str]]]:
    def cells(line: str, bar: str) -> list[str]:
        return [cell.strip() for cell in line.strip()[1:-1].split(bar)]

    headers: list[str] = []
    for line in lines[header_at:]:
        if not line.lstrip().startswith("┃"):
            break
        parts = cells(line, "┃")
        headers = parts if not headers else [f"{h} {p}".strip() for h, p in zip(headers, parts, strict=True)]
    body = []
    for line in lines[header_at:]:
        if line.lstrip().startswith("└"):
            break
        if line.lstrip().startswith("│"):
            body.append(cells(line, "│"))
    return headers, body


def _plain(lines: list[str], rule_at: int) -> tuple[list[str], list[list[str]]]:
    spans = [(m.start(), m.end()) for m in re.finditer("─+", lines[rule_at])]
    starts = [start for start, _ in spans]

    def cells(line: str) -> list[str]:
        return [line[start : (starts[i + 1] if i + 1 < len(starts) else None)].strip() for i, start in enumerate(starts)]

    body = []
    for line in lines[rule_at + 1 :]:
        if line.strip():  # a blank line is a cell's own blank line (a note's paragraphs)
            body.append(cells(line))
    return cells(lines[rule_at - 1]), body


def table_rows(text: str, *, key: str | None = None) -> list[dict[str, str]]:
    """The rows of the first table in ``text``, as {header: cell}, wrapped cells joined by a space.

    ``key`` (default: the first column) must name a column that is never blank and never wraps.
    """
    lines = text.splitlines()
    boxed = next((i for i, line in enumerate(lines) if line.lstrip().startswith("┃")), None)
    if boxed is not None:
        headers, body = _boxed(lines, boxed)
    else:
        rule = next(i for i, line in enumerate(lines) if i and re.fullmatch(r"─+( +─+)*", line.strip()))
        headers, body = _plain(lines, rule)
    column = headers.index(key) if key is not None else 0
    rows: list[list[str]] = []
    for parts in body:
        if parts[column] or not rows:
            rows.append(parts)
        else:
            rows[-1] = [f"{old} {new}".strip() for old, new in zip(rows[-1], parts, strict=True)]
    return [dict(zip(headers, row, strict=True)) for row in rows]
