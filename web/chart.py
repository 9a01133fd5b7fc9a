"""Status counts over committee dates as stacked bars in inline SVG, drawn on the server.

No script and no inline style (the CSP forbids both): shapes carry presentation attributes, each
band a pattern as well as a colour, so the chart reads in black and white. The page shows the
same numbers in a table beside it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from projections.statuses import COUNT_STATUS
from projections.wording import day as day_in_words

BANDS = ["alert", "warning", "ok", "complete", "cancelled"]
FILLS = {"alert": "#b10e1e", "warning": "#f47738", "ok": "#00703c", "complete": "#1d4f91", "cancelled": "#6f777b"}
PATTERNS = {"alert": "url(#p-alert)", "warning": "url(#p-warning)"}
WIDTH, HEIGHT, BAR, GAP, LEFT, BOTTOM = 640, 260, 48, 40, 40, 40


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    fill: str
    pattern: str | None
    title: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    rects: list[Rect]
    labels: list[tuple[float, str]]  # (x centre, date in words, as the table beside it)
    axis_top: int
    axis_y: float
    total_max: int
    legend: list[tuple[str, str, str | None]]  # (word, fill, pattern)


def status_chart(over_time: list[tuple[date, dict[str, int]]]) -> Chart:
    top = max((sum(counts.values()) for _, counts in over_time), default=0) or 1
    plot = HEIGHT - BOTTOM - 20
    rects: list[Rect] = []
    labels: list[tuple[float, str]] = []
    width = max(WIDTH, LEFT + len(over_time) * (BAR + GAP) + GAP)
    for index, (day, counts) in enumerate(over_time):
        x = LEFT + GAP + index * (BAR + GAP)
        y = float(HEIGHT - BOTTOM)
        for band in BANDS:
            n = counts.get(band, 0)
            if not n:
                continue
            h = plot * n / top
            y -= h
            rects.append(Rect(x, y, BAR, h, FILLS[band], PATTERNS.get(band), f"{day_in_words(day)}: {n} {COUNT_STATUS[band]}"))
        labels.append((x + BAR / 2, day_in_words(day)))
    legend = [(COUNT_STATUS[b], FILLS[b], PATTERNS.get(b)) for b in BANDS]
    return Chart(width, HEIGHT, rects, labels, 20, HEIGHT - BOTTOM, top, legend)
