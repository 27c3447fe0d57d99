"""The feedback statistics: exact values computed by hand, and the intervals and tests
against scipy and statsmodels (independent implementations)."""

from __future__ import annotations

import math
import random

import pytest
from scipy import stats as scipy_stats
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from heedful.lib.feedback_stats import (
    Metric,
    ces,
    compare,
    csat,
    distinct_view,
    nps,
    nps_interval,
    score,
    t_cdf,
    t_interval,
    t_quantile,
    wilson_interval,
)

Z95 = 1.959963984540054


def test_it_defines_csat_as_good_over_rated() -> None:
    result = csat([5, 4, 3, 2, 1, 5, 5, 4, 4, 1], min_sample=10)
    assert (result.metric, result.n, result.value, result.enough) == (Metric.CSAT, 10, 0.6, True)
    # Wilson, 6 of 10, by hand: centre (0.6 + z²/20) / (1 + z²/10), half-width
    # z·sqrt(0.6·0.4/10 + z²/400) / (1 + z²/10).
    assert result.low == pytest.approx(0.312673769733658, abs=1e-12)
    assert result.high == pytest.approx(0.831819670293764, abs=1e-12)


def test_it_defines_nps_as_promoters_minus_detractors() -> None:
    # 3 promoters (10, 9, 10), 2 passives (8, 7), 2 detractors (6, 0).
    result = nps([10, 9, 8, 7, 6, 0, 10], min_sample=7)
    assert (result.n, result.value) == (7, 1 / 7)
    # Adjusted Wald by hand: p = 3.75/10, d = 2.75/10, centre 0.1,
    # variance (0.375 + 0.275 - 0.01) / 10 = 0.064.
    assert result.low == pytest.approx(0.1 - Z95 * math.sqrt(0.064), abs=1e-12)
    assert result.high == pytest.approx(0.1 + Z95 * math.sqrt(0.064), abs=1e-12)


def test_it_keeps_an_nps_interval_when_every_answer_is_a_promoter() -> None:
    result = nps([10] * 30)
    assert result.value == 1.0
    p, d = 30.75 / 33, 0.75 / 33
    assert result.low == pytest.approx(p - d - Z95 * math.sqrt((p + d - (p - d) ** 2) / 33))
    assert result.high == 1.0
    assert result.low is not None and result.low < 0.9


def test_it_defines_ces_as_the_mean_with_a_t_interval() -> None:
    result = ces([1, 2, 3, 7], min_sample=2)
    assert (result.n, result.value) == (4, 3.25)
    # s² = (2.25² + 1.25² + 0.25² + 3.75²) / 3 = 20.75 / 3; t(0.975, 3) = 3.182446305284263.
    half = 3.182446305284263 * math.sqrt(20.75 / 3) / 2
    assert result.low == pytest.approx(3.25 - half, abs=1e-9)
    assert result.high == pytest.approx(3.25 + half, abs=1e-9)


@pytest.mark.parametrize("metric", list(Metric))
def test_it_says_not_enough_data_below_the_minimum(metric: Metric) -> None:
    answers = [4] * 29
    result = score(metric, answers)
    assert (result.n, result.min_sample, result.enough) == (29, 30, False)
    assert (result.value, result.low, result.high) == (None, None, None)
    assert score(metric, [*answers, 4]).enough is True
    assert score(metric, [], min_sample=1).enough is False


def test_it_needs_two_answers_for_a_ces_interval_whatever_the_minimum() -> None:
    assert ces([5], min_sample=1).enough is False
    assert ces([5, 6], min_sample=1).value == 5.5


@pytest.mark.parametrize(
    ("metric", "bad"),
    [(Metric.CSAT, 0), (Metric.CSAT, 6), (Metric.NPS, 11), (Metric.NPS, -1), (Metric.CES, 8)],
)
def test_it_rejects_ratings_off_the_scale(metric: Metric, bad: int) -> None:
    with pytest.raises(ValueError, match="ratings are integers"):
        score(metric, [3, bad], min_sample=1)


@pytest.mark.parametrize("bad", [4.5, True, "5", None])
def test_it_rejects_ratings_that_are_not_integers(bad: object) -> None:
    with pytest.raises(ValueError, match="CSAT ratings are integers 1-5"):
        csat([5, bad], min_sample=1)  # type: ignore[list-item]


def test_it_rejects_bad_settings() -> None:
    with pytest.raises(ValueError, match="min_sample must be at least 1"):
        csat([5], min_sample=0)
    with pytest.raises(ValueError, match="confidence must be between 0 and 1"):
        csat([5], confidence=1.0)


@pytest.mark.parametrize("n", [1, 2, 7, 30, 101, 1000])
@pytest.mark.parametrize("confidence", [0.8, 0.95, 0.99])
def test_it_matches_statsmodels_wilson_intervals(n: int, confidence: float) -> None:
    for successes in sorted({0, 1, n // 3, n // 2, n - 1, n}):
        ours = wilson_interval(successes, n, confidence)
        theirs = proportion_confint(successes, n, alpha=1 - confidence, method="wilson")
        assert ours == pytest.approx(theirs, abs=1e-12), (successes, n)


@pytest.mark.parametrize("df", [1, 2, 3, 4.5, 10, 29, 100, 5000])
def test_it_matches_scipy_t_distribution(df: float) -> None:
    for probability in (0.6, 0.9, 0.975, 0.995, 0.025):
        assert t_quantile(probability, df) == pytest.approx(
            scipy_stats.t.ppf(probability, df), rel=1e-9
        )
    for t in (-3.0, -0.5, 0.0, 0.7, 2.1, 8.0):
        assert t_cdf(t, df) == pytest.approx(scipy_stats.t.cdf(t, df), abs=1e-12)


def test_it_matches_scipy_t_intervals() -> None:
    rng = random.Random(7)
    for n in (2, 3, 12, 40, 300):
        values = [rng.randint(1, 7) for _ in range(n)]
        if len(set(values)) == 1:
            values[0] = 1 if values[0] != 1 else 2
        mean, sem = scipy_stats.tmean(values), scipy_stats.sem(values)
        expected = scipy_stats.t.interval(0.95, n - 1, loc=mean, scale=sem)
        assert t_interval(values) == pytest.approx(expected, abs=1e-9)


def test_it_agrees_with_a_seeded_bootstrap_for_nps() -> None:
    """The analytic interval and a 4,000-resample percentile bootstrap of a 400-answer
    sample agree to within 0.01 at both ends."""
    rng = random.Random(2016)
    answers = [rng.choice([10, 10, 9, 9, 9, 8, 7, 6, 3, 0]) for _ in range(400)]
    contributions = [1 if a >= 9 else -1 if a <= 6 else 0 for a in answers]
    means = sorted(
        sum(rng.choices(contributions, k=len(contributions))) / len(contributions)
        for _ in range(4000)
    )
    result = nps(answers)
    assert result.low == pytest.approx(means[int(0.025 * 4000)], abs=0.01)
    assert result.high == pytest.approx(means[int(0.975 * 4000) - 1], abs=0.01)


def test_it_rejects_impossible_nps_counts() -> None:
    with pytest.raises(ValueError, match="bad NPS counts"):
        nps_interval(5, 6, 10)


def test_it_weighs_each_customer_equally_in_the_distinct_view() -> None:
    # Acme sends 8 happy answers, Globex 2 unhappy ones: the response-weighted CSAT is
    # 0.8, but one customer of two is unhappy, so the distinct-customer CSAT is 0.5.
    responses = [("acme", 5)] * 8 + [("globex", 1), ("globex", 2)]
    assert csat([rating for _, rating in responses], min_sample=10).value == 0.8
    view = distinct_view(Metric.CSAT, responses, min_sample=10)
    assert (view.responses, view.customers, view.value) == (10, 2, 0.5)
    assert (view.top_customer, view.top_responses, view.concentration) == ("acme", 8, 0.8)


def test_it_weighs_customers_equally_for_nps_and_ces() -> None:
    nps_view = distinct_view(Metric.NPS, [(1, 10), (1, 0), (2, 9)], min_sample=1)
    assert nps_view.value == pytest.approx((0.0 + 1.0) / 2)
    ces_view = distinct_view(Metric.CES, [(1, 7), (1, 5), (2, 1)], min_sample=1)
    assert ces_view.value == pytest.approx((6 + 1) / 2)


def test_it_reports_concentration_without_a_value_below_the_minimum() -> None:
    view = distinct_view(Metric.CSAT, [("acme", 5), ("acme", 4), ("globex", 1)])
    assert (view.value, view.customers, view.top_customer) == (None, 2, "acme")
    assert view.concentration == pytest.approx(2 / 3)
    empty = distinct_view(Metric.CSAT, [])
    assert (empty.value, empty.customers, empty.concentration) == (None, 0, None)


def test_it_compares_csat_with_statsmodels_two_proportion_z_test() -> None:
    a = [5] * 45 + [2] * 15  # 45 of 60 good
    b = [4] * 30 + [1] * 30  # 30 of 60 good
    result = compare(Metric.CSAT, a, b)
    z, p = proportions_ztest([45, 30], [60, 60])
    assert result.difference == pytest.approx(0.25)
    assert result.statistic == pytest.approx(z, abs=1e-12)
    assert result.p_value == pytest.approx(p, abs=1e-12)
    assert result.significant is True


def test_it_compares_nps_with_the_analytic_variance() -> None:
    a = [10] * 20 + [8] * 10 + [3] * 10  # NPS 0.25, variance 0.5 + 0.25 - 0.0625
    b = [9] * 10 + [7] * 10 + [0] * 20  # NPS -0.25, variance 0.25 + 0.5 - 0.0625
    result = compare(Metric.NPS, a, b)
    se = math.sqrt(0.6875 / 40 + 0.6875 / 40)
    assert result.difference == pytest.approx(0.5)
    assert result.statistic == pytest.approx(0.5 / se)
    assert result.p_value == pytest.approx(math.erfc(0.5 / se / math.sqrt(2)))
    assert result.significant is True


def test_it_compares_ces_with_scipy_welch_t_test() -> None:
    rng = random.Random(11)
    a = [rng.randint(3, 7) for _ in range(35)]
    b = [rng.randint(1, 6) for _ in range(50)]
    result = compare(Metric.CES, a, b)
    expected = scipy_stats.ttest_ind(a, b, equal_var=False)
    assert result.statistic == pytest.approx(expected.statistic, abs=1e-9)
    assert result.p_value == pytest.approx(expected.pvalue, abs=1e-9)


def test_it_does_not_call_a_small_difference_significant() -> None:
    a = [5] * 31 + [1] * 9
    b = [5] * 29 + [1] * 11
    result = compare(Metric.CSAT, a, b)
    assert result.p_value == pytest.approx(proportions_ztest([31, 29], [40, 40])[1])
    assert result.significant is False


def test_it_does_not_test_groups_below_the_minimum_or_without_variance() -> None:
    small = compare(Metric.CSAT, [5] * 29, [1] * 40)
    assert (small.difference, small.p_value, small.significant) == (None, None, False)
    flat = compare(Metric.CSAT, [5] * 30, [4] * 30)
    assert (flat.difference, flat.statistic, flat.p_value) == (0.0, None, None)
