"""Jobs left RUNNING by a dead worker (or whose "finished" mark a database crash lost) are
queued again after HEEDFUL_TASK_STALE_AFTER minutes and run once; younger ones are not."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from heedful.taskqueue import recovery
from tests.conftest import make_worker
from tests.taskqueue import tasks


@pytest.fixture(autouse=True)
def stale_after(settings: Any) -> None:
    settings.TASK_STALE_AFTER_MINUTES = 30


def left_running(number: int, *, minutes_ago: int) -> DBTaskResult:
    """A ``remember(number)`` job claimed ``minutes_ago`` by a worker that then died."""
    job = tasks.remember.enqueue(number)
    started_at = timezone.now() - timedelta(minutes=minutes_ago)
    DBTaskResult.objects.filter(pk=job.id).update(
        status="RUNNING", started_at=started_at, worker_ids=["dead-worker"]
    )
    return DBTaskResult.objects.get(pk=job.id)


@pytest.mark.django_db(transaction=True)
def test_it_runs_a_job_running_longer_than_the_limit_once_more(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stale = left_running(1, minutes_ago=31)

    with caplog.at_level(logging.WARNING, logger="django_tasks_db"):
        make_worker("w2").run()

    assert tasks.RUNS == [1]
    row = DBTaskResult.objects.get(pk=stale.pk)
    assert row.status == "SUCCESSFUL"
    assert row.return_value == 2
    assert row.worker_ids == ["dead-worker", "w2"]
    assert f"Task id={stale.pk} was running for more than 0:30:00" in caplog.text
    make_worker("w3").run()
    assert tasks.RUNS == [1]  # not again


@pytest.mark.django_db(transaction=True)
def test_it_leaves_a_job_running_for_less_than_the_limit_alone() -> None:
    young = left_running(1, minutes_ago=29)
    tasks.remember.enqueue(2)

    make_worker("w2").run()

    assert tasks.RUNS == [2]
    row = DBTaskResult.objects.get(pk=young.pk)
    assert (row.status, row.started_at, row.worker_ids) == (
        "RUNNING", young.started_at, ["dead-worker"],
    )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_a_running_worker_looks_again_after_its_check_interval(monkeypatch: Any) -> None:
    monkeypatch.setattr(recovery, "CHECK_EVERY_SECONDS", 0.0)
    tasks.remember.enqueue(1)
    # A job found stale only after the worker's start-up check.
    tasks.AFTER_RUN.append(lambda: left_running(2, minutes_ago=31) if tasks.RUNS == [1] else None)

    make_worker("w2").run()

    assert tasks.RUNS == [1, 2]


@pytest.mark.django_db(transaction=True)
def test_the_limit_is_the_setting(settings: Any) -> None:
    settings.TASK_STALE_AFTER_MINUTES = 5
    stale = left_running(1, minutes_ago=6)
    young = left_running(2, minutes_ago=4)

    assert recovery.requeue_stale_jobs("default") == [str(stale.pk)]
    assert DBTaskResult.objects.get(pk=stale.pk).status == "READY"
    assert DBTaskResult.objects.get(pk=young.pk).status == "RUNNING"


@pytest.mark.django_db(transaction=True)
def test_the_check_reads_running_jobs_from_their_index() -> None:
    now = timezone.now()
    DBTaskResult.objects.bulk_create(
        DBTaskResult(
            args_kwargs={"args": [], "kwargs": {}}, task_path=tasks.remember.module_path,
            backend_name="default", run_after=now, queue_name="default",
            status="SUCCESSFUL", started_at=now, finished_at=now,
        )
        for _ in range(5_000)
    )  # fmt: skip
    left_running(1, minutes_ago=31)
    stale = DBTaskResult.objects.filter(
        status="RUNNING", started_at__lt=now - timedelta(minutes=30), backend_name="default"
    ).select_for_update(skip_locked=True)
    explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {DBTaskResult._meta.db_table}")
        sql, params = stale.values_list("pk").query.sql_with_params()
        cursor.execute(explain + sql, params)
        plan = "\n".join(str(row[-1]) for row in cursor.fetchall())

    assert "taskqueue_running_since" in plan, plan
