"""Heedful's task worker: django-tasks-db's worker with cheaper bookkeeping per job.

What it changes (measured in docs/performance.md, "Task queue"):

- **Several jobs per claim**: one transaction claims up to ``claim_batch`` ready jobs in
  queue order instead of one. Claimed jobs that have not started after ``HOLD_SECONDS``
  (slow jobs ahead of them) and those still held when the worker stops are given back
  (``READY`` again), so another worker can take them.
- **No reconnect per job**: the library calls ``close_old_connections()`` around every
  job, which with SQLite's ``CONN_MAX_AGE = 0`` opened a new connection (and ran its
  pragmas) for each job. Connections are checked once a second and after an error.
- **Asynchronous commits for the bookkeeping only (PostgreSQL)**: the claim, the
  "finished" mark and the give-back run with ``SET LOCAL synchronous_commit TO OFF``, so
  they do not wait for the WAL flush. The job's own work keeps synchronous commits. After
  a crash of the database server (not of the worker) the last ~0.6 s of marks can be
  lost: a job whose claim is lost is ``READY`` again and runs again (jobs are idempotent,
  DESIGN.md §4.6); one whose claim survived but whose "finished" mark did not stays
  ``RUNNING``, as after a worker killed mid-job.
- **Stale jobs queued again**: at start-up and once a minute the worker makes jobs
  ``RUNNING`` for longer than ``HEEDFUL_TASK_STALE_AFTER`` ``READY`` again
  (``recovery.py``), which the library's worker never does.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.db import close_old_connections, connections, transaction
from django.db.utils import OperationalError
from django.utils import timezone
from django_tasks_db.compat import TaskContext, TaskResultStatus, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker as LibraryWorker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception, retry

from heedful.taskqueue import recovery

logger = logging.getLogger("django_tasks_db")

CLAIM_BATCH = 20
HOLD_SECONDS = 0.25
CONNECTION_CHECK_SECONDS = 1.0


@contextmanager
def bookkeeping_transaction(using: str, *, exclusive: bool = False) -> Iterator[None]:
    """A transaction for the queue's own rows; on PostgreSQL its commit does not wait
    for the WAL flush (see the module docstring for what a server crash can lose)."""
    with exclusive_transaction(using) if exclusive else transaction.atomic(using=using):
        connection = connections[using]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


def save_claim_fields(jobs: list[DBTaskResult], using: str) -> None:
    """Writes the claim columns of ``jobs``: one UPDATE per distinct ``worker_ids`` (one
    for fresh jobs), as ``bulk_update``'s CASE per row costs more Python than the work."""
    groups: dict[str, list[DBTaskResult]] = {}
    for job in jobs:
        groups.setdefault(json.dumps(job.worker_ids), []).append(job)
    for group in groups.values():
        first = group[0]
        DBTaskResult.objects.using(using).filter(pk__in=[job.pk for job in group]).update(
            status=first.status, started_at=first.started_at, worker_ids=first.worker_ids
        )


class Worker(LibraryWorker):
    """Takes the library worker's options, plus ``claim_batch`` (jobs per claim)."""

    def __init__(self, *, claim_batch: int = CLAIM_BATCH, **options: Any) -> None:
        super().__init__(**options)
        self.claim_batch = claim_batch
        self.held: list[DBTaskResult] = []
        self.claiming = False
        self.next_connection_check = 0.0
        self.next_stale_check = 0.0

    def shutdown(self, signum: int, frame: Any) -> None:
        # While jobs are claimed, stop after the current one and give the rest back;
        # a second signal still ends the worker at once (the library's behaviour).
        if self.running and (self.held or self.claiming):
            logger.warning("Received signal %s - stopping after the current task.", signum)
            self.running = False
            return
        super().shutdown(signum, frame)

    def run(self) -> None:
        logger.info("Starting worker worker_id=%s queues=%s", self.worker_id,
                    ",".join(self.queue_names))  # fmt: skip
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # spreads the first polls of many workers
        try:
            while self.running:
                self.check_connections()
                self.requeue_stale_jobs()
                claimed = self.claim()
                if claimed:
                    self.run_claimed()
                if self.should_stop(claimed):
                    return
                if self.running and not claimed:
                    time.sleep(self.interval)
                    self.next_connection_check = 0.0
        finally:
            self.give_back()

    def should_stop(self, claimed: int | None) -> bool:
        if self.batch and claimed == 0:
            logger.info("No more tasks to run for worker_id=%s - exiting gracefully.",
                        self.worker_id)  # fmt: skip
            return True
        if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
            logger.info("Run maximum tasks (%d) on worker=%s - exiting gracefully.",
                        self._run_tasks, self.worker_id)  # fmt: skip
            return True
        return False

    def ready_jobs(self) -> Any:
        jobs = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            jobs = jobs.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            jobs = jobs.exclude(queue_name__in=self.excluded_queue_names)
        return jobs

    def claim(self) -> int | None:
        """Claims up to ``claim_batch`` jobs into ``self.held``; None when the database
        was locked (try again), else how many."""
        limit = self.claim_batch
        if self.max_tasks is not None:
            limit = max(1, min(limit, self.max_tasks - self._run_tasks))
        jobs = self.ready_jobs()
        self.claiming = True
        try:
            with bookkeeping_transaction(jobs.db, exclusive=True):
                claimed = list(jobs.select_for_update(skip_locked=True)[:limit])
                now = timezone.now()
                for job in claimed:
                    job.status = TaskResultStatus.RUNNING
                    job.started_at = now
                    job.worker_ids = [*job.worker_ids, self.worker_id]
                save_claim_fields(claimed, jobs.db)
            self.held = claimed
        except OperationalError as e:
            if not is_locked_database_exception(e):
                raise
            return None
        finally:
            self.claiming = False
        return len(claimed)

    def run_claimed(self) -> None:
        claimed_at = time.monotonic()
        while self.held and self.running:
            self.run_task(self.held.pop(0))
            self.check_connections()
            if self.held and time.monotonic() - claimed_at > HOLD_SECONDS:
                self.give_back()  # the first job always runs, so the queue moves on
                return

    def give_back(self) -> None:
        """Returns claimed jobs that have not started to the queue."""
        held, self.held = self.held, []
        if not held:
            return
        for job in held:
            job.status = TaskResultStatus.READY
            job.started_at = None
            job.worker_ids = job.worker_ids[:-1]
        db = held[0]._state.db or "default"
        with bookkeeping_transaction(db):
            save_claim_fields(held, db)

    def requeue_stale_jobs(self) -> None:
        """Jobs left running by a dead worker are queued again (at start-up, then once
        every ``recovery.CHECK_EVERY_SECONDS``)."""
        if time.monotonic() < self.next_stale_check:
            return
        self.next_stale_check = time.monotonic() + recovery.CHECK_EVERY_SECONDS
        recovery.requeue_stale_jobs(self.backend_name)

    def check_connections(self) -> None:
        """Django's per-request connection check, once a second instead of per job;
        a connection that saw an error is checked at once."""
        if time.monotonic() >= self.next_connection_check:
            close_old_connections()
            self.next_connection_check = time.monotonic() + CONNECTION_CHECK_SECONDS
            return
        for connection in connections.all(initialized_only=True):
            if connection.errors_occurred:
                connection.close_if_unusable_or_obsolete()

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """Runs one claimed job and records its result (the library's ``run_task``,
        with the result written in a bookkeeping transaction)."""
        self.running_task = True
        try:
            task = db_task_result.task
            task_result = db_task_result.task_result
            sender = type(task.get_backend())
            task_started.send(sender=sender, task_result=task_result)
            if task.takes_context:
                context = TaskContext(task_result=task_result)
                value = task.call(context, *task_result.args, **task_result.kwargs)
            else:
                value = task.call(*task_result.args, **task_result.kwargs)
            self.record(db_task_result, lambda: db_task_result.set_successful(value))
            task_finished.send(sender=sender, task_result=db_task_result.task_result)
        except BaseException as e:  # the library records every failure, exits included
            self.record_failure(db_task_result, e)
        finally:
            self.running_task = False
            self._run_tasks += 1

    def record(self, db_task_result: DBTaskResult, mark: Callable[[], None]) -> None:
        retry()(self._record_once)(db_task_result, mark)

    def _record_once(self, db_task_result: DBTaskResult, mark: Callable[[], None]) -> None:
        with bookkeeping_transaction(db_task_result._state.db or "default"):
            mark()

    def record_failure(self, db_task_result: DBTaskResult, error: BaseException) -> None:
        self.record(db_task_result, lambda: db_task_result.set_failed(error))
        try:
            sender = type(db_task_result.task.get_backend())
            task_result = db_task_result.task_result
        except (ImportError, SuspiciousOperation):
            logger.exception("Task id=%s failed unexpectedly", db_task_result.id)
        else:
            task_finished.send(sender=sender, task_result=task_result)
