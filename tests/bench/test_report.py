"""Result lines become table rows with their target and an honest pass or miss."""

from __future__ import annotations

from heedful.bench.report import row, tables, verdict


def test_it_passes_and_misses_each_kind_of_target() -> None:
    assert verdict({"p95_ms": 40.0, "target_p95_ms": 50.0}) == ("p95 ≤ 50 ms", "pass")
    assert verdict({"p95_ms": 75.0, "target_p95_ms": 50.0}) == ("p95 ≤ 50 ms", "**miss** (1.5x)")
    assert verdict({"jobs_per_s": 250.0, "target_jobs_per_s": 500.0}) == (
        "≥ 500 jobs/s",
        "**miss** (2.0x)",
    )
    assert verdict({"rss_mb": 120.0, "target_rss_mb": 300.0}) == ("RSS ≤ 300 MB", "pass")
    assert verdict({"requests_per_s": 150.0, "target_requests_per_s": 300.0}) == (
        "≥ 300 requests/s",
        "**miss** (2.0x)",
    )
    assert verdict({"requests_per_s": 310.0, "target_requests_per_s": 300.0})[1] == "pass"
    assert verdict({"ratio": 40.0, "target_ratio": 20.0}) == ("peer ÷ ours ≥ 20", "pass")
    assert verdict({"ratio": 5.0, "target_ratio": 20.0}) == ("peer ÷ ours ≥ 20", "**miss** (4.0x)")
    assert verdict({"p95_ms": 1.0}) == ("", "")


def test_it_groups_rows_by_backend() -> None:
    lines = [
        {"name": "a", "backend": "sqlite", "n": 1000, "p50_ms": 1.5, "p95_ms": 2.0,
         "p99_ms": 2.5, "baseline_p95_ms": 1.0, "ratio": 2.0, "queries": 3,
         "target_p95_ms": 50.0},
        {"name": "b", "backend": "postgresql", "n": 1000, "rss_mb": 512.4,
         "target_rss_mb": 300.0},
    ]  # fmt: skip
    assert row(lines[0]) == (
        "| a | 1,000 | 1.5 | 2 | 2.5 | 1 | 2 | queries 3 | p95 ≤ 50 ms | pass |"
    )
    text = tables(lines)
    assert text.index("### sqlite") < text.index("| a |") < text.index("### postgresql")
    assert "| b | 1,000 | — | — | — | — | — | rss_mb 512 | RSS ≤ 300 MB | **miss** (1.7x) |" in text
