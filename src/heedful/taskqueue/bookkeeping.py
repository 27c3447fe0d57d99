"""The worker's writes to the queue's own rows: claims, results and give-backs, each
batch of jobs in as few statements and commits as the database allows.

- A **claim** is one ``UPDATE … WHERE id IN (SELECT … ORDER BY <queue order> LIMIT n
  FOR UPDATE SKIP LOCKED) RETURNING *`` (on SQLite the same statement under the write
  lock, which needs no row locks): no SELECT then UPDATE.
- The **results** of a batch (``SUCCESSFUL``/``FAILED``, return value or traceback) are
  written together with one ``executemany`` of a single UPDATE (one round trip on
  PostgreSQL, through psycopg's pipeline), in the same transaction as the next claim.
- On PostgreSQL these transactions run with ``SET LOCAL synchronous_commit TO OFF``: their
  commit does not wait for the WAL flush. A job's own work keeps synchronous commits.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from traceback import format_exception
from typing import Any

from django.db import connections, models, transaction
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

RESULT_FIELDS = ("status", "return_value", "finished_at", "exception_class_path", "traceback")


@contextmanager
def bookkeeping_transaction(using: str, *, exclusive: bool = False) -> Iterator[None]:
    """A transaction for the queue's own rows; on PostgreSQL its commit does not wait
    for the WAL flush (see ``worker.py`` for what a server crash can lose)."""
    with exclusive_transaction(using) if exclusive else transaction.atomic(using=using):
        connection = connections[using]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


def queue_order(job: DBTaskResult) -> tuple[int, datetime, datetime]:
    """The claim's ORDER BY (the model's ordering), for sorting what RETURNING gave."""
    return (-job.priority, job.run_after, job.enqueued_at)


def claim_statement(jobs: Any, limit: int, worker_id: str) -> tuple[str, list[Any]]:
    """The UPDATE … RETURNING that marks the first ``limit`` of ``jobs`` (a queryset of
    ready jobs) running for ``worker_id``. Compile it inside a transaction (FOR UPDATE)."""
    connection = connections[jobs.db]
    ids = jobs.select_for_update(skip_locked=True).values_list("pk")[:limit]
    ids_sql, ids_params = ids.query.get_compiler(using=jobs.db).as_sql()
    if connection.vendor == "postgresql":
        append = "worker_ids || jsonb_build_array(%s::text)"
    else:
        append = "json_insert(worker_ids, '$[#]', %s)"
    table = connection.ops.quote_name(DBTaskResult._meta.db_table)
    started_at = DBTaskResult._meta.get_field("started_at")
    sql = (
        f"UPDATE {table} SET status = %s, started_at = %s, worker_ids = {append} "
        f"WHERE id IN ({ids_sql}) RETURNING *"
    )
    now = started_at.get_db_prep_save(timezone.now(), connection)
    return sql, [TaskResultStatus.RUNNING, now, worker_id, *ids_params]


def claim_ready(jobs: Any, limit: int, worker_id: str) -> list[DBTaskResult]:
    """Claims up to ``limit`` of ``jobs`` for ``worker_id`` and returns them in queue
    order. Call inside a bookkeeping transaction (exclusive on SQLite)."""
    sql, params = claim_statement(jobs, limit, worker_id)
    return sorted(DBTaskResult.objects.using(jobs.db).raw(sql, params), key=queue_order)


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


def mark_successful(job: DBTaskResult, return_value: Any) -> None:
    """What the library's ``set_successful`` sets, without saving (``save_results``)."""
    job.status = TaskResultStatus.SUCCESSFUL
    job.finished_at = timezone.now()
    job.return_value = return_value
    job.exception_class_path = ""
    job.traceback = ""


def mark_failed(job: DBTaskResult, error: BaseException) -> None:
    """What the library's ``set_failed`` sets, without saving (``save_results``)."""
    job.status = TaskResultStatus.FAILED
    job.finished_at = timezone.now()
    job.exception_class_path = f"{type(error).__module__}.{type(error).__qualname__}"
    job.traceback = "".join(format_exception(error))
    job.return_value = None


def result_row(job: DBTaskResult) -> list[Any]:
    """The parameters of ``save_results``'s UPDATE for a finished ``job``, prepared at
    once so that a return value JSON cannot hold fails the job, not the next claim."""
    connection = connections[job._state.db or "default"]
    fields = [concrete_field(name) for name in (*RESULT_FIELDS, "id")]
    return_value = fields[RESULT_FIELDS.index("return_value")]
    assert isinstance(return_value, models.JSONField)
    # psycopg encodes JSON only when the statement runs: encode it now, as SQLite does.
    json.dumps(job.return_value, cls=return_value.encoder)
    return [field.get_db_prep_save(getattr(job, field.attname), connection) for field in fields]


def concrete_field(name: str) -> models.Field[Any, Any]:
    field = DBTaskResult._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


def save_results(rows: list[list[Any]], using: str) -> None:
    """Writes the results of finished jobs (``result_row``s) with one statement."""
    if not rows:
        return
    connection = connections[using]
    table = connection.ops.quote_name(DBTaskResult._meta.db_table)
    columns = ", ".join(f"{connection.ops.quote_name(name)} = %s" for name in RESULT_FIELDS)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {columns} WHERE id = %s", rows)
