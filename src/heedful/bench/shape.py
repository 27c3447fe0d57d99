"""The shape of generated data: long tails, seasonality and response delays."""

from __future__ import annotations

import math
import random
from bisect import bisect_left
from itertools import accumulate

HOUR = 3600
DAY = 24 * HOUR
# Monday .. Sunday: weekends are quiet.
WEEKDAY_FACTOR = (1.2, 1.15, 1.1, 1.05, 0.95, 0.45, 0.4)
# Hour of day (UTC): European and American business hours overlap in the afternoon.
HOUR_FACTOR = (
    0.15, 0.1, 0.1, 0.1, 0.15, 0.25, 0.45, 0.7, 0.95, 1.1, 1.2, 1.25,
    1.3, 1.4, 1.5, 1.5, 1.4, 1.25, 1.0, 0.8, 0.6, 0.45, 0.3, 0.2,
)  # fmt: skip


def zipf_cum_weights(n: int, exponent: float = 1.1) -> list[float]:
    """Cumulative weights of ranks 1..n, rank k drawn with probability ~ 1/k**exponent."""
    return list(accumulate(1.0 / (k**exponent) for k in range(1, n + 1)))


def draw(rng: random.Random, cum_weights: list[float]) -> int:
    """One index drawn with the given cumulative weights (faster than rng.choices(k=1))."""
    return bisect_left(cum_weights, rng.random() * cum_weights[-1])


def seasonal_times(rng: random.Random, n: int, start: int, end: int) -> list[int]:
    """``n`` sorted epoch seconds in [start, end): volume grows over the period and
    follows the week and the day (weekends and nights are quiet)."""
    first_hour = start // HOUR
    slots = max(1, (end - start) // HOUR)
    weights = []
    for slot in range(slots):
        hour = first_hour + slot
        weekday = (hour // 24 + 3) % 7  # 1970-01-01 was a Thursday
        trend = 0.6 + 0.8 * slot / slots
        weights.append(trend * WEEKDAY_FACTOR[weekday] * HOUR_FACTOR[hour % 24])
    picked = rng.choices(range(slots), cum_weights=list(accumulate(weights)), k=n)
    times = [(first_hour + slot) * HOUR + rng.randrange(HOUR) for slot in picked]
    times.sort()
    return times


def message_count_weights(mean: float = 5.0, most: int = 20) -> list[float]:
    """Cumulative weights of 1..most messages: geometric, truncated, about ``mean``."""
    low, high = 0.01, 0.999
    for _ in range(60):
        ratio = (low + high) / 2
        weights = [ratio**k for k in range(most)]
        average = sum((k + 1) * w for k, w in enumerate(weights)) / sum(weights)
        low, high = (ratio, high) if average < mean else (low, ratio)
    return list(accumulate(weights))


def delay(rng: random.Random, median_seconds: float, spread: float = 1.0) -> int:
    """A log-normal delay: most are near the median, a few are much longer."""
    return max(1, int(rng.lognormvariate(math.log(median_seconds), spread)))
