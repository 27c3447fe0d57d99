"""The REST API under concurrent load from a separate process: create tickets and list
open tickets through ``/api/v1`` with a bearer token, on Granian with 1 and 2 workers.

Creates are measured twice: closed loop with 16 connections (``api.create.<w>w``: the
most creates a second; its latency is mostly queueing) and open loop at a fixed 300
requests a second (``api.create.rate300.<w>w``: the target as written, p95 at that rate,
latency from each request's due time).

The load generator (heedful.bench.loadgen) runs on the same two cores as the server, so
the figures include its cost (``client_cpu_ms_per_request``); ``server_cpu_ms_per_request``
is the server processes' CPU time over the run divided by the requests. The per-token
rate limit is lifted for the run.
"""

from __future__ import annotations

import json
import subprocess
import sys

from heedful.accounts.actions import do_create_api_token
from heedful.bench.context import Context
from heedful.bench.fixtures import Fixtures
from heedful.bench.procs import cpu_seconds, free_port, process_tree, start, stop, wait_for_port
from heedful.bench.timing import BenchResult
from heedful.customers.models import Contact

TARGET_CREATE_P95_MS = 30.0
TARGET_CREATE_PER_S = 300.0
CONNECTIONS = 16
# The open-loop run's pool: enough free connections that a request due while others are
# in flight goes out on time as long as the server keeps up (300/s times 30 ms: about 9 in flight).
RATE_CONNECTIONS = 32


def _loadgen(
    url: str, seconds: float, server_pid: int, *args: str, connections: int = CONNECTIONS
) -> dict[str, float]:
    command = [sys.executable, "-m", "heedful.bench.loadgen", url, "--duration", str(seconds),
               "--connections", str(connections), *args]  # fmt: skip
    server = process_tree(server_pid)
    cpu_before = cpu_seconds(server)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    server_cpu = cpu_seconds(server) - cpu_before
    data: dict[str, float] = json.loads(next(x for x in output.splitlines() if x.startswith("{")))
    data["server_cpu_s"] = server_cpu
    data["connections"] = connections
    return data


def _report(ctx: Context, name: str, data: dict[str, float], **extra: object) -> None:
    result = BenchResult(name, ctx.backend, ctx.n)
    result.p50_ms, result.p95_ms, result.p99_ms = (
        data[k] / 1000 for k in ("p50_us", "p95_us", "p99_us")
    )
    requests = max(1, int(data["requests"]))
    if "target_rate" in data:
        extra.update(target_rate=data["target_rate"], late=data["late"],
                     late_p95_ms=data["late_p95_us"] / 1000)  # fmt: skip
    result.extra.update(
        requests=data["requests"],
        requests_per_s=round(data["requests"] / (data["duration_us"] / 1e6), 1),
        errors=data["errors"], connections=data["connections"], tool="heedful.bench.loadgen",
        server_cpu_ms_per_request=round(data["server_cpu_s"] * 1000 / requests, 2),
        client_cpu_ms_per_request=round(data["client_cpu_us_per_request"] / 1000, 2),
        **extra,
    )  # fmt: skip
    ctx.report(result)


def bench_api_load(ctx: Context, fixtures: Fixtures) -> None:
    _, secret = do_create_api_token(fixtures.agent, name="benchmark", scope="write")
    requester = Contact.objects.exclude(email=None).exclude(email="").order_by("id").first()
    if requester is None:
        ctx.fail("api.load: no contact with an email address to open tickets for")
        return
    auth = f"Authorization: Bearer {secret}"
    body = json.dumps({"subject": "Benchmark: card declined", "body": "It fails at checkout.",
                       "requester_email": requester.email})  # fmt: skip
    seconds = 3 if ctx.smoke else 15
    for workers in (1, 2):
        port = free_port()
        server = start("serve", "--port", str(port), "--workers", str(workers),
                       extra_env={"HEEDFUL_API_RATE_LIMIT": "100000000"})  # fmt: skip
        base = f"http://127.0.0.1:{port}/api/v1/tickets"
        try:
            wait_for_port(port, server)
            _loadgen(f"{base}?status=open&limit=50", 1, server.pid, "--header", auth)  # warm-up
            post = ("--method", "POST", "--header", auth,
                    "--header", "Content-Type: application/json", "--body", body)  # fmt: skip
            create = _loadgen(base, seconds, server.pid, *post)
            # Smoke: 1 s (300 requests), which a slow server stretches to a few seconds.
            at_rate = _loadgen(base, 1 if ctx.smoke else seconds, server.pid, *post, "--rate",
                               str(TARGET_CREATE_PER_S), connections=RATE_CONNECTIONS)  # fmt: skip
            listing = _loadgen(
                f"{base}?status=open&limit=50", seconds, server.pid, "--header", auth
            )
        finally:
            stop(server)
        # Closed loop: judged on throughput (its p95 is queueing behind 16 connections);
        # the fixed rate: on p95 at 300/s.
        _report(ctx, f"api.create.{workers}w", create, server_workers=workers,
                target_requests_per_s=TARGET_CREATE_PER_S)  # fmt: skip
        _report(ctx, f"api.create.rate300.{workers}w", at_rate, server_workers=workers,
                target_p95_ms=TARGET_CREATE_P95_MS)  # fmt: skip
        _report(ctx, f"api.list.open.{workers}w", listing, server_workers=workers)
