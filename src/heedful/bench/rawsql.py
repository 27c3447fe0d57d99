"""The limit each benchmark is compared with: the SQL our code sends, run directly
through the database driver (sqlite3 or psycopg) on the same connection."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

_PLACEHOLDER = re.compile(r"(?<!%)%s")


@dataclass
class Captured:
    queries: list[tuple[str, Any]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.queries)

    def selects(self) -> list[tuple[str, Any]]:
        """The read queries (session writes and savepoints are left out of the limit)."""
        return [
            (sql, params)
            for sql, params in self.queries
            if sql.lstrip().upper().startswith(("SELECT", "WITH"))
        ]


@contextmanager
def capture() -> Iterator[Captured]:
    """Record every statement Django sends, exactly as it hands it to the driver."""
    captured = Captured()

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if not many:
            captured.queries.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield captured


def capture_call(call: Callable[[], Any]) -> Captured:
    with capture() as captured:
        call()
    return captured


def _cursor(raw: Any) -> Any:
    """A driver cursor that binds parameters the way Django does (client-side on
    PostgreSQL, not psycopg's default server-side binding), so the database receives the
    statements the page sent."""
    if connection.vendor == "postgresql":
        import psycopg

        return psycopg.ClientCursor(raw)
    return raw.cursor()


def raw_runner(queries: list[tuple[str, Any]]) -> Callable[[], None]:
    """A function that runs ``queries`` on the raw driver connection and fetches all rows."""
    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "sqlite":
        prepared = [
            (_PLACEHOLDER.sub("?", sql).replace("%%", "%"), tuple(params or ()))
            for sql, params in queries
        ]
    else:
        prepared = [(sql, params) for sql, params in queries]

    def run() -> None:
        cursor = _cursor(raw)
        try:
            for sql, params in prepared:
                cursor.execute(sql, params)
                cursor.fetchall()
        finally:
            cursor.close()

    return run
