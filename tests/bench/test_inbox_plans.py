"""Every inbox list the UI offers (view x sort, each filter) reads its rows in sort order
from an index: the database plan has no sort step, so a page costs the same at 1M tickets
as at 100. Checked on the real planner of each database (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection

from heedful.accounts.models import Team, User
from heedful.customers.models import Organization
from heedful.tickets import inbox
from heedful.tickets.inbox import (
    SORTS,
    VIEWS,
    InboxQuery,
    encode_cursor,
    inbox_page,
    inbox_values_page,
)
from heedful.tickets.models import NOBODY_WAITS, Ticket
from heedful.web.inbox_rows import ROW_FIELDS


def _ordered_statements(user: User, query: InboxQuery) -> list[tuple[str, tuple[Any, ...]]]:
    """(sql, params) of the statements that read the page's tickets in order: as values
    (the web page's) and as models with their related objects (``inbox_page``)."""
    seen: list[tuple[str, tuple[Any, ...]]] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        inbox_values_page(user, query, ROW_FIELDS)
        inbox_page(user, query)
    page = f"LIMIT {query.page_size + 1}"
    ordered = [(sql, params) for sql, params in seen if sql.rstrip().endswith(page)]
    assert len(ordered) == 2, [sql for sql, _ in seen]
    return ordered


@pytest.fixture
def plan() -> Iterator[Callable[[str, tuple[Any, ...]], str]]:
    """The plan of a statement as text; on PostgreSQL with sorting and sequential scans
    priced out, so a Sort node means no index could give the order."""

    def explain(sql: str, params: tuple[Any, ...]) -> str:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("EXPLAIN " + sql, params)
                return "\n".join(row[0] for row in cursor.fetchall())
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            return "\n".join(str(row[-1]) for row in cursor.fetchall())

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET enable_sort = off")
            cursor.execute("SET enable_seqscan = off")
        yield explain
        with connection.cursor() as cursor:
            cursor.execute("RESET enable_sort")
            cursor.execute("RESET enable_seqscan")
    else:
        yield explain


def _sorts_rows(text: str) -> bool:
    if connection.vendor == "postgresql":
        return any(line.strip().startswith(("Sort", "->  Sort")) for line in text.splitlines())
    return "TEMP B-TREE FOR ORDER BY" in text or "TEMP B-TREE FOR RIGHT PART OF ORDER BY" in text


def _cursor(sort: str) -> str:
    return encode_cursor(NOBODY_WAITS if sort == "waiting" else Ticket().created_at, 10)


@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize("sort", list(SORTS))
@pytest.mark.parametrize("deep", [False, True])
def test_it_reads_every_view_and_sort_from_an_index(
    alice: User, plan: Callable[[str, tuple[Any, ...]], str], view: str, sort: str, deep: bool
) -> None:
    query = InboxQuery(view=view, sort=sort, cursor=_cursor(sort) if deep else "")
    for statement in _ordered_statements(alice, query):
        text = plan(*statement)
        assert not _sorts_rows(text), text


@pytest.mark.parametrize("sort", list(SORTS))
@pytest.mark.parametrize("name", ["status", "priority", "team", "assignee", "organization", "tag"])
def test_it_reads_every_filter_from_an_index(
    monkeypatch: pytest.MonkeyPatch,
    alice: User,
    support: Team,
    acme: Organization,
    plan: Callable[[str, tuple[Any, ...]], str],
    name: str,
    sort: str,
) -> None:
    value = {
        "status": "pending",
        "priority": "urgent",
        "team": str(support.public_id),
        "assignee": "alice",
        "organization": str(acme.public_id),
        "tag": "billing",
    }[name]
    # A common tag walks the view's index; a rare one is read from the tag's index and
    # sorted on purpose (at most COMMON_TAG_TICKETS rows), so only the first is checked.
    monkeypatch.setattr(inbox, "COMMON_TAG_TICKETS", 0)
    for statement in _ordered_statements(alice, InboxQuery(sort=sort, filters={name: value})):
        text = plan(*statement)
        assert not _sorts_rows(text), text


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite takes IS NULL as equality")
@pytest.mark.parametrize("sort", list(SORTS))
def test_it_reads_the_unassigned_view_from_its_own_index_on_postgresql(
    alice: User, plan: Callable[[str, tuple[Any, ...]], str], sort: str
) -> None:
    # PostgreSQL gets no order from (assignee, phase, column) under "assignee IS NULL":
    # without the view's partial indexes it sorted every unassigned ticket (26-47 ms at 1M)
    # or, given better statistics, walked another index and filtered it (190 ms oldest
    # first: unassigned tickets are the newest).
    for statement in _ordered_statements(alice, InboxQuery(view="unassigned", sort=sort)):
        assert f"ticket_unassigned_{SORTS[sort][1].split('_')[0]}" in plan(*statement)


@pytest.mark.parametrize("view", ["open", "pending", "solved"])
@pytest.mark.parametrize("sort", list(SORTS))
def test_it_reads_a_common_tag_from_the_tags_own_index(
    monkeypatch: pytest.MonkeyPatch,
    make_ticket: Callable[..., Ticket],
    alice: User,
    plan: Callable[[str, tuple[Any, ...]], str],
    view: str,
    sort: str,
) -> None:
    # Walking the view's index and probing each ticket's tags read 51 / (the tag's share)
    # rows a page: 84 ms for a deep page at 1M on PostgreSQL, 166 ms for a tag of 3,140
    # tickets. The tag's (tag, phase, key, ticket) index reads 51.
    make_ticket(tags=["billing"])
    monkeypatch.setattr(inbox, "COMMON_TAG_TICKETS", 0)
    query = InboxQuery(view=view, sort=sort, filters={"tag": "billing"}, cursor=_cursor(sort))
    for statement in _ordered_statements(alice, query):
        text = plan(*statement)
        assert f"tickettag_{SORTS[sort][1].split('_')[0]}_idx" in text, text
        assert not _sorts_rows(text), text
