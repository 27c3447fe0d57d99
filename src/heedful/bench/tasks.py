"""A task that does nothing, to measure the queue itself."""

from __future__ import annotations

from django_tasks import task


@task()
def noop() -> None:
    return None
