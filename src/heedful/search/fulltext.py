"""The full-text indexes over ticket subjects and message bodies, one per backend.

SQLite: an external-content FTS5 table per column (it stores only the index; the text
stays in the ticket or message row), kept in step by triggers, so every writer (actions,
mail ingest, the API, bulk loads) updates it in the same transaction and new text is
searchable as soon as it commits. Tokenizer ``porter unicode61 remove_diacritics 2``:
any script, case and accents folded ("Zurich" finds "Zürich"), and English words reduced
to their stem ("refunds" finds "refunded"), as PostgreSQL's ``english`` configuration does.

PostgreSQL: a stored generated column ``search_vector`` (``to_tsvector('english', column)``)
with a GIN index on it, both kept up to date by the database itself. A bare expression
index is not enough: every plan that checks a row against the query (a lossy bitmap's
recheck, the id range of the newest rows walked by primary key) would parse the text again,
about 27 microseconds a message, 276 ms for the newest 10,000 messages at a million tickets.
It does not fold accents (that needs the unaccent extension).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.backends.base.base import BaseDatabaseWrapper

from heedful.lib.sqlite_schema import schema_names

# PostgreSQL refuses a tsvector over 1 MB; only the start of a huge body is indexed, so
# storing one never fails.
PG_MAX_INDEXED_CHARS = 200_000
PG_VECTOR_COLUMN = "search_vector"


@dataclass(frozen=True)
class TextIndex:
    table: str
    column: str
    name: str  # the FTS5 table on SQLite, the GIN index on PostgreSQL

    @property
    def pg_vector(self) -> str:
        return f'"{self.table}"."{PG_VECTOR_COLUMN}"'

    def pg_document(self) -> str:
        if self.column == "body_text":
            return f"to_tsvector('english'::regconfig, left({self.column}, {PG_MAX_INDEXED_CHARS}))"
        return f"to_tsvector('english'::regconfig, {self.column})"

    def sqlite_create(self) -> list[str]:
        # columnsize=0: no per-row size table, which only ranking (bm25) would read.
        return [
            f"CREATE VIRTUAL TABLE {self.name} USING fts5({self.column}, content='{self.table}', "
            "content_rowid='id', columnsize=0, "
            "tokenize='porter unicode61 remove_diacritics 2')",
            *self.sqlite_triggers(),
            f"INSERT INTO {self.name}({self.name}) VALUES ('rebuild')",
        ]

    def sqlite_triggers(self) -> list[str]:
        name, column = self.name, self.column
        add = f"INSERT INTO {name}(rowid, {column}) VALUES (new.id, new.{column});"
        remove = (
            f"INSERT INTO {name}({name}, rowid, {column}) VALUES ('delete', old.id, old.{column});"
        )
        head = f"CREATE TRIGGER IF NOT EXISTS {name}"
        # The update trigger fires only when the text changes: save() without
        # update_fields writes every column.
        return [
            f"{head}_insert AFTER INSERT ON {self.table} BEGIN {add} END",
            f"{head}_delete AFTER DELETE ON {self.table} BEGIN {remove} END",
            f"{head}_update AFTER UPDATE OF {column} ON {self.table} "
            f"WHEN old.{column} IS NOT new.{column} BEGIN {remove} {add} END",
        ]

    def sqlite_drop(self) -> list[str]:
        triggers = [f"DROP TRIGGER IF EXISTS {self.name}_{event}" for event in TRIGGER_EVENTS]
        return [*triggers, f"DROP TABLE IF EXISTS {self.name}"]

    def pg_create(self) -> list[str]:
        return [
            f"ALTER TABLE {self.table} ADD COLUMN {PG_VECTOR_COLUMN} tsvector "
            f"GENERATED ALWAYS AS ({self.pg_document()}) STORED",
            f"CREATE INDEX {self.name} ON {self.table} USING gin ({PG_VECTOR_COLUMN})",
            # How common each word is, so the planner picks the index for a rare one.
            f"ANALYZE {self.table} ({PG_VECTOR_COLUMN})",
        ]

    def pg_drop(self) -> list[str]:
        return [
            f"DROP INDEX IF EXISTS {self.name}",
            f"ALTER TABLE {self.table} DROP COLUMN IF EXISTS {PG_VECTOR_COLUMN}",
        ]

    def create(self, vendor: str) -> list[str]:
        return self.sqlite_create() if vendor == "sqlite" else self.pg_create()

    def drop(self, vendor: str) -> list[str]:
        return self.sqlite_drop() if vendor == "sqlite" else self.pg_drop()


TRIGGER_EVENTS = ("insert", "delete", "update")
# Table names as literals: the migration that builds these must not change with the models.
TICKET_SUBJECTS = TextIndex("tickets_ticket", "subject", "search_ticket_subject_fts")
MESSAGE_BODIES = TextIndex("tickets_message", "body_text", "search_message_body_fts")
INDEXES = (TICKET_SUBJECTS, MESSAGE_BODIES)


def missing_sqlite_triggers(connection: BaseDatabaseWrapper) -> list[TextIndex]:
    """Indexes that lost a trigger. SQLite drops a table's triggers when a migration
    rebuilds the table (how Django alters a column there); the index is then stale."""
    triggers = schema_names(connection, "trigger")
    tables = schema_names(connection, "table")
    return [
        index
        for index in INDEXES
        if index.name in tables
        and any(f"{index.name}_{event}" not in triggers for event in TRIGGER_EVENTS)
    ]


def repair_sqlite_index(connection: BaseDatabaseWrapper, index: TextIndex) -> None:
    """Put the triggers back and re-read every row into the index."""
    with connection.cursor() as cursor:
        for statement in index.sqlite_triggers():
            cursor.execute(statement)
        cursor.execute(f"INSERT INTO {index.name}({index.name}) VALUES ('rebuild')")


# PostgreSQL: a BRIN index on the id of each table, for the windows of newest ids
# (heedful.search.queries). Past the first window PostgreSQL ANDs the word's GIN matches
# with the window's id range; from the primary key that range was a bitmap of every id in
# it (190,000 message ids: 13 ms of a rare word's 14 ms at 1M). Rows are written in id
# order, so BRIN gives the same range as a few hundred block ranges: 0.3 ms. The index is
# a few hundred kB at 5M messages and built in 2 s. SQLite reads id ranges inside FTS5.
ID_RANGE_INDEXES = {f"{index.name}_id_brin": index.table for index in INDEXES}


def pg_create_id_range_indexes() -> list[str]:
    return [
        f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING brin (id)"
        for name, table in ID_RANGE_INDEXES.items()
    ]


def pg_drop_id_range_indexes() -> list[str]:
    return [f"DROP INDEX IF EXISTS {name}" for name in ID_RANGE_INDEXES]
