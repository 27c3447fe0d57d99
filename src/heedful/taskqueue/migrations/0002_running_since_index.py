"""An index for the stale-job check (``heedful.taskqueue.recovery``): jobs ``RUNNING``
since before a cutoff. Only running jobs are in it (a handful), so each worker's check
once a minute reads a few index entries instead of every finished job in the table."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

TABLE = "django_tasks_database_dbtaskresult"
INDEX = "taskqueue_running_since"


def create_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.features.supports_partial_indexes:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON {TABLE} (started_at) WHERE status = 'RUNNING'"
        )


def drop_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.features.supports_partial_indexes:
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("taskqueue", "0001_ready_index_for_postgresql")]

    operations = [migrations.RunPython(create_index, drop_index)]
