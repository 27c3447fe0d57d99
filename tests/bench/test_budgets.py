"""The smoke run (``make bench-smoke``, in CI) fails when a page sends more queries than
its budget, and passes when every benchmark stays within."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from heedful.bench import budgets
from heedful.bench.budgets import query_budget
from heedful.bench.context import Context
from heedful.bench.generate import generate
from heedful.bench.suite import run_suite
from heedful.tickets.models import Ticket


def test_it_finds_the_budget_of_the_longest_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(budgets, "QUERY_BUDGETS", {"inbox": 9, "inbox.http": 14})
    assert query_budget("inbox.http.open.waiting.first") == 14
    assert query_budget("inbox.orm.open.waiting.first") == 9
    assert query_budget("inbox") == 9
    assert query_budget("inboxes.other") is None
    assert query_budget("search.orm.common") is None


def test_it_fails_a_call_that_sends_more_queries_than_its_budget(db: None) -> None:
    ctx = Context.create(iterations=1, smoke=True, out=None)

    def three_queries() -> None:
        for _ in range(3):
            Ticket.objects.count()

    ctx.compare("custom.three", three_queries, max_queries=3)
    assert ctx.failures == []
    ctx.compare("custom.three-again", three_queries, max_queries=2)
    assert ctx.failures == ["custom.three-again: 3 queries, expected at most 2"]
    assert [r.extra["queries"] for r in ctx.results] == [3, 3]


@pytest.fixture
def data_set(db: None) -> None:
    generate(200, seed=5, chunk=100, show_progress=False)


def test_it_passes_the_smoke_run_within_budget(
    data_set: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results.jsonl"
    status = run_suite(only=["inbox.orm", "search"], skip=[], iterations=1, smoke=True, out=out)
    assert status == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    names = {line["name"] for line in lines}
    assert "inbox.orm.solved.newest.deep" in names
    assert "search.orm.none" in names
    for line in lines:
        assert line["n"] == 200
        assert line["queries"] <= query_budget(line["name"])
        assert {"p50_ms", "p95_ms", "p99_ms", "baseline_p95_ms", "ratio"} <= set(line)
    assert capsys.readouterr().out.count("\n") == len(lines)


def test_it_fails_the_smoke_run_when_a_query_count_grows(
    data_set: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(budgets.QUERY_BUDGETS, "search.orm", 7)
    status = run_suite(only=["search"], skip=[], iterations=1, smoke=True, out=None)
    assert status == 1
    failures = [line for line in capsys.readouterr().err.splitlines() if "FAILED" in line]
    # Only the common word matches in so small a data set and reads its rows (8 statements).
    assert failures == ["bench: FAILED search.orm.common: 8 queries, expected at most 7"]
