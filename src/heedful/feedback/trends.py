"""Scores over time and the comparisons of the feedback page, in words.

Buckets are calendar weeks (Monday to Sunday, in the site's time zone) for periods up to
90 days and calendar months for longer ones; the first and last bucket may be partial.
A bucket below the minimum sample has no value: the chart shows a gap there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

from django.utils import timezone

from heedful.lib.feedback_stats import Comparison, Metric, score
from heedful.web.linecharts import Bucket, LineChart, line_chart

MONTHLY_FROM_DAYS = 180
SCALES: dict[Metric, tuple[float, float]] = {
    Metric.CSAT: (0.0, 1.0),
    Metric.NPS: (-1.0, 1.0),
    Metric.CES: (1.0, 7.0),
}
REFERENCES: dict[Metric, float] = {Metric.CSAT: 0.5, Metric.NPS: 0.0, Metric.CES: 4.0}


def format_score(metric: Metric, value: float) -> str:
    if metric is Metric.CSAT:
        return f"{value * 100:.0f}%"
    if metric is Metric.NPS:
        return f"{value * 100:+.0f}"
    return f"{value:.1f}"


def bucket_start(at: datetime, monthly: bool) -> date:
    day = timezone.localtime(at).date()
    return day.replace(day=1) if monthly else day - timedelta(days=day.weekday())


def bucket_starts(since: datetime, now: datetime, monthly: bool) -> list[date]:
    first, last = bucket_start(since, monthly), bucket_start(now, monthly)
    starts = []
    current = first
    while current <= last:
        starts.append(current)
        if monthly:
            current = (current.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:
            current += timedelta(days=7)
    return starts


def bucket_label(start: date, monthly: bool) -> str:
    return f"{start:%b %Y}" if monthly else f"{start:%b} {start.day}"


def score_trend(
    metric: Metric,
    counts: Mapping[date, Counter[int]],
    *,
    since: datetime,
    now: datetime,
    min_sample: int,
) -> LineChart:
    """One point per bucket with its 95% interval; a gap below ``min_sample``.
    ``counts`` maps a bucket's first day (bucket_start) to its answers per rating."""
    monthly = (now - since).days >= MONTHLY_FROM_DAYS
    buckets = []
    for start in bucket_starts(since, now, monthly):
        result = score(metric, counts.get(start, Counter()).elements(), min_sample=min_sample)
        buckets.append(
            Bucket(bucket_label(start, monthly), result.n, result.value, result.low, result.high)
        )
    return line_chart(
        buckets,
        scale=SCALES[metric],
        fmt=lambda value: format_score(metric, value),
        reference=REFERENCES[metric],
        width=420,
        height=170,
    )


def sentiment_trend(
    scores: Sequence[tuple[datetime, float]], *, since: datetime, now: datetime
) -> LineChart:
    """Weekly mean sentiment (compound, -1 to 1) and the number of messages scored."""
    by_week: dict[date, list[float]] = {}
    for at, compound in scores:
        by_week.setdefault(bucket_start(at, monthly=False), []).append(compound)
    weekly = {week: (len(values), sum(values) / len(values)) for week, values in by_week.items()}
    return weekly_sentiment_chart(weekly, since=since, now=now)


def weekly_sentiment_chart(
    weekly: Mapping[date, tuple[int, float]], *, since: datetime, now: datetime
) -> LineChart:
    """The sentiment chart from (messages, mean) per week's first day (bucket_start)."""
    buckets = []
    for start in bucket_starts(since, now, monthly=False):
        count, mean = weekly.get(start, (0, None))
        buckets.append(Bucket(bucket_label(start, monthly=False), count, mean))
    return line_chart(
        buckets,
        scale=(-1.0, 1.0),
        fmt=lambda value: f"{value:+.2f}",
        reference=0.0,
        width=320,
        height=130,
        gap_text="no messages",
    )


def _p_text(p_value: float) -> str:
    if p_value < 0.001:
        return "p<0.001"
    return f"p={p_value:.3f}" if p_value < 0.01 else f"p={p_value:.2f}"


def _difference_text(metric: Metric, difference: float) -> str:
    if metric is Metric.CES:
        amount, unit = round(difference, 1), ""
        shown = f"{abs(amount):.1f}"
    else:
        amount = round(difference * 100)
        shown = f"{abs(amount):.0f} point{'s' if abs(amount) != 1 else ''}"
        unit = ""
    if amount == 0:
        return "no change"
    return f"{'up' if amount > 0 else 'down'} {shown}{unit}"


def describe_comparison(
    metric: Metric, comparison: Comparison, sizes: tuple[int, int], min_sample: int
) -> str:
    """ "up 6 points, significant (p=0.01)" or why there is no answer."""
    if comparison.difference is None:
        return (
            f"not enough data to compare (n = {sizes[0]} and {sizes[1]}; "
            f"{min_sample} needed in each)"
        )
    change = _difference_text(metric, comparison.difference)
    if comparison.p_value is None:
        return f"{change}; no test possible (every answer alike)"
    verdict = "significant" if comparison.significant else "not significant"
    return f"{change}, {verdict} ({_p_text(comparison.p_value)})"
