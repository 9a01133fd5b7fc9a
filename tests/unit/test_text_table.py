"""The plain-text tables of long listings: every line fits, wrapped cells keep their words,
wide characters count two columns, control characters never reach the terminal."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from plantrail.text_table import Column, cell_width, lines

WORDS = st.lists(
    st.text(alphabet=st.sampled_from("abcXYZ→…é日本語한\u0301"), min_size=1, max_size=25),
    min_size=1,
    max_size=12,
).map(" ".join)


def width_by_hand(text: str) -> int:
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


@given(st.lists(st.tuples(WORDS, WORDS), min_size=1, max_size=6), st.integers(min_value=12, max_value=40))
def test_every_line_fits_its_columns_and_wrapped_cells_keep_their_words(rows, cap):
    columns = [Column("Key", max_width=cap), Column("Value", max_width=cap)]
    out = list(lines(columns, rows))
    rule = out[1]
    starts = [0, rule.index("  ─") + 2]
    assert all(width_by_hand(line) <= width_by_hand(rule) for line in out)
    cells: list[list[str]] = []
    for line in out[2:]:
        # Columns by display position: walk the characters, counting their widths.
        at, parts = 0, ["", ""]
        for ch in line:
            parts[0 if at < starts[1] else 1] += ch
            at += width_by_hand(ch)
        key, value = parts[0].strip(), parts[1].strip()
        if key and (not cells or parts[0][0] != " "):
            cells.append([key, value])
        else:
            cells[-1] = [f"{cells[-1][0]} {key}".strip(), f"{cells[-1][1]} {value}".strip()]
    # A word longer than the column is cut without a space: compare with the spaces taken out.
    assert [[c.replace(" ", "") for c in row] for row in cells] == [[c.replace(" ", "") for c in row] for row in rows]


def test_wide_and_combining_characters_take_their_display_width():
    assert (cell_width("日本"), cell_width("e\u0301"), cell_width("a → b"), cell_width("")) == (4, 1, 5, 0)


def test_control_characters_are_shown_as_spaces_and_newlines_start_lines():
    out = list(lines([Column("N"), Column("Text")], [["1", "red\x1b[31m alarm\x07\tend"], ["2\n3", "one\ntwo"]]))
    assert out[2:] == ["1    red [31m alarm  end", "2 3  one", "     two"]  # the first column never wraps
    assert not any(ch in line for line in out for ch in "\x1b\x07\t")


def test_a_coloured_column_lines_up_as_the_plain_one_once_the_colours_are_taken_out():
    import re

    from plantrail.listings import coloured_status

    rows = [["SS_1", "▲ Alert ◷"], ["SS_22", "● OK"], ["SS_3", "✔ Complete"], ["SS_4", ""]]
    plain = list(lines([Column("Code"), Column("Status")], rows))
    coloured = list(lines([Column("Code"), Column("Status", style=coloured_status)], rows))
    assert [re.sub("\x1b\\[[0-9;]*m", "", line) for line in coloured] == plain
    assert sum("\x1b[" in line for line in coloured) == 3  # the three statuses, not the header, rule or empty cell


def test_an_empty_paragraph_leaves_no_blank_line_that_would_end_the_table():
    out = list(lines([Column("N"), Column("Text")], [["1", "first\n\nsecond"], ["2", "third"]]))
    assert out[2:] == ["1  first", "   second", "2  third"]


def test_a_wide_character_and_a_combining_mark_are_not_taken_for_two_narrow_ones():
    # "日\u0301" is two characters and two columns, but not two one-column characters: cut
    # as if it were, a line ran past its column (found by the property test above).
    out = list(lines([Column("Key", max_width=12), Column("Value", max_width=12)], [("X", "X X \u0301 X日 \u0301日日 \u0301\u0301日")]))
    assert all(cell_width(line) <= cell_width(out[1]) for line in out)
