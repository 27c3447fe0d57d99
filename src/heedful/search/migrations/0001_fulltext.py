# Full-text indexes over ticket subjects and message bodies (heedful/search/fulltext.py):
# FTS5 tables and their triggers on SQLite; on PostgreSQL a stored generated tsvector column
# and a GIN index on each table. Both index the existing rows here: on SQLite 34 s of CPU at
# a million tickets; on PostgreSQL adding the column rewrites both tables, blocking writes to
# them meanwhile (docs/search.md has the measured time).

from typing import Any

from django.db import migrations


def create(apps: Any, schema_editor: Any) -> None:
    from heedful.search.fulltext import INDEXES

    for index in INDEXES:
        for statement in index.create(schema_editor.connection.vendor):
            schema_editor.execute(statement, params=None)


def drop(apps: Any, schema_editor: Any) -> None:
    from heedful.search.fulltext import INDEXES

    for index in INDEXES:
        for statement in index.drop(schema_editor.connection.vendor):
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0006_api_list_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
