"""The REST API under concurrent load from a separate process: create tickets and list
open tickets through ``/api/v1`` with a bearer token, on Granian with 1 and 2 workers.

The load generator (heedful.bench.loadgen) runs on the same two cores as the server, so
the figures include its cost; the per-token rate limit is lifted for the run.
"""

from __future__ import annotations

import json
import subprocess
import sys

from heedful.accounts.actions import do_create_api_token
from heedful.bench.context import Context
from heedful.bench.fixtures import Fixtures
from heedful.bench.procs import free_port, start, stop, wait_for_port
from heedful.bench.timing import BenchResult
from heedful.customers.models import Contact

TARGET_CREATE_P95_MS = 30.0
TARGET_CREATE_PER_S = 300.0
CONNECTIONS = 16


def _loadgen(url: str, seconds: int, *args: str) -> dict[str, int]:
    command = [sys.executable, "-m", "heedful.bench.loadgen", url, "--duration", str(seconds),
               "--connections", str(CONNECTIONS), *args]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    data: dict[str, int] = json.loads(next(x for x in output.splitlines() if x.startswith("{")))
    return data


def _report(ctx: Context, name: str, data: dict[str, int], **extra: object) -> None:
    result = BenchResult(name, ctx.backend, ctx.n)
    result.p50_ms, result.p95_ms, result.p99_ms = (
        data[k] / 1000 for k in ("p50_us", "p95_us", "p99_us")
    )
    result.extra.update(
        requests=data["requests"],
        requests_per_s=round(data["requests"] / (data["duration_us"] / 1e6), 1),
        errors=data["errors"], connections=CONNECTIONS, tool="heedful.bench.loadgen", **extra,
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
            _loadgen(f"{base}?status=open&limit=50", 1, "--header", auth)  # warm-up
            json_body = ("--header", "Content-Type: application/json", "--body", body)
            create = _loadgen(base, seconds, "--method", "POST", "--header", auth, *json_body)
            listing = _loadgen(f"{base}?status=open&limit=50", seconds, "--header", auth)
        finally:
            stop(server)
        targets = {
            "target_p95_ms": TARGET_CREATE_P95_MS,
            "target_requests_per_s": TARGET_CREATE_PER_S,
        }
        _report(ctx, f"api.create.{workers}w", create, server_workers=workers, **targets)
        _report(ctx, f"api.list.open.{workers}w", listing, server_workers=workers)
