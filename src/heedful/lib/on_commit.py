"""Work that runs once when the current transaction commits, however often the
transaction asks for it.

Django keeps the callbacks that wait for the commit in a list on the connection and
drops those of a rolled-back savepoint from it, so a callback found there is sure to run.
Looking there is how a transaction asks for some work many times and does it once, and
how later work finds what earlier work of the same transaction collected.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from django.db import transaction

F = TypeVar("F", bound=Callable[[], object])


class _Once:
    """A callback known by its key, which runs at most once."""

    def __init__(self, key: Hashable, func: Callable[[], object]) -> None:
        self.key = key
        self.func = func
        self.done = False
        # Django names the callback when a robust one fails.
        self.__qualname__ = getattr(func, "__qualname__", type(func).__qualname__)

    def __call__(self) -> None:
        if self.done:
            return
        # Marked first: tests run callbacks without clearing Django's list of them.
        self.done = True
        self.func()


def _waiting() -> list[_Once]:
    return [
        func
        for _, func, _ in transaction.get_connection().run_on_commit
        if isinstance(func, _Once) and not func.done
    ]


def on_commit_once(key: Hashable, func: Callable[[], object], *, robust: bool = False) -> bool:
    """Call ``func`` once the current transaction commits (at once outside one), unless
    work of the same ``key`` already waits for that commit. ``robust`` as for
    transaction.on_commit. Returns whether ``func`` was registered."""
    if any(once.key == key for once in _waiting()):
        return False
    transaction.on_commit(_Once(key, func), robust=robust)
    return True


def cancel_on_commit(key: Hashable) -> bool:
    """Drop the work of ``key`` that waits for the current transaction to commit (its
    caller did it already); work asked for later under that key is registered again.
    Returns whether there was any."""
    found = [once for once in _waiting() if once.key == key]
    for once in found:
        once.done = True
    return bool(found)


def waiting_on_commit(kind: type[F]) -> list[F]:
    """The functions of type ``kind`` given to on_commit_once() that wait for the current
    transaction to commit, oldest first."""
    return [once.func for once in _waiting() if isinstance(once.func, kind)]
