"""Tasks the worker tests enqueue (a task must be importable by its path)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django_tasks import task

RUNS: list[int] = []
AFTER_RUN: list[Callable[[], None]] = []


@task()
def remember(number: int) -> int:
    RUNS.append(number)
    for hook in AFTER_RUN:
        hook()
    return number * 2


@task()
def fail(message: str) -> None:
    raise ValueError(message)


@task()
def return_a_set() -> set[int]:
    """Returns what a job result (JSON) cannot hold."""
    return {1}


@task()
def commit_mode() -> str:
    """What this job's own transactions run with (PostgreSQL's synchronous_commit)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return str(cursor.fetchone()[0])
