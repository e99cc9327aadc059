"""Bar charts as SVG, for the annual report's page and the oversight dashboard alike.

Drawn here rather than by a charting library: a few horizontal bars need no script (the
pages' Content-Security-Policy allows none inline) and no dependency, and the same bars
must appear in a self-contained HTML file. Every label is escaped; a withheld count has
no bar, only the word. A chart is an image with a name; the page shows its numbers as a
table too, for a reader who does not see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from facedocket.reports.suppress import Shown

WITHHELD = "withheld"
BAR_HEIGHT, LABEL_WIDTH, BAR_WIDTH = 24, 190, 260
# One colour per part of a stacked bar (then again): dark enough for white's contrast,
# apart in hue; the legend names each, and the table under the chart gives the numbers.
PARTS = ("#1f4e9c", "#c05600", "#00687d", "#5e519e", "#4d8055", "#b50909")


@dataclass(frozen=True)
class Chart:
    """Bars a reader takes in at a glance: a label and a count (None: withheld)."""

    title: str
    bars: tuple[tuple[str, Shown], ...]


def count(value: Shown) -> str:
    return WITHHELD if value is None else str(value)


@dataclass(frozen=True)
class Stacked:
    """Bars split into parts: one bar per label (a month), one part per series (a legal
    basis, an agency), so the split shows at a glance as well as the total."""

    title: str
    series: tuple[str, ...]
    bars: tuple[tuple[str, tuple[int, ...]], ...]


def stacked_svg(chart: Stacked) -> str:
    """The stacked chart as an ``<svg>``, each bar's total after it, the legend below."""
    largest = max((sum(parts) for _, parts in chart.bars), default=0) or 1
    legend_top = max(len(chart.bars), 1) * BAR_HEIGHT + 12
    height = legend_top + len(chart.series) * 20 + 4
    width = LABEL_WIDTH + BAR_WIDTH + 80
    rows = []
    for index, (label, parts) in enumerate(chart.bars):
        y = index * BAR_HEIGHT + 2
        rows.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end">{escape(label)}</text>'
        )
        x = LABEL_WIDTH
        for part, value in enumerate(parts):
            length = round(BAR_WIDTH * value / largest)
            if length:
                rows.append(
                    f'<rect x="{x}" y="{y + 3}" width="{length}" height="{BAR_HEIGHT - 6}" '
                    f'fill="{PARTS[part % len(PARTS)]}"/>'
                )
            x += length
        rows.append(f'<text x="{x + 6}" y="{y + 16}">{sum(parts)}</text>')
    for part, name in enumerate(chart.series):
        y = legend_top + part * 20
        short = name if len(name) <= 40 else name[:39] + "…"
        rows.append(
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="14" height="14" '
            f'fill="{PARTS[part % len(PARTS)]}"/>'
            f'<text x="{LABEL_WIDTH + 20}" y="{y + 12}">{escape(short)}</text>'
        )
    return (
        f'<svg class="chart maxw-full height-auto" role="img" aria-label="{escape(chart.title)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" font-size="13" '
        'font-family="system-ui, sans-serif">' + "".join(rows) + "</svg>"
    )


def svg(chart: Chart, empty: str = "none in this period") -> str:
    """The chart as an ``<svg>``; its classes (USWDS utilities, and ``chart`` for the
    annual page's own style) let it shrink to a narrow screen without inline style,
    which the pages' Content-Security-Policy refuses."""
    largest = max((value for _, value in chart.bars if value), default=1)
    height = max(len(chart.bars), 1) * BAR_HEIGHT + 4
    width = LABEL_WIDTH + BAR_WIDTH + 80
    rows = []
    for index, (label, value) in enumerate(chart.bars):
        y = index * BAR_HEIGHT + 2
        short = label if len(label) <= 28 else label[:27] + "…"
        rows.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end">{escape(short)}</text>'
        )
        length = 0 if value is None else round(BAR_WIDTH * value / largest)
        if length:
            rows.append(
                f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{length}" '
                f'height="{BAR_HEIGHT - 6}" fill="#1f4e9c"/>'
            )
        rows.append(f'<text x="{LABEL_WIDTH + length + 6}" y="{y + 16}">{count(value)}</text>')
    if not chart.bars:
        rows.append(f'<text x="{LABEL_WIDTH}" y="18">{escape(empty)}</text>')
    return (
        f'<svg class="chart maxw-full height-auto" role="img" aria-label="{escape(chart.title)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" font-size="13" '
        'font-family="system-ui, sans-serif">' + "".join(rows) + "</svg>"
    )
