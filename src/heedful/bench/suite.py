"""``heedful bench run``: every benchmark, one JSON line each on stdout.

Run it on a generated data set (``heedful bench generate``). With ``--smoke`` it runs few
iterations and fails (exit status 1) when a query count grows or a benchmark breaks.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from pathlib import Path

from django.db import connection

from heedful.bench.api_bench import bench_api_load
from heedful.bench.context import Context
from heedful.bench.fixtures import Fixtures, load_fixtures
from heedful.bench.inbox_bench import bench_inbox, bench_inbox_http
from heedful.bench.mail_bench import bench_mail_ingest
from heedful.bench.pages_bench import bench_home, bench_search, bench_ticket_page
from heedful.bench.queue_bench import bench_queue
from heedful.bench.server_bench import bench_http_load, bench_memory
from heedful.bench.sla_bench import bench_sla_breaching, bench_sla_recompute

Benchmark = Callable[[Context, Fixtures], None]

BENCHMARKS: dict[str, Benchmark] = {
    "inbox.orm": bench_inbox,
    "inbox.http": bench_inbox_http,
    "ticket": bench_ticket_page,
    "search": bench_search,
    "home": bench_home,
    "tasks": lambda ctx, fixtures: bench_queue(ctx),
    "memory": bench_memory,
    "http.load": bench_http_load,
    "api.load": bench_api_load,
    # sla.recompute stores the due times that sla.breaching reads: keep this order.
    "sla.recompute": bench_sla_recompute,
    "sla.breaching": bench_sla_breaching,
    "mail.ingest": bench_mail_ingest,  # last: it adds tickets to the data set
}


def _selected(only: list[str], skip: list[str]) -> list[str]:
    names = [n for n in BENCHMARKS if not only or any(n.startswith(o) for o in only)]
    return [n for n in names if not any(n.startswith(s) for s in skip)]


def run_suite(
    *, only: list[str], skip: list[str], iterations: int, smoke: bool, out: Path | None
) -> int:
    connection.force_debug_cursor = False
    stream = out.open("a") if out else None
    try:
        ctx = Context.create(5 if smoke else iterations, smoke, stream)
        if ctx.n == 0:
            ctx.note("the database has no tickets; run `heedful bench generate --tickets N`")
            return 1
        fixtures = load_fixtures()
        ctx.note(f"{ctx.n:,} tickets on {ctx.backend}; agent {fixtures.agent.username}")
        for name in _selected(only, skip):
            try:
                BENCHMARKS[name](ctx, fixtures)
            except Exception:
                traceback.print_exc(file=sys.stderr)
                ctx.fail(f"{name} raised an exception")
    finally:
        if stream:
            stream.close()
    if not ctx.results:
        ctx.fail("no benchmark produced a result")
    return 1 if ctx.failures else 0
