"""A worker's claim (one UPDATE … RETURNING) reads the queue in order from an index, never
sorting every ready job.

Measured before the index (PostgreSQL, just after a burst of enqueues): the claim ANDed
two bitmap scans and sorted all ready jobs, so draining 20k jobs slowed to 46 jobs/s.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from heedful.bench.tasks import noop
from heedful.taskqueue.bookkeeping import claim_statement


def _claim_plan() -> str:
    jobs = DBTaskResult.objects.ready().filter(backend_name="default")
    explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with transaction.atomic(), connection.cursor() as cursor:
        sql, params = claim_statement(jobs, 20, "w1")
        cursor.execute(explain + sql, params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


@pytest.mark.django_db(transaction=True)
def test_it_claims_the_next_job_from_an_index_in_order() -> None:
    # Rows as the database backend enqueues them (the tests run tasks immediately).
    now = timezone.now()
    DBTaskResult.objects.bulk_create(
        DBTaskResult(
            args_kwargs={"args": [], "kwargs": {}},
            task_path=noop.module_path,
            backend_name="default",
            run_after=now,
            queue_name="default",
        )
        for _ in range(5_000)
    )

    plan = _claim_plan()

    if connection.vendor == "postgresql":
        assert "Index Scan using taskqueue_ready_by_backend" in plan, plan
        assert "Sort" not in plan, plan
    else:
        assert "USING INDEX tasks_db_new_ordering_idx" in plan, plan
        assert "TEMP B-TREE" not in plan, plan
