"""Bulk writes for the generator: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

While a large load runs, secondary indexes (and PostgreSQL's foreign keys) are dropped and
rebuilt afterwards in one sorted pass, which is many times faster than keeping them up to
date row by row. Run large loads on a database nobody else is using.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection

from heedful.search.fulltext import INDEXES

Row = Sequence[Any]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class BulkWriter:
    """Writes rows with explicit ids; formats values the way Django stores them."""

    vendor = ""
    time_suffix = ""

    def __init__(self, uuid_prefix: int, now: int) -> None:
        self.now = now
        self._uuid_prefix = f"{uuid_prefix & (2**64 - 1):016x}"
        self._days: dict[int, str] = {}
        connection.ensure_connection()
        self.raw: Any = connection.connection

    def uuid(self, number: int) -> str:
        """Unique and increasing, so the unique index is appended to, not scattered."""
        return f"{self._uuid_prefix}{number:016x}"

    def time(self, epoch: int | None) -> str | None:
        if epoch is None:
            return None
        day, second = divmod(epoch, 86400)
        date = self._days.get(day)
        if date is None:
            date = time.strftime("%Y-%m-%d", time.gmtime(day * 86400))
            self._days[day] = date
        hour, rest = divmod(second, 3600)
        return f"{date} {hour:02d}:{rest // 60:02d}:{rest % 60:02d}{self.time_suffix}"

    def next_id(self, table: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {_quote(table)}")
            return int(cursor.fetchone()[0])

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
        raise NotImplementedError

    def update_many(self, sql: str, rows: Sequence[Row]) -> None:
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)

    @contextmanager
    def bulk_load(self, tables: Sequence[str], drop_indexes: bool) -> Iterator[None]:
        raise NotImplementedError
        yield

    def finish(self, tables: Sequence[str]) -> None:
        """Refresh planner statistics (and, on PostgreSQL, id sequences)."""


class SqliteWriter(BulkWriter):
    vendor = "sqlite"

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
        names = ", ".join(_quote(c) for c in columns)
        marks = ", ".join("?" for _ in columns)
        self.raw.executemany(f"INSERT INTO {_quote(table)} ({names}) VALUES ({marks})", rows)

    def _schema(self, kind: str, condition: str, tables: Sequence[str]) -> list[tuple[str, str]]:
        """(name, CREATE statement) of each ``kind`` on ``tables`` matching ``condition``."""
        marks = ", ".join("?" for _ in tables)
        found = self.raw.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = ? AND {condition} "
            f"AND tbl_name IN ({marks})",
            [kind, *tables],
        ).fetchall()
        return [(str(name), str(sql)) for name, sql in found]

    def _secondary_indexes(self, tables: Sequence[str]) -> list[tuple[str, str]]:
        return self._schema("index", "sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'", tables)

    def _full_text_triggers(self, tables: Sequence[str]) -> list[tuple[str, str]]:
        """The triggers that keep the full-text indexes of ``tables`` up to date: one
        'rebuild' after the load costs a quarter of the CPU of indexing row by row."""
        return self._schema("trigger", "name LIKE 'search%'", tables)

    def _rebuild_full_text(self, tables: Sequence[str]) -> None:
        for index in INDEXES:
            if index.table in tables:
                self.raw.execute(f"INSERT INTO {index.name}({index.name}) VALUES ('rebuild')")

    @contextmanager
    def bulk_load(self, tables: Sequence[str], drop_indexes: bool) -> Iterator[None]:
        self.raw.execute("PRAGMA foreign_keys = OFF")
        self.raw.execute("PRAGMA cache_size = -524288")
        indexes = self._secondary_indexes(tables) if drop_indexes else []
        triggers = self._full_text_triggers(tables) if drop_indexes else []
        for name, _ in indexes:
            self.raw.execute(f"DROP INDEX {_quote(name)}")
        for name, _ in triggers:
            self.raw.execute(f"DROP TRIGGER {_quote(name)}")
        try:
            yield
        finally:
            for _, sql in indexes + triggers:
                self.raw.execute(sql)
            if triggers:
                self._rebuild_full_text(tables)
            self.raw.execute("PRAGMA cache_size = -65536")
            self.raw.execute("PRAGMA foreign_keys = ON")

    def finish(self, tables: Sequence[str]) -> None:
        self.raw.execute("PRAGMA analysis_limit = 1000")
        self.raw.execute("ANALYZE")


class PostgresWriter(BulkWriter):
    vendor = "postgresql"
    time_suffix = "+00"

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
        names = ", ".join(_quote(c) for c in columns)
        with (
            self.raw.cursor() as cursor,
            cursor.copy(f"COPY {_quote(table)} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)

    def _droppable(self, tables: Sequence[str]) -> tuple[list[tuple[str, str, str]], ...]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
                [list(tables)],
            )
            indexes = [(str(t), str(n), str(d)) for t, n, d in cursor.fetchall()]
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
                [list(tables)],
            )
            foreign_keys = [(str(t), str(n), str(d)) for t, n, d in cursor.fetchall()]
        return indexes, foreign_keys

    @contextmanager
    def bulk_load(self, tables: Sequence[str], drop_indexes: bool) -> Iterator[None]:
        indexes, foreign_keys = self._droppable(tables) if drop_indexes else ([], [])
        with connection.cursor() as cursor:
            for table, name, _ in foreign_keys:
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {_quote(name)}")
            for _, name, _ in indexes:
                cursor.execute(f"DROP INDEX {_quote(name)}")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET maintenance_work_mem = '512MB'")
                for _, _, definition in indexes:
                    cursor.execute(definition)
                for table, name, definition in foreign_keys:
                    cursor.execute(
                        f"ALTER TABLE {table} ADD CONSTRAINT {_quote(name)} {definition}"
                    )

    def finish(self, tables: Sequence[str]) -> None:
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {_quote(table)}))",
                    [table],
                )
                # VACUUM sets the visibility map (index-only scans); it cannot run in a
                # transaction, e.g. inside a test.
                vacuum = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
                cursor.execute(f"{vacuum} {_quote(table)}")


def make_writer(uuid_prefix: int, now: int) -> BulkWriter:
    if connection.vendor == "postgresql":
        return PostgresWriter(uuid_prefix, now)
    if connection.vendor == "sqlite":
        return SqliteWriter(uuid_prefix, now)
    raise ValueError(f"bench: unsupported database {connection.vendor}")
