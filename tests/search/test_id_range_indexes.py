"""PostgreSQL gets a BRIN index on the ids of tickets and messages, which the search's
windows of newest ids read instead of a bitmap of every id in the window."""

from __future__ import annotations

import pytest
from django.db import connection

from heedful.search.fulltext import ID_RANGE_INDEXES


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite ranges inside FTS5")
def test_it_indexes_the_id_ranges_of_both_tables(db: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, tablename, indexdef FROM pg_indexes WHERE indexname = ANY(%s)",
            [list(ID_RANGE_INDEXES)],
        )
        found = {name: (table, definition) for name, table, definition in cursor.fetchall()}
    assert {name: table for name, (table, _) in found.items()} == ID_RANGE_INDEXES
    assert all("USING brin (id)" in definition for _, definition in found.values())
    assert set(ID_RANGE_INDEXES.values()) == {"tickets_ticket", "tickets_message"}
