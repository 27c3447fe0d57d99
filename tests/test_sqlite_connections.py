"""SQLite connections are kept between requests (CONN_MAX_AGE), so the pragmas of
settings.py must come with every new connection, not with a request. Each server thread
keeps one for as long as the process runs: its page cache and memory map are what the
web server's memory grows by after heavy use (docs/performance.md, "Memory after heavy
use"), so they are pinned here too."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections
from django.db.backends.sqlite3.base import DatabaseWrapper

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="SQLite's per-connection pragmas",
)

PRAGMAS = ("foreign_keys", "synchronous", "cache_size", "temp_store")


def _pragmas() -> dict[str, int]:
    with connection.cursor() as cursor:
        found = {}
        for name in PRAGMAS:
            cursor.execute(f"PRAGMA {name}")
            found[name] = cursor.fetchone()[0]
    return found


def test_it_keeps_connections_between_requests() -> None:
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] == 60


@pytest.mark.django_db
def test_it_sets_the_pragmas_on_every_new_connection() -> None:
    seen: list[dict[str, int]] = []

    def run() -> None:  # a thread: a connection of its own, opened here
        try:
            seen.append(_pragmas())
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    # synchronous=NORMAL is 1, temp_store=MEMORY is 2; cache_size in KiB when negative.
    expected = {"foreign_keys": 1, "synchronous": 1, "cache_size": -4096, "temp_store": 2}
    assert seen == [expected]
    assert _pragmas() == expected


@pytest.mark.django_db
def test_it_maps_no_database_file_into_memory(tmp_path: Path) -> None:
    """The test database lives in memory, where SQLite maps nothing: a file is opened here
    with the same settings, as the server opens its database."""
    config = {**settings.DATABASES["default"], "NAME": str(tmp_path / "heedful.sqlite3")}
    wrapper = DatabaseWrapper(config, alias="file")
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("PRAGMA mmap_size")
            mapped = cursor.fetchone()[0]
            cursor.execute("PRAGMA cache_size")
            cache = cursor.fetchone()[0]
    finally:
        wrapper.close()
    assert (mapped, cache) == (0, -4096)
