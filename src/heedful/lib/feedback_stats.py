"""The one place where each feedback score is defined (DESIGN.md R6, R7).

- **CSAT** = good ratings (4 or 5 on 1-5) / all ratings; a proportion in [0, 1].
- **NPS** = share of promoters (9-10 on 0-10) - share of detractors (0-6); in [-1, 1]
  (shown as points from -100 to 100).
- **CES** = mean of "how easy was it" ratings on 1-7.

Every score carries its sample size and a 95% confidence interval:

- CSAT: the Wilson score interval (good coverage even near 0 % and 100 %, unlike Wald).
- NPS: the adjusted Wald interval (Rocks, *The American Statistician* 70(4), 2016): add
  3/4 to the promoters, 3/4 to the detractors and 3 to n, then use the analytic variance
  of a difference of two multinomial proportions, ``(p + d - (p - d)**2) / n``. The
  adjustment keeps the interval from collapsing to one point when every answer is alike.
- CES: the Student t interval around the mean.

Below a minimum sample size (configurable; 30 by default) a score has no value and no
interval: it says "not enough data" instead of guessing.

The distinct-customer view weighs each customer (organization) equally, and reports the
concentration: the share of responses that came from the single largest customer.

Comparisons of two groups say whether the difference is significant: a pooled
two-proportion z-test for CSAT, a z-test with the analytic variance for NPS and Welch's
t-test for CES. Only the standard library is used: the t distribution is computed here
from the regularized incomplete beta function.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from statistics import NormalDist, fmean, stdev

DEFAULT_MIN_SAMPLE = 30
DEFAULT_CONFIDENCE = 0.95
DEFAULT_ALPHA = 0.05


class Metric(StrEnum):
    CSAT = "csat"
    NPS = "nps"
    CES = "ces"


# The answer scale of each metric, inclusive.
SCALES: dict[Metric, tuple[int, int]] = {
    Metric.CSAT: (1, 5),
    Metric.NPS: (0, 10),
    Metric.CES: (1, 7),
}
CSAT_GOOD_FROM = 4
NPS_PROMOTER_FROM = 9
NPS_DETRACTOR_UP_TO = 6


@dataclass(frozen=True)
class Score:
    """A score with its sample size and interval; value/low/high are None when there
    is not enough data."""

    metric: Metric
    n: int
    min_sample: int
    value: float | None
    low: float | None
    high: float | None
    confidence: float = DEFAULT_CONFIDENCE

    @property
    def enough(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class DistinctView:
    """The score with every customer weighted equally, and how concentrated the
    responses are. ``value`` is None below the minimum number of responses."""

    metric: Metric
    responses: int
    customers: int
    value: float | None
    top_customer: Hashable | None
    top_responses: int

    @property
    def concentration(self) -> float | None:
        """Share of all responses that came from the top customer."""
        return self.top_responses / self.responses if self.responses else None


@dataclass(frozen=True)
class Comparison:
    """Group A minus group B, and whether the difference is statistically significant.
    ``p_value`` is None when either group has too few answers or the test is undefined
    (no variance in either group)."""

    metric: Metric
    difference: float | None
    statistic: float | None
    p_value: float | None
    alpha: float = DEFAULT_ALPHA

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < self.alpha


# -- validation ------------------------------------------------------------------------


def check_ratings(metric: Metric, ratings: Iterable[int]) -> list[int]:
    """The ratings as a list; ValueError if one is not an integer on the metric's scale."""
    low, high = SCALES[metric]
    values = list(ratings)
    for rating in values:
        if isinstance(rating, bool) or not isinstance(rating, int) or not low <= rating <= high:
            raise ValueError(f"{metric.upper()} ratings are integers {low}-{high}, got {rating!r}")
    return values


def _check_settings(min_sample: int, confidence: float) -> None:
    if min_sample < 1:
        raise ValueError(f"min_sample must be at least 1, got {min_sample}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")


def _z(confidence: float) -> float:
    return NormalDist().inv_cdf(1 - (1 - confidence) / 2)


def _two_sided_normal_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


# -- intervals -------------------------------------------------------------------------


def wilson_interval(
    successes: int, n: int, confidence: float = DEFAULT_CONFIDENCE
) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion."""
    if n <= 0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n and n > 0, got {successes}/{n}")
    z = _z(confidence)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def nps_interval(
    promoters: int, detractors: int, n: int, confidence: float = DEFAULT_CONFIDENCE
) -> tuple[float, float]:
    """Adjusted Wald interval for NPS as a fraction in [-1, 1] (see the module docstring)."""
    if n <= 0 or promoters < 0 or detractors < 0 or promoters + detractors > n:
        raise ValueError(f"bad NPS counts: {promoters} promoters, {detractors} detractors of {n}")
    adjusted_n = n + 3
    p = (promoters + 0.75) / adjusted_n
    d = (detractors + 0.75) / adjusted_n
    centre = p - d
    half = _z(confidence) * math.sqrt((p + d - centre * centre) / adjusted_n)
    return max(-1.0, centre - half), min(1.0, centre + half)


def t_interval(
    values: Sequence[float], confidence: float = DEFAULT_CONFIDENCE
) -> tuple[float, float]:
    """Student t interval for the mean of at least two values."""
    if len(values) < 2:
        raise ValueError("a t interval needs at least two values")
    n = len(values)
    mean = fmean(values)
    half = t_quantile(1 - (1 - confidence) / 2, n - 1) * stdev(values) / math.sqrt(n)
    return mean - half, mean + half


# -- scores ----------------------------------------------------------------------------


def _nps_counts(values: Sequence[int]) -> tuple[int, int]:
    promoters = sum(1 for v in values if v >= NPS_PROMOTER_FROM)
    detractors = sum(1 for v in values if v <= NPS_DETRACTOR_UP_TO)
    return promoters, detractors


def _raw_value(metric: Metric, values: Sequence[int]) -> float:
    """The score's definition on a non-empty list of valid ratings."""
    if metric is Metric.CSAT:
        return sum(1 for v in values if v >= CSAT_GOOD_FROM) / len(values)
    if metric is Metric.NPS:
        promoters, detractors = _nps_counts(values)
        return (promoters - detractors) / len(values)
    return fmean(values)


def score(
    metric: Metric,
    ratings: Iterable[int],
    *,
    min_sample: int = DEFAULT_MIN_SAMPLE,
    confidence: float = DEFAULT_CONFIDENCE,
) -> Score:
    _check_settings(min_sample, confidence)
    values = check_ratings(metric, ratings)
    n = len(values)
    # A t interval needs two values whatever the configured minimum.
    if n < min_sample or n == 0 or (metric is Metric.CES and n < 2):
        return Score(metric, n, min_sample, None, None, None, confidence)
    if metric is Metric.CSAT:
        good = sum(1 for v in values if v >= CSAT_GOOD_FROM)
        low, high = wilson_interval(good, n, confidence)
    elif metric is Metric.NPS:
        low, high = nps_interval(*_nps_counts(values), n, confidence)
    else:
        low, high = t_interval(values, confidence)
    return Score(metric, n, min_sample, _raw_value(metric, values), low, high, confidence)


def csat(
    ratings: Iterable[int],
    *,
    min_sample: int = DEFAULT_MIN_SAMPLE,
    confidence: float = DEFAULT_CONFIDENCE,
) -> Score:
    return score(Metric.CSAT, ratings, min_sample=min_sample, confidence=confidence)


def nps(
    ratings: Iterable[int],
    *,
    min_sample: int = DEFAULT_MIN_SAMPLE,
    confidence: float = DEFAULT_CONFIDENCE,
) -> Score:
    return score(Metric.NPS, ratings, min_sample=min_sample, confidence=confidence)


def ces(
    ratings: Iterable[int],
    *,
    min_sample: int = DEFAULT_MIN_SAMPLE,
    confidence: float = DEFAULT_CONFIDENCE,
) -> Score:
    return score(Metric.CES, ratings, min_sample=min_sample, confidence=confidence)


# -- one customer is not all customers (R7) --------------------------------------------


def distinct_view(
    metric: Metric,
    responses: Iterable[tuple[Hashable, int]],
    *,
    min_sample: int = DEFAULT_MIN_SAMPLE,
) -> DistinctView:
    """``responses`` are (customer key, rating) pairs. Each customer's own score counts
    once in the mean, however many responses it sent. Ties for the top customer go to
    the one seen first."""
    _check_settings(min_sample, DEFAULT_CONFIDENCE)
    by_customer: dict[Hashable, list[int]] = defaultdict(list)
    for customer, rating in responses:
        by_customer[customer].append(rating)
    for ratings in by_customer.values():
        check_ratings(metric, ratings)
    total = sum(len(ratings) for ratings in by_customer.values())
    if not by_customer:
        return DistinctView(metric, 0, 0, None, None, 0)
    top_customer, top_responses = Counter(
        {customer: len(ratings) for customer, ratings in by_customer.items()}
    ).most_common(1)[0]
    value = None
    if total >= min_sample:
        value = fmean(_raw_value(metric, ratings) for ratings in by_customer.values())
    return DistinctView(metric, total, len(by_customer), value, top_customer, top_responses)


# -- comparisons -----------------------------------------------------------------------


def compare(
    metric: Metric,
    group_a: Iterable[int],
    group_b: Iterable[int],
    *,
    min_sample: int = DEFAULT_MIN_SAMPLE,
    alpha: float = DEFAULT_ALPHA,
) -> Comparison:
    """Is A's score different from B's? Two-sided tests (see the module docstring)."""
    _check_settings(min_sample, 1 - alpha)
    a, b = check_ratings(metric, group_a), check_ratings(metric, group_b)
    if min(len(a), len(b)) < max(min_sample, 2):
        return Comparison(metric, None, None, None, alpha)
    difference = _raw_value(metric, a) - _raw_value(metric, b)
    if metric is Metric.CSAT:
        se = _pooled_proportion_se(a, b)
    elif metric is Metric.NPS:
        se = math.sqrt(_nps_variance(a) / len(a) + _nps_variance(b) / len(b))
    else:
        return _welch(a, b, alpha)
    if se == 0:
        return Comparison(metric, difference, None, None, alpha)
    statistic = difference / se
    return Comparison(metric, difference, statistic, _two_sided_normal_p(statistic), alpha)


def _pooled_proportion_se(a: Sequence[int], b: Sequence[int]) -> float:
    good = sum(1 for v in (*a, *b) if v >= CSAT_GOOD_FROM)
    pooled = good / (len(a) + len(b))
    return math.sqrt(pooled * (1 - pooled) * (1 / len(a) + 1 / len(b)))


def _nps_variance(values: Sequence[int]) -> float:
    """Variance of one answer's NPS contribution (+1, 0, -1): p + d - (p - d)**2."""
    promoters, detractors = _nps_counts(values)
    p, d = promoters / len(values), detractors / len(values)
    return p + d - (p - d) ** 2


def _welch(a: Sequence[int], b: Sequence[int], alpha: float) -> Comparison:
    va, vb = stdev(a) ** 2 / len(a), stdev(b) ** 2 / len(b)
    difference = fmean(a) - fmean(b)
    if va + vb == 0:
        return Comparison(Metric.CES, difference, None, None, alpha)
    statistic = difference / math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    p_value = 2 * (1 - t_cdf(abs(statistic), df))
    return Comparison(Metric.CES, difference, statistic, p_value, alpha)


# -- the Student t distribution, from the regularized incomplete beta function ---------


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """Lentz's method for the continued fraction of I_x(a, b) (Numerical Recipes 6.4)."""
    tiny, eps = 1e-300, 1e-15
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 10_000):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= d * c
        if abs(d * c - 1) < eps:
            break
    return result


def _regularized_beta(a: float, b: float, x: float) -> float:
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _beta_continued_fraction(a, b, x) / a
    return 1 - math.exp(log_front) * _beta_continued_fraction(b, a, 1 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with ``df`` degrees of freedom."""
    if df <= 0:
        raise ValueError(f"degrees of freedom must be positive, got {df}")
    tail = 0.5 * _regularized_beta(df / 2, 0.5, df / (df + t * t))
    return 1 - tail if t > 0 else tail


def t_quantile(probability: float, df: float) -> float:
    """The t with P(T <= t) = probability, by bisection (monotone, 1e-12 exact)."""
    if not 0 < probability < 1:
        raise ValueError(f"probability must be between 0 and 1, got {probability}")
    low, high = -1.0, 1.0
    while t_cdf(low, df) > probability:
        low *= 2
    while t_cdf(high, df) < probability:
        high *= 2
    while high - low > 1e-12 * max(1.0, abs(high)):
        middle = (low + high) / 2
        if t_cdf(middle, df) < probability:
            low = middle
        else:
            high = middle
    return (low + high) / 2
