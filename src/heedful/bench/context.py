"""What every benchmark shares: where results go, and the ours-versus-raw comparison."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from django.db import connection

from heedful.bench.budgets import query_budget
from heedful.bench.rawsql import capture_call, raw_runner
from heedful.bench.timing import BenchResult, measure
from heedful.tickets.models import Ticket


@dataclass
class Context:
    backend: str
    n: int
    iterations: int
    smoke: bool
    out: TextIO | None = None
    failures: list[str] = field(default_factory=list)
    results: list[BenchResult] = field(default_factory=list)

    @classmethod
    def create(cls, iterations: int, smoke: bool, out: TextIO | None) -> Context:
        backend = "postgresql" if connection.vendor == "postgresql" else connection.vendor
        return cls(backend, Ticket.objects.count(), iterations, smoke, out)

    def report(self, result: BenchResult) -> None:
        # Other work on the machine moves the figures: each line says how busy it was.
        result.extra.setdefault("load_1m", round(os.getloadavg()[0], 2))
        self.results.append(result)
        result.emit(sys.stdout, self.out)

    def note(self, text: str) -> None:
        print(f"bench: {text}", file=sys.stderr, flush=True)

    def fail(self, text: str) -> None:
        self.failures.append(text)
        self.note(f"FAILED {text}")

    def result(
        self, name: str, ours: list[float], baseline: list[float] | None = None, **extra: Any
    ) -> BenchResult:
        result = BenchResult.from_samples(name, self.backend, self.n, ours, baseline)
        result.extra.update(extra)
        self.report(result)
        return result

    def compare(
        self,
        name: str,
        call: Callable[[], Any],
        *,
        max_queries: int | None = None,
        target_ms: float | None = None,
    ) -> BenchResult:
        """Time ``call`` and, in the same run, the raw SQL it sent, fetched by the driver.
        Fails the run when ``call`` sends more queries than ``max_queries`` (by default
        its budget in heedful.bench.budgets)."""
        captured = capture_call(call)
        if max_queries is None:
            max_queries = query_budget(name)
        if max_queries is not None and len(captured) > max_queries:
            self.fail(f"{name}: {len(captured)} queries, expected at most {max_queries}")
        baseline = raw_runner(captured.selects())
        ours = measure(call, self.iterations)
        raw = measure(baseline, self.iterations)
        extra: dict[str, Any] = {"queries": len(captured)}
        if target_ms is not None:
            extra["target_p95_ms"] = target_ms
        return self.result(name, ours, raw, **extra)
