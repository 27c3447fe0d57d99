"""Scores over time (weekly or monthly buckets, gaps below the minimum) and the words
that say whether a difference is significant."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from django.utils import timezone

from heedful.feedback.trends import bucket_start, bucket_starts, describe_comparison, score_trend
from heedful.lib.feedback_stats import Metric, compare


def local(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime(year, month, day, hour))


NOW = local(2026, 11, 25)  # a Wednesday


def weekly(answers: list[tuple[datetime, int]]) -> dict[date, Counter[int]]:
    """What the database's GROUP BY gives the chart: answers per week and rating."""
    counts: dict[date, Counter[int]] = {}
    for at, rating in answers:
        counts.setdefault(bucket_start(at, monthly=False), Counter())[rating] += 1
    return counts


def test_it_buckets_30_and_90_days_by_week_and_a_year_by_month() -> None:
    # 30 days before Wednesday Nov 25 is Monday Oct 26: five calendar weeks.
    weeks = bucket_starts(NOW - timedelta(days=30), NOW, monthly=False)
    assert [f"{d:%Y-%m-%d}" for d in weeks] == [
        "2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23",
    ]  # fmt: skip
    months = bucket_starts(NOW - timedelta(days=365), NOW, monthly=True)
    assert len(months) == 13
    assert (f"{months[0]:%Y-%m-%d}", f"{months[-1]:%Y-%m-%d}") == ("2025-11-01", "2026-11-01")
    yearly = score_trend(Metric.CSAT, {}, since=NOW - timedelta(days=365), now=NOW, min_sample=1)
    # Every third month is labelled on the narrow chart.
    labels = [label.text for label in yearly.labels]
    assert labels == ["Nov 2025", "Feb 2026", "May 2026", "Aug 2026", "Nov 2026"]


def test_it_draws_a_point_with_its_interval_and_a_gap_below_the_minimum() -> None:
    answers = [(local(2026, 11, 24), 5), (local(2026, 11, 23), 4), (local(2026, 11, 25), 1)]
    answers.append((local(2026, 11, 10), 5))  # alone in its week: below the minimum of 3
    chart = score_trend(
        Metric.CSAT, weekly(answers), since=NOW - timedelta(days=30), now=NOW, min_sample=3
    )
    assert [point.title for point in chart.points] == [
        "Nov 23: 67% (95% interval 21% to 94%), n = 3"  # Wilson 2 of 3: 0.208 to 0.939
    ]
    assert [gap.title for gap in chart.gaps] == [
        "Oct 26: not enough data (n = 0)",
        "Nov 2: not enough data (n = 0)",
        "Nov 9: not enough data (n = 1)",
        "Nov 16: not enough data (n = 0)",
    ]
    assert len(chart.lines) == len(chart.bands) == 1
    assert chart.has_values


def test_it_breaks_the_line_at_a_gap() -> None:
    answers = [(local(2026, 11, d), 5) for d in (3, 4, 10, 24, 25)]
    chart = score_trend(
        Metric.CSAT, weekly(answers), since=NOW - timedelta(days=30), now=NOW, min_sample=1
    )
    # Weeks of Nov 2 and Nov 9 are joined; Nov 16 is empty; Nov 23 stands alone.
    assert len(chart.points) == 3
    assert len(chart.lines) == 2
    assert chart.lines[0].count("L") == 1
    assert "L" not in chart.lines[1]


def test_it_says_up_and_significant_with_the_p_value() -> None:
    comparison = compare(Metric.CSAT, [5] * 30, [1] * 30)
    text = describe_comparison(Metric.CSAT, comparison, (30, 30), 30)
    assert text == "up 100 points, significant (p<0.001)"


def test_it_says_not_significant_for_a_small_change() -> None:
    comparison = compare(Metric.CSAT, [5] * 16 + [1] * 14, [5] * 14 + [1] * 16)
    text = describe_comparison(Metric.CSAT, comparison, (30, 30), 30)
    assert text == "up 7 points, not significant (p=0.61)"


def test_it_words_nps_in_points_and_ces_in_scale_units() -> None:
    nps = compare(Metric.NPS, [10] * 10 + [0] * 20, [10] * 20 + [0] * 10)
    assert describe_comparison(Metric.NPS, nps, (30, 30), 30) == (
        "down 67 points, significant (p=0.006)"
    )
    ces = compare(Metric.CES, [7] * 15 + [6] * 15, [5] * 15 + [6] * 15)
    assert describe_comparison(Metric.CES, ces, (30, 30), 30) == ("up 1.0, significant (p<0.001)")


def test_it_says_when_there_is_not_enough_data_to_compare() -> None:
    comparison = compare(Metric.CSAT, [5] * 12, [4] * 40)
    text = describe_comparison(Metric.CSAT, comparison, (12, 40), 30)
    assert text == "not enough data to compare (n = 12 and 40; 30 needed in each)"
    alike = compare(Metric.CSAT, [5] * 30, [5] * 30)
    assert describe_comparison(Metric.CSAT, alike, (30, 30), 30) == (
        "no change; no test possible (every answer alike)"
    )
