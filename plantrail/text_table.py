"""Plain-text tables for listings that can run to thousands of rows (history, changes, actions).

rich's ``Table`` measures and re-wraps every cell through its segment machinery: measured at
about 1.8 ms a row, 45 s for the history of a 500-action plan (37,706 events) against 1.8 s
for the same rows as JSON. Here a column's width is the widest of its cells (capped), found
in one pass; a cell is wrapped only when it is wider than its column, so a row costs a few
string operations and the table streams line by line (to a pager, or through a pipe).

The layout is a header, a rule of ``─`` under each column, then one or more lines per row.
The first column is never wrapped (nor capped, nor narrowed) and a continuation line leaves it
blank, so every row starts where the first column has text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
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
    style: Callable[[str], str] | None = None  # colours a cell's text (terminal escapes, not measured)


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


def _fit(text: str, width: int) -> list[tuple[str, int]]:
    """``text`` in lines of at most ``width`` columns, each with its width: broken at spaces,
    over-long words cut."""
    out: list[tuple[str, int]] = []
    for paragraph in text.split("\n"):
        # Every character one column (not merely as many columns as characters: a wide
        # character and a combining mark add up to two as well).
        if paragraph.isascii() or set(map(_CHAR_WIDTHS.__getitem__, paragraph)) <= {1}:
            _fit_narrow(paragraph, width, out)
            continue
        line, used = "", 0
        for word in paragraph.split(" "):
            size = cell_width(word)
            if line and used + 1 + size <= width:
                line, used = f"{line} {word}", used + 1 + size
                continue
            if line:
                out.append((line, used))
            while size > width:
                head, head_size = _cut(word, width)
                out.append((head, head_size))
                word, size = word[len(head) :], size - head_size
            line, used = word, size
        out.append((line, used))
    return out


def _fit_narrow(text: str, width: int, out: list[tuple[str, int]]) -> None:
    """``_fit`` for text whose every character takes one column: cut at the last space that fits."""
    while len(text) > width:
        cut = text.rfind(" ", 0, width + 1)
        if cut <= 0:
            out.append((text[:width], width))
            text = text[width:]
        else:
            out.append((text[:cut], cut))
            text = text[cut + 1 :]
    out.append((text, len(text)))


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
    # The first column is never narrowed: a row starts where it has text.
    found = [found[0]] + [min(w, c.max_width) if c.max_width else w for w, c in zip(found[1:], columns[1:], strict=True)]
    if total is not None:
        excess = sum(found) + len(GAP) * (len(found) - 1) - total
        while excess > 0:
            candidates = [i for i, c in enumerate(columns) if i and c.shrinks and found[i] > MIN_WIDTH]
            if not candidates:
                break
            widest = max(candidates, key=lambda i: found[i])
            found[widest] -= 1
            excess -= 1
    return found


def lines(columns: Sequence[Column], rows: Iterable[Sequence[object]], *, width: int | None = None) -> Iterator[str]:
    """The table's lines (without newlines): header, rule, then each row, wrapped to fit."""
    cells = [[clean(row[0]).replace("\n", " "), *map(clean, row[1:])] for row in rows]
    sizes = [list(map(_line_width, row)) for row in cells]
    column_widths = widths(columns, sizes, width)
    pads = [_padder(c) for c in columns]
    yield GAP.join(_pad(c.header, cell_width(c.header), w, c.right) for c, w in zip(columns, column_widths, strict=True)).rstrip()
    yield GAP.join("─" * w for w in column_widths)
    blank = ("", 0)
    for row, row_sizes in zip(cells, sizes, strict=True):
        fits = list(map(int.__le__, row_sizes, column_widths))
        if all(fits) and not any("\n" in text for text in row):
            yield GAP.join(map(_call, pads, row, row_sizes, column_widths)).rstrip()
            continue
        wrapped = [
            [(text, size)] if fit and "\n" not in text else _fit(text, w)
            for text, size, fit, w in zip(row, row_sizes, fits, column_widths, strict=True)
        ]
        for n in range(max(map(len, wrapped))):
            parts = [part[n] if n < len(part) else blank for part in wrapped]
            line = GAP.join(pad(text, size, w) for pad, (text, size), w in zip(pads, parts, column_widths, strict=True)).rstrip()
            if line:  # a blank line (a note's empty paragraph) would read as the table's end
                yield line


def _call(pad: Callable[[str, int, int], str], text: str, size: int, width: int) -> str:
    return pad(text, size, width)


def _padder(column: Column) -> Callable[[str, int, int], str]:
    """How a cell of ``column`` is padded to its width (and coloured, if the column says so)."""
    style = column.style
    if style is None:
        return _pad_right if column.right else _pad_left
    pad = _pad_right if column.right else _pad_left
    return lambda text, size, width: pad(style(text) if text else text, size, width)


def _pad_left(text: str, size: int, width: int) -> str:
    return text + " " * (width - size)


def _pad_right(text: str, size: int, width: int) -> str:
    return " " * (width - size) + text


def _pad(text: str, size: int, width: int, right: bool) -> str:
    space = " " * (width - size)
    return space + text if right else text + space
