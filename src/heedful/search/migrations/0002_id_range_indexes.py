# BRIN indexes on the ticket and message ids for the search's windows of newest ids, on
# PostgreSQL only (heedful/search/fulltext.py, ID_RANGE_INDEXES). Building them reads each
# table once: 1.9 s for 5.1M messages (2.5 GB) at 1M tickets, writes to the table waiting
# meanwhile.

from typing import Any

from django.db import migrations


def create(apps: Any, schema_editor: Any) -> None:
    from heedful.search.fulltext import pg_create_id_range_indexes

    if schema_editor.connection.vendor == "postgresql":
        for statement in pg_create_id_range_indexes():
            schema_editor.execute(statement, params=None)


def drop(apps: Any, schema_editor: Any) -> None:
    from heedful.search.fulltext import pg_drop_id_range_indexes

    if schema_editor.connection.vendor == "postgresql":
        for statement in pg_drop_id_range_indexes():
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_fulltext")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
