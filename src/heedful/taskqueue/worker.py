"""Heedful's task worker: django-tasks-db's worker with cheaper bookkeeping per job.

What it changes (measured in docs/performance-history.md, "The queue, memory and throughput"):

- **Several jobs per claim**: one statement claims up to ``claim_batch`` ready jobs in
  queue order instead of one (``bookkeeping.py``). Claimed jobs that have not started
  after ``HOLD_SECONDS`` (slow jobs ahead of them) and those still held when the worker
  stops are given back (``READY`` again), so another worker can take them.
- **Results written per batch**: each job runs on its own, outside any bookkeeping
  transaction (its own work commits first), and its result is kept in memory; the
  batch's results are written with one statement in the transaction of the next claim
  (or of the give-back when the worker stops or holds jobs too long). A worker killed
  before that leaves those jobs ``RUNNING``: they are run again after
  ``HEEDFUL_TASK_STALE_AFTER`` (at least once, as for a job killed mid-run). A long job
  delays the results of the jobs before it in its batch by its run time.
- **No reconnect per job**: the library calls ``close_old_connections()`` around every
  job, which with SQLite's ``CONN_MAX_AGE = 0`` opened a new connection (and ran its
  pragmas) for each job. Connections are checked once a second and after an error.
- **Asynchronous commits for the bookkeeping only (PostgreSQL)**: the claim, the
  results and the give-back run with ``SET LOCAL synchronous_commit TO OFF``, so
  they do not wait for the WAL flush. The job's own work keeps synchronous commits. After
  a crash of the database server (not of the worker) the last ~0.6 s of marks can be
  lost: a job whose claim is lost is ``READY`` again and runs again (jobs are idempotent,
  DESIGN.md §4.6); one whose claim survived but whose "finished" mark did not stays
  ``RUNNING``, as after a worker killed mid-job.
- **Memory given back when the queue empties**: at most every ``RELEASE_EVERY_SECONDS``,
  a worker that ran jobs and finds no more closes its database connections (SQLite's
  mapped pages and page cache) and returns the C heap's free pages to the system
  (``heedful.lib.memory``), so that one big job does not leave the idle worker large.
- **Stale jobs queued again**: at start-up and once a minute the worker makes jobs
  ``RUNNING`` for longer than ``HEEDFUL_TASK_STALE_AFTER`` ``READY`` again
  (``recovery.py``), which the library's worker never does.
"""

from __future__ import annotations

import logging
import random
import time
from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.db import close_old_connections, connections
from django.db.utils import OperationalError
from django_tasks_db.compat import TaskContext, TaskResultStatus, task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker as LibraryWorker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import is_locked_database_exception, retry

from heedful.lib.memory import release_free_memory
from heedful.taskqueue import recovery
from heedful.taskqueue.bookkeeping import (
    bookkeeping_transaction,
    claim_ready,
    mark_failed,
    mark_successful,
    result_row,
    save_claim_fields,
    save_results,
)

logger = logging.getLogger("django_tasks_db")

CLAIM_BATCH = 20
HOLD_SECONDS = 0.25
CONNECTION_CHECK_SECONDS = 1.0
# A worker that keeps finding a job or two pays for the reconnect at most this often.
RELEASE_EVERY_SECONDS = 10.0


class Worker(LibraryWorker):
    """Takes the library worker's options, plus ``claim_batch`` (jobs per claim)."""

    def __init__(self, *, claim_batch: int = CLAIM_BATCH, **options: Any) -> None:
        super().__init__(**options)
        self.claim_batch = claim_batch
        self.held: list[DBTaskResult] = []
        self.finished: list[list[Any]] = []  # results not written yet (result_row)
        self.claiming = False
        self.next_connection_check = 0.0
        self.next_stale_check = 0.0
        self.ran_jobs = False  # since memory was last given back
        self.next_release = 0.0

    def shutdown(self, signum: int, frame: Any) -> None:
        # While jobs are claimed, stop after the current one and give the rest back;
        # a second signal still ends the worker at once (the library's behaviour).
        if self.running and (self.held or self.claiming or self.finished):
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
                    self.ran_jobs = True
                if self.should_stop(claimed):
                    return
                if self.running and not claimed:
                    self.release_memory()
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
                save_results(self.finished, jobs.db)
                claimed = claim_ready(jobs, limit, self.worker_id)
            self.finished = []
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
        """Writes the results not written yet and returns claimed jobs that have not
        started to the queue."""
        held, self.held = self.held, []
        finished, self.finished = self.finished, []
        if not held and not finished:
            return
        for job in held:
            job.status = TaskResultStatus.READY
            job.started_at = None
            job.worker_ids = job.worker_ids[:-1]
        db = self.ready_jobs().db
        retry()(self._give_back_once)(held, finished, db)

    def _give_back_once(self, held: list[DBTaskResult], finished: list[list[Any]], db: str) -> None:
        with bookkeeping_transaction(db):
            save_results(finished, db)
            save_claim_fields(held, db)

    def release_memory(self) -> None:
        """The queue is empty: after jobs, give their memory back (module docstring)."""
        if not self.ran_jobs or time.monotonic() < self.next_release:
            return
        self.ran_jobs = False
        self.next_release = time.monotonic() + RELEASE_EVERY_SECONDS
        for connection in connections.all(initialized_only=True):
            if not connection.in_atomic_block:
                connection.close()
        released = release_free_memory()
        logger.debug("Worker idle: connections closed, free memory released: %s", released)

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
        """Runs one claimed job (the library's ``run_task``); its result is written with
        the batch's others, in the transaction of the next claim (``claim``)."""
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
            mark_successful(db_task_result, value)
            self.finished.append(result_row(db_task_result))
            task_finished.send(sender=sender, task_result=db_task_result.task_result)
        except BaseException as e:  # the library records every failure, exits included
            self.record_failure(db_task_result, e)
        finally:
            self.running_task = False
            self._run_tasks += 1

    def record_failure(self, db_task_result: DBTaskResult, error: BaseException) -> None:
        mark_failed(db_task_result, error)
        self.finished.append(result_row(db_task_result))
        try:
            sender = type(db_task_result.task.get_backend())
            task_result = db_task_result.task_result
        except (ImportError, SuspiciousOperation):
            logger.exception("Task id=%s failed unexpectedly", db_task_result.id)
        else:
            task_finished.send(sender=sender, task_result=task_result)
