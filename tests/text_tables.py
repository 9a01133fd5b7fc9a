"""Read the CLI's box-drawn tables (rich's default style) back into rows, so a test compares
cells with values it derived itself instead of looking for a word anywhere in the output."""

from __future__ import annotations


def _cells(line: str, bar: str) -> list[str]:
    return [cell.strip() for cell in line.strip()[1:-1].split(bar)]


def table_rows(text: str, *, key: str | None = None) -> list[dict[str, str]]:
    """The rows of the first table in ``text``, as {header: cell}, wrapped cells joined by a space.

    A line whose ``key`` cell (default: the first column) is empty continues the row above, so
    ``key`` must name a column that is never empty and never wraps.
    """
    lines = text.splitlines()
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
