"""Heedful's task worker (heedful.taskqueue.worker): several jobs per claim, results
recorded, held jobs given back, each job run exactly once."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from heedful.taskqueue import worker as worker_module
from heedful.taskqueue.worker import Worker
from tests.conftest import make_worker
from tests.taskqueue import tasks


@pytest.mark.django_db(transaction=True)
def test_it_runs_each_job_once_and_records_its_result() -> None:
    for number in range(45):
        tasks.remember.enqueue(number)

    make_worker("w1").run()

    assert sorted(tasks.RUNS) == list(range(45))
    rows = list(DBTaskResult.objects.all())
    assert {row.status for row in rows} == {"SUCCESSFUL"}
    assert sorted(row.return_value for row in rows) == [n * 2 for n in range(45)]
    assert all(row.worker_ids == ["w1"] and row.finished_at for row in rows)


@pytest.mark.django_db(transaction=True)
def test_it_claims_up_to_a_batch_of_jobs_per_round_trip() -> None:
    for number in range(45):
        tasks.remember.enqueue(number)

    with CaptureQueriesContext(connection) as captured:
        make_worker(claim_batch=20).run()

    claims = [q for q in captured if q["sql"].startswith("UPDATE") and "RETURNING" in q["sql"]]
    # 20 + 20 + 5 jobs, then the claim that finds the queue empty.
    assert len(claims) == 4
    assert len(tasks.RUNS) == 45


@pytest.mark.django_db(transaction=True)
def test_it_records_a_failure_and_runs_the_next_job() -> None:
    failing = tasks.fail.enqueue("card declined")
    tasks.remember.enqueue(7)

    make_worker().run()

    row = DBTaskResult.objects.get(pk=failing.id)
    assert row.status == "FAILED"
    assert row.exception_class_path == "builtins.ValueError"
    assert "ValueError: card declined" in row.traceback
    assert tasks.RUNS == [7]
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_gives_back_claimed_jobs_when_it_stops() -> None:
    for number in range(10):
        tasks.remember.enqueue(number)
    first = make_worker("w1", interval=0.01, batch=False)
    tasks.AFTER_RUN.append(lambda: setattr(first, "running", False))  # SIGTERM mid-job

    first.run()

    assert tasks.RUNS == [0]
    waiting = DBTaskResult.objects.filter(status="READY")
    assert waiting.count() == 9
    assert all(row.worker_ids == [] and row.started_at is None for row in waiting)
    tasks.AFTER_RUN.clear()
    make_worker("w2").run()
    assert sorted(tasks.RUNS) == list(range(10))
    assert sorted(r.worker_ids for r in DBTaskResult.objects.all())[0] == ["w1"]


@pytest.mark.django_db(transaction=True)
def test_it_gives_back_jobs_held_longer_than_the_hold_time(monkeypatch: Any) -> None:
    monkeypatch.setattr(worker_module, "HOLD_SECONDS", 0.0)
    for number in range(5):
        tasks.remember.enqueue(number)

    with CaptureQueriesContext(connection) as captured:
        make_worker().run()

    assert sorted(tasks.RUNS) == list(range(5))
    claims = [q for q in captured if q["sql"].startswith("UPDATE") and "RETURNING" in q["sql"]]
    assert len(claims) == 6  # one job per claim, the rest given back each time
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


@pytest.mark.django_db(transaction=True)
def test_it_stops_after_max_tasks_and_leaves_the_rest_ready() -> None:
    for number in range(5):
        tasks.remember.enqueue(number)

    make_worker(batch=False, max_tasks=3).run()

    assert len(tasks.RUNS) == 3
    assert DBTaskResult.objects.filter(status="READY", worker_ids=[]).count() == 2


def run_and_close(worker: Worker) -> None:
    """Runs ``worker`` in a thread, closing the thread's connections after it."""
    try:
        worker.run()
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_two_workers_run_each_job_exactly_once() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("threads share SQLite's in-memory test database and its table locks")
    for number in range(200):
        tasks.remember.enqueue(number)
    workers = [make_worker(f"w{i}", claim_batch=5) for i in (1, 2)]
    threads = [threading.Thread(target=run_and_close, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(tasks.RUNS) == list(range(200))
    rows = DBTaskResult.objects.all()
    assert {row.status for row in rows} == {"SUCCESSFUL"}
    assert all(len(row.worker_ids) == 1 for row in rows)


@pytest.mark.django_db(transaction=True)
def test_only_the_bookkeeping_commits_asynchronously_on_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("synchronous_commit is a PostgreSQL setting")
    job = tasks.commit_mode.enqueue()

    with CaptureQueriesContext(connection) as captured:
        make_worker().run()

    assert DBTaskResult.objects.get(pk=job.id).return_value == "on"
    sets = [q["sql"] for q in captured if q["sql"].startswith("SET LOCAL")]
    # The claim, then the empty claim that also writes the result.
    assert sets == ["SET LOCAL synchronous_commit TO OFF"] * 2


@pytest.mark.django_db(transaction=True)
def test_it_gives_memory_back_once_when_the_queue_empties(caplog: Any) -> None:
    for number in range(45):
        tasks.remember.enqueue(number)
    worker = make_worker(interval=0.01, batch=False)
    stop = threading.Timer(0.5, lambda: setattr(worker, "running", False))

    with caplog.at_level("DEBUG", logger="django_tasks_db"):
        stop.start()
        worker.run()

    assert sorted(tasks.RUNS) == list(range(45))
    idle = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Worker idle")]
    # Dozens of empty polls in 0.5 s, one release: only once jobs have run since the last.
    assert idle == ["Worker idle: connections closed, free memory released: True"]
