"""Per-process caches of small, rarely changed settings read on every ticket write (the
SLA policies, the webhook subscriptions) or API request (the live API tokens with their
users), checked against the settings generation in one statement: database triggers
(migrations api.0003 and api.0004) give the one row of
``api_settingsgeneration`` a new random value on any change to their tables, committed
by any process, and the next read loads them again.

Reading the generation before loading keeps it safe: a change committed in between
leaves the cache under the older generation, which no longer matches on the next read.
Inside a transaction that changed one of the tables the generation is its own
(uncommitted) one, so it loads its own changes; a rollback throws that value away.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from django.db import connection

T = TypeVar("T")

TABLE = "api_settingsgeneration"


def settings_generation() -> int | None:
    """The current generation, or None without the row (then nothing is cached)."""
    with connection.cursor() as cursor:
        # Raw SQL: the ORM would spend more compiling this than the database running it.
        cursor.execute(f"SELECT value FROM {TABLE} WHERE id = 1")
        row = cursor.fetchone()
    return None if row is None else int(row[0])


class GenerationCache(Generic[T]):
    """``load()``'s result, kept while the generation (and ``extra_key()``) is unchanged.
    Callers must not change what it returns: it is shared by the process's threads. (A
    dict that callers fill as they go is the exception: each entry they add was read after
    the generation its dict is kept under, so it is dropped with that generation.)"""

    _instances: weakref.WeakSet[GenerationCache[Any]] = weakref.WeakSet()

    def __init__(self, load: Callable[[], T], extra_key: Callable[[], Hashable] = tuple) -> None:
        self._load = load
        self._extra_key = extra_key
        # One tuple, replaced whole: a thread never sees a key with another key's value.
        self._entry: tuple[Hashable, T] | None = None
        GenerationCache._instances.add(self)

    @classmethod
    def forget_all(cls) -> None:
        """Empty every cache (tests start each with cold caches, so that the statements
        they count do not depend on the tests before them)."""
        for cache in list(cls._instances):
            cache._entry = None

    def get(self) -> T:
        generation = settings_generation()
        if generation is None:
            return self._load()
        key = (connection.alias, connection.settings_dict["NAME"], generation, self._extra_key())
        entry = self._entry
        if entry is not None and entry[0] == key:
            return entry[1]
        value = self._load()
        self._entry = (key, value)
        return value
