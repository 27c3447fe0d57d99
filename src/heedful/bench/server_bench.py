"""The running stack: memory of ``heedful serve`` and the worker after warm-up and after
heavy use (heedful.bench.drive), and the throughput of the inbox page served by Granian
under load from a separate process."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from heedful.bench.context import Context
from heedful.bench.drive import drive, drive_client
from heedful.bench.fixtures import Fixtures, session_cookie
from heedful.bench.inbox_bench import inbox_url
from heedful.bench.procs import (
    anon_mb,
    command_line,
    cpu_seconds,
    free_port,
    get,
    process_tree,
    rss_mb,
    start,
    stop,
    uss_mb,
    wait_for_port,
)
from heedful.bench.tasks import noop
from heedful.bench.timing import BenchResult

TARGET_RSS_MB = 300.0
QUIET_WINDOW_S = 5.0
QUIET_CPU_S = 0.1
# Enough for every server thread's connection to fill its page cache at 1M tickets
# (docs/performance.md, "Memory after heavy use"); the smoke run only checks that it works.
DRIVE_REQUESTS = 3000
SMOKE_DRIVE_REQUESTS = 100
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, ' ..
    '"p99_us": %d, "errors": %d, "status_errors": %d, "timeouts": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.connect + e.read + e.write + e.status + e.timeout, e.status,
    e.timeout))
end
"""


def _warm_up(base: str, cookie: str, fixtures: Fixtures, rounds: int = 3) -> None:
    paths = ["/login/", "/", inbox_url("open") or "/", f"/tickets/{fixtures.long_ticket.ref}/"]
    for _ in range(rounds):
        for path in paths:
            get(base + path, cookie)


def _value(ctx: Context, name: str, **extra: object) -> None:
    result = BenchResult(name, ctx.backend, ctx.n)
    result.extra.update(extra)
    ctx.report(result)


def bench_memory(ctx: Context, fixtures: Fixtures) -> None:
    """The stack idle after warm-up (``memory.*``), then idle again after heavy use
    (``memory.after-use.*``): thousands of pages, searches and API calls
    (heedful.bench.drive) fill every kept database connection's cache and the heap."""
    port = free_port()
    server = start("serve", "--port", str(port), "--with-worker",
                   extra_env={"HEEDFUL_API_RATE_LIMIT": "100000000"})  # fmt: skip
    try:
        wait_for_port(port, server)
        cookie = session_cookie(fixtures.agent)
        _warm_up(f"http://127.0.0.1:{port}", cookie, fixtures)
        for _ in range(20):
            noop.enqueue()
        idle = _measure(server.pid)
        requests = SMOKE_DRIVE_REQUESTS if ctx.smoke else DRIVE_REQUESTS
        driven = drive(drive_client(port, cookie, fixtures), requests)
        after_use = _measure(server.pid)
    finally:
        stop(server)
    if driven["drive_errors"]:
        ctx.fail(f"memory: {driven['drive_errors']} of {driven['drive_requests']} requests failed")
    for prefix, measured, extra in (("memory", idle, {}), ("memory.after-use", after_use, driven)):
        for name, values in measured.items():
            limit = {"target_rss_mb": TARGET_RSS_MB} if name == "stack" else {}
            _value(ctx, f"{prefix}.{name}", **values, **extra, **limit)


def _measure(root: int) -> dict[str, dict[str, float]]:
    """RSS and USS of the server's processes, the worker's and the whole stack, once the
    stack is quiet."""
    waited = _wait_until_quiet(root)
    pids = process_tree(root)
    worker_roots = [p for p in pids if command_line(p).rstrip().endswith(" worker")]
    worker = [p for r in worker_roots for p in process_tree(r)]
    groups = (("serve", [p for p in pids if p not in worker]), ("worker", worker), ("stack", pids))
    return {name: {**_memory(group), "waited_s": waited} for name, group in groups}


def _memory(pids: list[int]) -> dict[str, float]:
    return {
        "rss_mb": round(sum(rss_mb(p) for p in pids), 1),
        "anon_mb": round(sum(anon_mb(p) for p in pids), 1),
        "uss_mb": round(sum(uss_mb(p) for p in pids), 1),
        "processes": len(pids),
    }


def _wait_until_quiet(root: int, limit: float = 300.0) -> float:
    """Seconds waited until the stack used under QUIET_CPU_S of CPU in two windows in a
    row: the worker has run the periodic jobs it found at start (tens of seconds at 1M
    tickets; the topics when due), so the idle stack is measured, not a job."""
    started, quiet = time.monotonic(), 0
    while quiet < 2 and time.monotonic() - started < limit:
        before = cpu_seconds(process_tree(root))
        time.sleep(QUIET_WINDOW_S)
        quiet = quiet + 1 if cpu_seconds(process_tree(root)) - before < QUIET_CPU_S else 0
    return round(time.monotonic() - started, 1)


def _load(url: str, cookie: str, seconds: int, connections: int) -> dict[str, int]:
    wrk = shutil.which("wrk")
    if wrk:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(WRK_SCRIPT)
        command = [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "-s", script.name,
                   "-H", f"Cookie: {cookie}", url]  # fmt: skip
    else:
        command = [sys.executable, "-m", "heedful.bench.loadgen", url, "--duration",
                   str(seconds), "--connections", str(connections), "--cookie", cookie]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if wrk:
        Path(script.name).unlink()
    line = next(line for line in output.splitlines() if line.startswith("{"))
    data: dict[str, int] = json.loads(line)
    data["tool"] = 1 if wrk else 0
    return data


def bench_http_load(ctx: Context, fixtures: Fixtures) -> None:
    path = inbox_url("open") or "/"
    seconds = 3 if ctx.smoke else 15
    for workers in (1, 2):
        port = free_port()
        server = start("serve", "--port", str(port), "--workers", str(workers))
        try:
            wait_for_port(port, server)
            cookie = session_cookie(fixtures.agent)
            _warm_up(f"http://127.0.0.1:{port}", cookie, fixtures)
            data = _load(f"http://127.0.0.1:{port}{path}", cookie, seconds, 16)
        finally:
            stop(server)
        result = BenchResult(f"http.load.{path.strip('/').replace('/', '.') or 'home'}.{workers}w",
                             ctx.backend, ctx.n)  # fmt: skip
        result.p50_ms, result.p95_ms, result.p99_ms = (
            data[k] / 1000 for k in ("p50_us", "p95_us", "p99_us")
        )
        result.extra.update(
            path=path, server_workers=workers, connections=16, seconds=seconds,
            requests_per_s=round(data["requests"] / (data["duration_us"] / 1e6), 1),
            errors=data["errors"], tool="wrk" if data["tool"] else "heedful.bench.loadgen",
        )  # fmt: skip
        ctx.report(result)
