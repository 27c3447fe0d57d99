"""Server-rendered SVG charts: geometry computed here, drawn by small templates.

No JavaScript and no CDN: a chart is plain SVG in the page, readable without scripts and
printable. Each function returns the numbers a template needs and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    height: float
    value: int
    series: int  # index of the series, for the colour and the legend


@dataclass(frozen=True)
class BarGroup:
    label: str
    x: float  # centre of the group, for its label
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class GroupedBars:
    width: int
    height: int
    baseline: float  # y of the zero line
    top_value: int  # the value at the top of the plot area (a round number)
    groups: tuple[BarGroup, ...]
    bar_width: float


def _round_up(value: int) -> int:
    """The smallest 1, 2 or 5 times a power of ten at or above ``value`` (at least 1)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def grouped_bars(
    rows: Sequence[tuple[str, Sequence[int]]], *, width: int = 1000, height: int = 150
) -> GroupedBars:
    """Side-by-side bars, one group per row (label, values of each series)."""
    label_space, top_space = 18.0, 14.0
    plot_height = height - label_space - top_space
    top_value = _round_up(max((v for _, values in rows for v in values), default=0))
    series = max((len(values) for _, values in rows), default=1)
    slot = width / max(len(rows), 1)
    bar_width = slot * 0.7 / series
    baseline = height - label_space
    groups = []
    for index, (label, values) in enumerate(rows):
        left = index * slot + slot * 0.15
        bars = tuple(
            Bar(
                x=round(left + s * bar_width, 2),
                y=round(baseline - value / top_value * plot_height, 2),
                height=round(value / top_value * plot_height, 2),
                value=value,
                series=s,
            )
            for s, value in enumerate(values)
        )
        groups.append(BarGroup(label=label, x=round(index * slot + slot / 2, 2), bars=bars))
    return GroupedBars(
        width=width,
        height=height,
        baseline=baseline,
        top_value=top_value,
        groups=tuple(groups),
        bar_width=round(bar_width - 1, 2),
    )
