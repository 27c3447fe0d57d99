from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


def _repair_full_text_indexes(using: str, **kwargs: Any) -> None:
    """A later migration that rebuilds the ticket or message table on SQLite drops the
    index's triggers with the old table; put them back and re-index after every migrate."""
    from heedful.search.fulltext import missing_sqlite_triggers, repair_sqlite_index

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    for index in missing_sqlite_triggers(connection):
        repair_sqlite_index(connection, index)


class SearchConfig(AppConfig):
    name = "heedful.search"
    label = "search"

    def ready(self) -> None:
        post_migrate.connect(_repair_full_text_indexes, sender=self)
