"""Jobs left ``RUNNING`` forever are queued again.

A job stays ``RUNNING`` when its worker is killed mid-job, or when a database-server
crash loses its asynchronously committed "finished" mark (see ``worker.py``). Nothing
would run it again, so the workers look for jobs running longer than
``settings.TASK_STALE_AFTER_MINUTES`` and make them ``READY`` (at least once: jobs are
idempotent, DESIGN.md §4.6). A partial index on running jobs' ``started_at``
(migration 0002) keeps the look cheap however many finished jobs the table holds.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.utils import OperationalError
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

logger = logging.getLogger("django_tasks_db")

# How often each worker looks for stale jobs.
CHECK_EVERY_SECONDS = 60.0


def stale_after() -> timedelta:
    return timedelta(minutes=settings.TASK_STALE_AFTER_MINUTES)


def requeue_stale_jobs(backend_name: str, *, now: datetime | None = None) -> list[str]:
    """Makes the backend's jobs running since before ``now - stale_after()`` ready
    again and returns their ids; none while the database is locked (next time)."""
    cutoff = (now or timezone.now()) - stale_after()
    stale = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=cutoff, backend_name=backend_name
    )
    try:
        with exclusive_transaction(stale.db):
            ids = [
                str(pk)
                for pk in stale.select_for_update(skip_locked=True).values_list("pk", flat=True)
            ]
            if ids:
                stale.filter(pk__in=ids).update(status=TaskResultStatus.READY, started_at=None)
    except OperationalError as e:
        if not is_locked_database_exception(e):
            raise
        return []
    for job_id in ids:
        logger.warning("Task id=%s was running for more than %s: queued again.", job_id,
                       stale_after())  # fmt: skip
    return ids
