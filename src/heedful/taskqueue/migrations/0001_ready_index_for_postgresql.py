"""An index that lets PostgreSQL claim the next job without sorting the queue.

A worker claims with ``status = 'READY' AND backend_name = %s ORDER BY priority DESC,
run_after, enqueued_at LIMIT 1 FOR UPDATE SKIP LOCKED``. django-tasks-db's partial index
starts with ``status`` only, so right after a burst of enqueues (before autovacuum has
analysed the table) PostgreSQL estimates a dozen ready rows, ANDs two bitmap scans and
sorts every ready job for each claim: 20k queued jobs drained at 46 jobs/s. This index
has the equality column first and then the sort order, so each claim reads one index
entry whatever the statistics say. SQLite already walks the existing index in order
(``EXPLAIN QUERY PLAN`` shows no temporary B-tree), so it is not created there.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

TABLE = "django_tasks_database_dbtaskresult"
INDEX = "taskqueue_ready_by_backend"


def create_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE} "
            "(backend_name, priority DESC, run_after, enqueued_at) WHERE status = 'READY'"
        )


def drop_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("django_tasks_database", "0021_conditional_partial_index_ordering")]

    operations = [migrations.RunPython(create_index, drop_index)]
