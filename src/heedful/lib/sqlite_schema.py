"""What an SQLite database's schema holds, for the apps that keep their own triggers
(full-text indexes, the tag links' sort keys): SQLite drops a table's triggers when a
migration rebuilds the table (how Django alters a column there), and each app puts its
own back after every migrate."""

from __future__ import annotations

from django.db.backends.base.base import BaseDatabaseWrapper


def schema_names(connection: BaseDatabaseWrapper, kind: str) -> set[str]:
    """The names of every ``kind`` ('trigger', 'table', 'index') in the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = %s", [kind])
        return {row[0] for row in cursor.fetchall()}
