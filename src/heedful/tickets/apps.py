from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


def _repair_sort_key_triggers(using: str, **kwargs: Any) -> None:
    """A later migration that rebuilds the ticket or tag link table on SQLite drops the
    triggers that keep the links' sort keys (heedful.tickets.sort_keys): put them back."""
    from heedful.tickets.sort_keys import repair_sqlite

    connection = connections[using]
    if connection.vendor == "sqlite":
        repair_sqlite(connection)


class TicketsConfig(AppConfig):
    name = "heedful.tickets"
    label = "tickets"

    def ready(self) -> None:
        post_migrate.connect(_repair_sort_key_triggers, sender=self)
