"""Timing helpers and the one-JSON-line-per-benchmark output."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, TextIO


def percentile(samples: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..1) of a non-empty list."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def measure(call: Callable[[], Any], iterations: int, warmup: int = 2) -> list[float]:
    """Milliseconds per call, after ``warmup`` calls that fill the caches."""
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(iterations):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


@dataclass
class BenchResult:
    name: str
    backend: str
    n: int
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    baseline_p95_ms: float | None = None
    ratio: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_samples(
        cls, name: str, backend: str, n: int, ours: list[float], baseline: list[float] | None
    ) -> BenchResult:
        result = cls(name, backend, n)
        result.p50_ms = round(percentile(ours, 0.5), 3)
        result.p95_ms = round(percentile(ours, 0.95), 3)
        result.p99_ms = round(percentile(ours, 0.99), 3)
        if baseline:
            result.baseline_p95_ms = round(percentile(baseline, 0.95), 3)
            result.ratio = round(result.p95_ms / max(result.baseline_p95_ms, 1e-6), 2)
        return result

    def line(self) -> str:
        data = asdict(self)
        data.update(data.pop("extra"))
        return json.dumps(data)

    def emit(self, *streams: TextIO | None) -> None:
        text = self.line()
        for stream in streams:
            if stream is not None:
                stream.write(text + "\n")
                stream.flush()
