"""Server-rendered line charts over time buckets, with an optional interval band.

Like heedful.web.charts: the geometry is computed here and drawn by a small template
(web/includes/line_chart.html). A bucket without a value (below the minimum sample) is
drawn as a hatched gap, never as an invented point: the line breaks there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Bucket:
    """One period of time on the x axis. ``value`` is None when there is not enough
    data; ``low``/``high`` are the interval (None for no band)."""

    label: str
    n: int
    value: float | None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    title: str  # shown on hover: the bucket, the value, the interval, n


@dataclass(frozen=True)
class ChartGap:
    x: float
    width: float
    title: str


@dataclass(frozen=True)
class ChartLabel:
    x: float
    text: str


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    top: float  # y of the plot's top edge
    bottom: float  # y of the plot's bottom edge
    top_label: str
    bottom_label: str
    reference_y: float | None  # a dashed line (zero, or the scale's middle)
    lines: tuple[str, ...]  # SVG path data, one per run of consecutive values
    bands: tuple[str, ...]  # SVG polygon points, one per run
    points: tuple[ChartPoint, ...]
    gaps: tuple[ChartGap, ...]
    labels: tuple[ChartLabel, ...]

    @property
    def has_values(self) -> bool:
        return bool(self.points)


def _runs(buckets: Sequence[Bucket]) -> list[list[int]]:
    """Indexes of consecutive buckets that have a value."""
    runs: list[list[int]] = []
    current: list[int] = []
    for index, bucket in enumerate(buckets):
        if bucket.value is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(index)
    if current:
        runs.append(current)
    return runs


def _label_every(count: int, room: int) -> int:
    """Show every k-th x label so that at most ``room`` labels are drawn."""
    return max(1, -(-count // max(room, 1)))


def line_chart(
    buckets: Sequence[Bucket],
    *,
    scale: tuple[float, float],
    fmt: Callable[[float], str],
    reference: float | None = None,
    width: int = 1000,
    height: int = 160,
    gap_text: str = "not enough data",
) -> LineChart:
    """A line over ``buckets`` on a fixed ``scale`` (low, high), e.g. 0-1 for CSAT: a
    fixed scale keeps charts of different periods comparable and never exaggerates a
    small change."""
    low_value, high_value = scale
    left, right, top, label_space = 44.0, 10.0, 10.0, 20.0
    bottom = height - label_space
    slot = (width - left - right) / max(len(buckets), 1)

    def x_of(index: int) -> float:
        return round(left + slot * (index + 0.5), 2)

    def y_of(value: float) -> float:
        clamped = min(max(value, low_value), high_value)
        share = (clamped - low_value) / (high_value - low_value)
        return round(bottom - share * (bottom - top), 2)

    points, gaps = [], []
    for index, bucket in enumerate(buckets):
        if bucket.value is None:
            title = f"{bucket.label}: {gap_text} (n = {bucket.n})"
            gaps.append(ChartGap(round(left + slot * index + 1, 2), round(slot - 2, 2), title))
            continue
        title = f"{bucket.label}: {fmt(bucket.value)}"
        if bucket.low is not None and bucket.high is not None:
            title += f" (95% interval {fmt(bucket.low)} to {fmt(bucket.high)})"
        points.append(ChartPoint(x_of(index), y_of(bucket.value), f"{title}, n = {bucket.n}"))
    lines, bands = [], []
    for run in _runs(buckets):
        lines.append(
            " ".join(
                f"{'M' if i == 0 else 'L'}{x_of(index)} {y_of(buckets[index].value or 0)}"
                for i, index in enumerate(run)
            )
        )
        with_band = [i for i in run if buckets[i].low is not None and buckets[i].high is not None]
        if len(with_band) == len(run):
            upper = [f"{x_of(i)},{y_of(buckets[i].high or 0)}" for i in run]
            lower = [f"{x_of(i)},{y_of(buckets[i].low or 0)}" for i in reversed(run)]
            if len(run) == 1:  # a lone bucket: a short vertical bar of its interval
                x = x_of(run[0])
                upper = [f"{x - 3},{y_of(buckets[run[0]].high or 0)}"]
                upper.append(f"{x + 3},{y_of(buckets[run[0]].high or 0)}")
                lower = [f"{x + 3},{y_of(buckets[run[0]].low or 0)}"]
                lower.append(f"{x - 3},{y_of(buckets[run[0]].low or 0)}")
            bands.append(" ".join(upper + lower))
    every = _label_every(len(buckets), int((width - left - right) // 70))
    labels = [
        ChartLabel(x_of(i), bucket.label) for i, bucket in enumerate(buckets) if i % every == 0
    ]
    return LineChart(
        width=width,
        height=height,
        top=top,
        bottom=bottom,
        top_label=fmt(high_value),
        bottom_label=fmt(low_value),
        reference_y=y_of(reference) if reference is not None else None,
        lines=tuple(lines),
        bands=tuple(bands),
        points=tuple(points),
        gaps=tuple(gaps),
        labels=tuple(labels),
    )
