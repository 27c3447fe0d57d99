"""on_commit_once: work asked for many times in a transaction runs once, after a real
commit (these tests commit and roll back for real, not inside a test transaction)."""

from __future__ import annotations

import pytest
from django.db import transaction

from heedful.lib.on_commit import on_commit_once, waiting_on_commit

pytestmark = pytest.mark.django_db(transaction=True)


class Boom(Exception):
    pass


class Note:
    """Work that records its name in ``ran`` when it runs."""

    def __init__(self, ran: list[str], name: str) -> None:
        self.ran = ran
        self.name = name

    def __call__(self) -> None:
        self.ran.append(self.name)


def test_it_runs_once_after_the_commit_however_often_asked() -> None:
    ran: list[str] = []
    with transaction.atomic():
        assert on_commit_once("recompute", Note(ran, "first")) is True
        assert on_commit_once("recompute", Note(ran, "second")) is False
        assert ran == []
    assert ran == ["first"]


def test_it_runs_each_key_once_in_the_order_asked() -> None:
    ran: list[str] = []
    with transaction.atomic():
        on_commit_once(("ticket", 1), Note(ran, "one"))
        on_commit_once(("ticket", 2), Note(ran, "two"))
        on_commit_once(("ticket", 1), Note(ran, "one again"))
    assert ran == ["one", "two"]


def test_it_runs_nothing_when_the_transaction_rolls_back() -> None:
    ran: list[str] = []
    with pytest.raises(Boom), transaction.atomic():
        on_commit_once("recompute", Note(ran, "rolled back"))
        raise Boom
    assert ran == []
    with transaction.atomic():
        assert on_commit_once("recompute", Note(ran, "next transaction")) is True
    assert ran == ["next transaction"]


def test_it_runs_once_when_asked_in_nested_blocks() -> None:
    ran: list[str] = []
    with transaction.atomic():
        on_commit_once("a", Note(ran, "outer a"))
        with transaction.atomic():
            assert on_commit_once("a", Note(ran, "inner a")) is False
            on_commit_once("b", Note(ran, "inner b"))
        assert on_commit_once("b", Note(ran, "outer b")) is False
        assert ran == []
    assert ran == ["outer a", "inner b"]


def test_it_asks_again_after_a_rolled_back_savepoint() -> None:
    ran: list[str] = []
    with transaction.atomic():
        with pytest.raises(Boom), transaction.atomic():
            on_commit_once("a", Note(ran, "rolled back"))
            raise Boom
        assert on_commit_once("a", Note(ran, "kept")) is True
    assert ran == ["kept"]


def test_it_runs_at_once_outside_a_transaction() -> None:
    ran: list[str] = []
    assert on_commit_once("a", Note(ran, "first")) is True
    assert on_commit_once("a", Note(ran, "second")) is True
    assert ran == ["first", "second"]


def test_it_finds_the_waiting_work_of_one_type() -> None:
    ran: list[str] = []
    with transaction.atomic():
        on_commit_once(1, Note(ran, "x"))
        on_commit_once(2, lambda: None)
        with transaction.atomic():
            on_commit_once(3, Note(ran, "y"))
        with pytest.raises(Boom), transaction.atomic():
            on_commit_once(4, Note(ran, "gone"))
            raise Boom
        assert [note.name for note in waiting_on_commit(Note)] == ["x", "y"]
    assert ran == ["x", "y"]
    assert waiting_on_commit(Note) == []


class Fail:
    def __call__(self) -> None:
        raise Boom


def test_it_logs_a_robust_failure_and_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    ran: list[str] = []
    with transaction.atomic():
        on_commit_once("fails", Fail(), robust=True)
        on_commit_once("works", Note(ran, "works"))
    assert ran == ["works"]
    assert [r.getMessage() for r in caplog.records] == [
        "Error calling Fail in on_commit() during transaction ()."
    ]
