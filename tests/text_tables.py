"""Read the CLI's tables back into rows, so a test compares cells with values it derived itself
instead of looking for a word anywhere in the output. Two layouts: rich's box-drawn tables
(short outputs) and the plain-text tables of the long listings (``plantrail/text_table.py``)."""

from __future__ import annotations

import re


def _cells(line: str, bar: str) -> list[str]:
    return [cell.strip() for cell in line.strip()[1:-1].split(bar)]


def table_rows(text: str, *, key: str | None = None) -> list[dict[str, str]]:
    """The rows of the first table in ``text``, as {header: cell}, wrapped cells joined by a space.

    A line whose ``key`` cell (default: the first column) is empty continues the row above, so
    ``key`` must name a column that is never empty and never wraps.
    """
    lines = text.splitlines()
    if not any(line.lstrip().startswith("┃") for line in lines):
        return plain_table(text)[1]
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


def plain_table(text: str) -> tuple[str, list[dict[str, str]]]:
    """The title line and the rows of the first plain-text table in ``text``: columns are where
    the rule of ``─`` runs under the header; a line with its first column blank continues the
    row above (wrapped cells are re-joined with a space)."""
    lines = text.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.startswith("─"))
    spans = [(m.start(), m.end()) for m in re.finditer("─+", lines[rule])]
    header = [lines[rule - 1][a:b].strip() for a, b in spans]
    rows: list[dict[str, str]] = []
    for line in lines[rule + 1 :]:
        if not line.strip():
            break
        cells = [line[a : b if n + 1 < len(spans) else None].strip() for n, (a, b) in enumerate(spans)]
        if cells[0]:
            rows.append(dict(zip(header, cells, strict=True)))
        else:
            for key, cell in zip(header, cells, strict=True):
                if cell:
                    rows[-1][key] = f"{rows[-1][key]} {cell}".strip()
    return lines[rule - 2], rows
