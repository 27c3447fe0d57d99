"""Batches (heedful.taskqueue.bookkeeping): one UPDATE … RETURNING claims a batch in queue
order, never a job another worker holds; a batch's results are written with one statement;
a failing job fails alone; a killed worker's batch runs again after the stale limit."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from heedful.taskqueue.worker import Worker
from tests.conftest import make_worker
from tests.taskqueue import tasks


def claim_numbers(worker: Worker) -> list[int]:
    """Claims a batch for ``worker`` and returns the ``remember`` numbers it holds."""
    worker.claim()
    return [job.args_kwargs["args"][0] for job in worker.held]


@pytest.mark.django_db(transaction=True)
def test_it_claims_by_priority_then_due_time_then_enqueue_time() -> None:
    tasks.remember.enqueue(1)
    tasks.remember.using(priority=5).enqueue(2)
    tasks.remember.using(run_after=timezone.now() - timedelta(hours=1)).enqueue(3)
    tasks.remember.using(priority=-5).enqueue(4)
    tasks.remember.enqueue(5)

    with CaptureQueriesContext(connection) as captured:
        assert claim_numbers(make_worker("w1", claim_batch=4)) == [2, 3, 1, 5]

    statements = [q["sql"] for q in captured if q["sql"].startswith(("SELECT", "UPDATE"))]
    assert len(statements) == 1 and statements[0].startswith("UPDATE"), statements
    running = DBTaskResult.objects.filter(status="RUNNING")
    assert sorted(job.args_kwargs["args"][0] for job in running) == [1, 2, 3, 5]
    assert all(job.worker_ids == ["w1"] and job.started_at for job in running)
    assert DBTaskResult.objects.get(status="READY").args_kwargs["args"] == [4]


@pytest.mark.django_db(transaction=True)
def test_two_workers_claim_different_jobs_in_turn() -> None:
    for number in range(7):
        tasks.remember.enqueue(number)

    first = claim_numbers(make_worker("w1", claim_batch=3))
    second = claim_numbers(make_worker("w2", claim_batch=3))

    assert (first, second) == ([0, 1, 2], [3, 4, 5])
    assert DBTaskResult.objects.filter(status="READY").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_claim_skips_the_jobs_another_connection_is_claiming() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite claims under its single write lock: no two claims at once")
    for number in range(10):
        tasks.remember.enqueue(number)
    claimed_by_first: list[int] = []
    released_in_time: list[bool] = []
    first_claimed, release = threading.Event(), threading.Event()

    def claim_and_hold() -> None:
        # The first worker's claim transaction stays open (its row locks held)...
        try:
            with transaction.atomic():
                claimed_by_first.extend(claim_numbers(make_worker("w1", claim_batch=4)))
                first_claimed.set()
                released_in_time.append(release.wait(5))
        finally:
            connections.close_all()

    thread = threading.Thread(target=claim_and_hold)
    thread.start()
    assert first_claimed.wait(10)
    try:
        # ...while the second claims on its own connection: it must not wait or take them.
        claimed_by_second = claim_numbers(make_worker("w2", claim_batch=4))
    finally:
        release.set()
        thread.join(10)

    assert released_in_time == [True]  # the second claim did not wait for the first
    assert (claimed_by_first, claimed_by_second) == ([0, 1, 2, 3], [4, 5, 6, 7])
    rows = DBTaskResult.objects.filter(status="RUNNING")
    assert sorted(len(row.worker_ids) for row in rows) == [1] * 8


@pytest.mark.django_db(transaction=True)
def test_a_failing_job_in_a_batch_fails_alone_and_results_take_one_statement() -> None:
    tasks.remember.enqueue(1)
    failing = tasks.fail.enqueue("card declined")
    tasks.remember.enqueue(2)

    with CaptureQueriesContext(connection) as captured:
        make_worker().run()

    assert tasks.RUNS == [1, 2]
    row = DBTaskResult.objects.get(pk=failing.id)
    assert (row.status, row.exception_class_path) == ("FAILED", "builtins.ValueError")
    assert "ValueError: card declined" in row.traceback
    others = DBTaskResult.objects.exclude(pk=failing.id)
    assert sorted((r.status, r.return_value) for r in others) == [
        ("SUCCESSFUL", 2), ("SUCCESSFUL", 4),
    ]  # fmt: skip
    results = [q["sql"] for q in captured if "exception_class_path" in q["sql"]]
    assert len(results) == 1 and results[0].startswith("3 times: UPDATE"), results


@pytest.mark.django_db(transaction=True)
def test_a_return_value_json_cannot_hold_fails_that_job_only() -> None:
    unserialisable = tasks.return_a_set.enqueue()
    tasks.remember.enqueue(2)

    make_worker().run()

    row = DBTaskResult.objects.get(pk=unserialisable.id)
    assert (row.status, row.exception_class_path) == ("FAILED", "builtins.TypeError")
    assert DBTaskResult.objects.get(status="SUCCESSFUL").return_value == 4


@pytest.mark.django_db(transaction=True)
def test_a_killed_workers_batch_runs_again_after_the_stale_limit(settings: Any) -> None:
    settings.TASK_STALE_AFTER_MINUTES = 30
    for number in range(3):
        tasks.remember.enqueue(number)
    killed = make_worker("w1", claim_batch=3)
    killed.claim()
    killed.run_task(killed.held.pop(0))  # then killed: its result never written
    assert tasks.RUNS == [0]
    rows = DBTaskResult.objects.all()
    assert [(r.status, r.worker_ids) for r in rows] == [("RUNNING", ["w1"])] * 3

    make_worker("w2").run()  # within the stale limit: nothing to do
    assert tasks.RUNS == [0]
    settings.TASK_STALE_AFTER_MINUTES = 0
    make_worker("w3").run()

    assert tasks.RUNS == [0, 0, 1, 2]  # at least once: the finished job ran again
    rows = DBTaskResult.objects.all()
    assert {(r.status, tuple(r.worker_ids)) for r in rows} == {("SUCCESSFUL", ("w1", "w3"))}
