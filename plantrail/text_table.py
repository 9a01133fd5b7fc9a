"""Plain-text tables for listings that can run to thousands of rows (history, changes, actions).

rich's ``Table`` measures and re-wraps every cell through its segment machinery: measured at
about 1.8 ms a row, 45 s for the history of a 500-action plan (37,706 events) against 1.8 s
for the same rows as JSON. Here a column's width is the widest of its cells (capped), found
in one pass; a cell is wrapped only when it is wider than its column, so a row costs a few
string operations and the table streams line by line (to a pager, or through a pipe).

The layout is a header, a rule of ``─`` under each column, then one or more lines per row;
a continuation line leaves the first column blank, so every row starts where the first
column has text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

GAP = "  "
# Any control character would move the cursor or recolour the terminal: shown as a space.
_CONTROLS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Column:
    header: str
    max_width: int | None = None  # wider cells wrap onto more lines
    right: bool = False  # right-aligned (figures)
    shrinks: bool = True  # may be narrowed, down to ``MIN_WIDTH``, when the table is too wide


MIN_WIDTH = 12


def clean(value: object) -> str:
    """A cell's text with control characters (but newlines) made spaces."""
    text = str(value)
    return text if text.isprintable() else _CONTROLS.sub(" ", text)


class _CharWidths(dict[str, int]):
    """Each character's width, worked out once (``unicodedata`` per character is slow)."""

    def __missing__(self, ch: str) -> int:
        size = 0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        self[ch] = size
        return size


_CHAR_WIDTHS = _CharWidths()


def cell_width(text: str) -> int:
    """Terminal columns taken: wide (East Asian) characters two, combining marks none."""
    return len(text) if text.isascii() else sum(map(_CHAR_WIDTHS.__getitem__, text))


def _line_width(text: str) -> int:
    return cell_width(text) if "\n" not in text else max(map(cell_width, text.split("\n")))


def _fit(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` columns: broken at spaces, over-long words cut."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        if cell_width(paragraph) == len(paragraph):
            _fit_narrow(paragraph, width, out)
            continue
        line, used = "", 0
        for word in paragraph.split(" "):
            size = cell_width(word)
            if line and used + 1 + size <= width:
                line, used = f"{line} {word}", used + 1 + size
                continue
            if line:
                out.append(line)
            while size > width:
                head, head_size = _cut(word, width)
                out.append(head)
                word, size = word[len(head) :], size - head_size
            line, used = word, size
        out.append(line)
    return out


def _fit_narrow(text: str, width: int, out: list[str]) -> None:
    """``_fit`` for text whose every character takes one column: cut at the last space that fits."""
    while len(text) > width:
        cut = text.rfind(" ", 0, width + 1)
        if cut <= 0:
            out.append(text[:width])
            text = text[width:]
        else:
            out.append(text[:cut])
            text = text[cut + 1 :]
    out.append(text)


def _cut(word: str, width: int) -> tuple[str, int]:
    used = 0
    for i, ch in enumerate(word):
        size = cell_width(ch)
        if used + size > width:
            return word[: max(i, 1)], used if i else size
        used += size
    return word, used


def widths(columns: Sequence[Column], sizes: Iterable[Sequence[int]], total: int | None) -> list[int]:
    """Each column's width: its widest cell (``sizes``: each row's cell widths), capped at
    ``max_width``; then, if the whole is wider than ``total``, the widest shrinkable columns
    narrowed until it fits."""
    found = [cell_width(c.header) for c in columns]
    for row in sizes:
        found = list(map(max, found, row))
    found = [min(w, c.max_width) if c.max_width else w for w, c in zip(found, columns, strict=True)]
    if total is not None:
        excess = sum(found) + len(GAP) * (len(found) - 1) - total
        while excess > 0:
            candidates = [i for i, c in enumerate(columns) if c.shrinks and found[i] > MIN_WIDTH]
            if not candidates:
                break
            widest = max(candidates, key=lambda i: found[i])
            found[widest] -= 1
            excess -= 1
    return found


def lines(columns: Sequence[Column], rows: Iterable[Sequence[object]], *, width: int | None = None) -> Iterator[str]:
    """The table's lines (without newlines): header, rule, then each row, wrapped to fit."""
    cells = [[clean(v) for v in row] for row in rows]
    sizes = [list(map(_line_width, row)) for row in cells]
    column_widths = widths(columns, sizes, width)
    right = [c.right for c in columns]
    yield GAP.join(_pad(c.header, cell_width(c.header), w, c.right) for c, w in zip(columns, column_widths, strict=True)).rstrip()
    yield GAP.join("─" * w for w in column_widths)
    for row, row_sizes in zip(cells, sizes, strict=True):
        if all(map(int.__le__, row_sizes, column_widths)) and not any("\n" in text for text in row):
            yield GAP.join(map(_pad, row, row_sizes, column_widths, right)).rstrip()
            continue
        wrapped = [_fit(text, w) for text, w in zip(row, column_widths, strict=True)]
        for n in range(max(map(len, wrapped))):
            parts = [part[n] if n < len(part) else "" for part in wrapped]
            yield GAP.join(map(_pad, parts, map(cell_width, parts), column_widths, right)).rstrip()


def _pad(text: str, size: int, width: int, right: bool) -> str:
    space = " " * (width - size)
    return space + text if right else text + space
