"""``heedful bench report results.jsonl``: the JSON lines of ``bench run`` and ``bench peer``
as Markdown tables, one per backend, each figure next to its target with pass or miss
(docs/performance.md is written from it)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

HEADER = (
    "| benchmark | n | p50 ms | p95 ms | p99 ms | raw/peer p95 ms | ratio | other | target "
    "| result |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |"
)


def verdict(line: dict[str, Any]) -> tuple[str, str]:
    """(target, "pass"/"miss by ...") for a result line; ("", "") when it has no target."""
    if "target_p95_ms" in line and line.get("p95_ms") is not None:
        target, value = line["target_p95_ms"], line["p95_ms"]
        return f"p95 ≤ {target:g} ms", _compare(value <= target, value / target, "x")
    if "target_requests_per_s" in line:
        target, value = line["target_requests_per_s"], line["requests_per_s"]
        return f"≥ {target:g} requests/s", _compare(value >= target, target / max(value, 1e-9), "x")
    if "target_jobs_per_s" in line:
        target, value = line["target_jobs_per_s"], line["jobs_per_s"]
        return f"≥ {target:g} jobs/s", _compare(value >= target, target / max(value, 1e-9), "x")
    if "target_messages_per_s" in line:
        target, value = line["target_messages_per_s"], line["messages_per_s"]
        return f"≥ {target:g} messages/s", _compare(value >= target, target / max(value, 1e-9), "x")
    if "target_rss_mb" in line:
        target, value = line["target_rss_mb"], line["rss_mb"]
        return f"RSS ≤ {target:g} MB", _compare(value <= target, value / target, "x")
    if "target_ratio" in line and line.get("ratio") is not None:
        target, value = line["target_ratio"], line["ratio"]
        return f"peer ÷ ours ≥ {target:g}", _compare(value >= target, target / value, "x")
    return "", ""


def _compare(ok: bool, factor: float, unit: str) -> str:
    return "pass" if ok else f"**miss** ({factor:.1f}{unit})"


OTHER_FIELDS = (
    "queries",
    "rss_mb",
    "anon_mb",
    "processes",
    "jobs_per_s",
    "messages_per_s",
    "cpu_ms_per_message",
    "requests_per_s",
    "late",
    "errors",
    "server_cpu_ms_per_request",
    "rows",
    "load_1m",
)


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".") if value < 100 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def row(line: dict[str, Any]) -> str:
    target, result = verdict(line)
    other = ", ".join(f"{key} {_cell(line[key])}" for key in OTHER_FIELDS if key in line)
    cells = [
        line["name"], _cell(line.get("n")), _cell(line.get("p50_ms")), _cell(line.get("p95_ms")),
        _cell(line.get("p99_ms")), _cell(line.get("baseline_p95_ms")), _cell(line.get("ratio")),
        other, target, result,
    ]  # fmt: skip
    return "| " + " | ".join(cells) + " |"


def tables(lines: Iterable[dict[str, Any]]) -> str:
    by_backend: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        by_backend.setdefault(line["backend"], []).append(line)
    parts = []
    for backend, found in by_backend.items():
        parts.append(f"### {backend}\n\n{HEADER}\n" + "\n".join(row(line) for line in found))
    return "\n\n".join(parts) + "\n"


def read(paths: Iterable[Path]) -> list[dict[str, Any]]:
    found = []
    for path in paths:
        for text in path.read_text().splitlines():
            if text.startswith("{"):
                found.append(json.loads(text))
    return found
