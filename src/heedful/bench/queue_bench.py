"""Task queue: enqueue no-op jobs with the configured backend (django_tasks_db by
default) and drain them with the real worker processes."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.db import connection
from django_tasks_db.models import DBTaskResult

from heedful.bench.context import Context
from heedful.bench.rawsql import capture
from heedful.bench.tasks import noop
from heedful.bench.timing import measure

TARGET_JOBS_PER_S = 500.0
NOOP_PATH = noop.module_path


def _clear() -> None:
    DBTaskResult.objects.filter(task_path=NOOP_PATH).delete()


def _raw_insert(sql: str, params: list[Any], job_id: str) -> Callable[[], None]:
    """The INSERT our enqueue sends, with a fresh id each time, run by the driver."""
    index = next(i for i, p in enumerate(params) if str(p).replace("-", "") == job_id)
    raw = connection.connection
    if connection.vendor == "sqlite":
        sql = sql.replace("%s", "?")

    def run() -> None:
        fresh = list(params)
        fresh[index] = uuid.uuid4().hex if isinstance(params[index], str) else uuid.uuid4()
        cursor = raw.cursor()
        cursor.execute(sql, fresh)
        cursor.close()

    return run


def bench_enqueue(ctx: Context, jobs: int) -> None:
    with capture() as captured:
        result = noop.enqueue()
    inserts = [(s, p) for s, p in captured.queries if s.lstrip().upper().startswith("INSERT")]
    baseline = None
    if len(inserts) == 1:
        sql, params = inserts[0]
        job_id = str(result.id).replace("-", "")
        baseline = measure(_raw_insert(sql, list(params), job_id), min(jobs, 2000))
    ours = measure(noop.enqueue, jobs - 1, warmup=0)
    ctx.result("tasks.enqueue", ours, baseline, queries=len(captured), jobs=jobs)


def _drain(workers: int) -> float:
    """Seconds for ``workers`` real worker processes to run every queued job; raises when
    one of them fails (a crashed worker must not read as a slow one)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [
        sys.executable, "-m", "heedful.cli", "manage", "db_worker", "--batch",
        "--interval", "0", "--queue-name", "*", "--no-startup-delay",
    ]  # fmt: skip
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as errors:
        processes = [
            subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
            for _ in range(workers)
        ]
        codes = [process.wait() for process in processes]
        wall = time.perf_counter() - started
        if any(codes):
            errors.seek(0)
            raise RuntimeError(f"db_worker exited with {codes}: {errors.read()[-2000:]}")
    return wall


def bench_drain(ctx: Context, jobs: int, workers: int) -> None:
    _clear()
    for _ in range(jobs):
        noop.enqueue()
    wall = _drain(workers)
    done = DBTaskResult.objects.filter(task_path=NOOP_PATH, status="SUCCESSFUL")
    finished = done.count()
    first = done.order_by("started_at").values_list("started_at", flat=True).first()
    last = done.order_by("-finished_at").values_list("finished_at", flat=True).first()
    busy = (last - first).total_seconds() if first and last else wall
    if finished != jobs:
        ctx.fail(f"tasks.drain: {finished} of {jobs} jobs finished")
    ctx.result(
        f"tasks.drain.{workers}-worker{'s' if workers > 1 else ''}",
        [busy * 1000 / max(finished, 1)],
        jobs=jobs,
        jobs_per_s=round(finished / max(busy, 1e-9), 1),
        jobs_per_s_with_startup=round(finished / wall, 1),
        target_jobs_per_s=TARGET_JOBS_PER_S,
    )
    _clear()


def bench_queue(ctx: Context) -> None:
    jobs = 2000 if ctx.smoke else 20_000
    _clear()
    bench_enqueue(ctx, jobs)
    _clear()
    for workers in (1, 2):
        bench_drain(ctx, jobs, workers)
