"""Task queue: enqueue no-op jobs with the configured backend (django_tasks_db by
default) and drain them with the real worker processes: Heedful's ``task_worker`` with
1 and 2 processes, and django-tasks-db's own ``db_worker`` (one) as the baseline."""

from __future__ import annotations

import os
import resource
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


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _drain(workers: int, command_name: str) -> tuple[float, float]:
    """Seconds (wall, CPU of the workers) for ``workers`` real worker processes to run
    every queued job; raises when one of them fails (a crashed worker must not read as
    a slow one). The CPU includes start-up (about 1 s per process)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [
        sys.executable, "-m", "heedful.cli", "manage", command_name, "--batch",
        "--interval", "0", "--queue-name", "*", "--no-startup-delay",
    ]  # fmt: skip
    cpu_before = _children_cpu_s()
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
            raise RuntimeError(f"{command_name} exited with {codes}: {errors.read()[-2000:]}")
    return wall, _children_cpu_s() - cpu_before


def bench_drain(ctx: Context, jobs: int, workers: int, command_name: str = "task_worker") -> None:
    _clear()
    for _ in range(jobs):
        noop.enqueue()
    wall, cpu = _drain(workers, command_name)
    done = DBTaskResult.objects.filter(task_path=NOOP_PATH, status="SUCCESSFUL")
    finished = done.count()
    first = done.order_by("started_at").values_list("started_at", flat=True).first()
    last = done.order_by("-finished_at").values_list("finished_at", flat=True).first()
    busy = (last - first).total_seconds() if first and last else wall
    if finished != jobs:
        ctx.fail(f"tasks.drain: {finished} of {jobs} jobs finished")
    library = ".library" if command_name == "db_worker" else ""
    target: dict[str, Any] = {} if library else {"target_jobs_per_s": TARGET_JOBS_PER_S}
    ctx.result(
        f"tasks.drain.{workers}-worker{'s' if workers > 1 else ''}{library}",
        [busy * 1000 / max(finished, 1)],
        jobs=jobs,
        worker=command_name,
        worker_cpu_ms_per_job=round(cpu * 1000 / max(finished, 1), 3),
        jobs_per_s=round(finished / max(busy, 1e-9), 1),
        jobs_per_s_with_startup=round(finished / wall, 1),
        **target,
    )
    _clear()


def bench_queue(ctx: Context) -> None:
    jobs = 2000 if ctx.smoke else 20_000
    _clear()
    bench_enqueue(ctx, jobs)
    _clear()
    bench_drain(ctx, jobs, 1, command_name="db_worker")
    for workers in (1, 2):
        bench_drain(ctx, jobs, workers)
