"""Every ticket list of the API (GET /api/v1/tickets: each sort, unfiltered, with each
single filter, and a customer token's own tickets) reads its rows in sort order from an
index, so a page costs the same at 1M tickets as at 100. Unlike the inbox, the API need
not filter on a status, so these are the lists without a ``phase``. Checked on the real
planner of each database, as tests/bench/test_inbox_plans.py does for the inbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from heedful.accounts.models import Team, User
from heedful.api.ticket_query import TicketFilter, ticket_page
from heedful.customers.models import Contact, Organization
from heedful.tickets import inbox
from heedful.tickets.inbox import SORTS
from tests.bench import test_inbox_plans
from tests.bench.test_inbox_plans import _cursor, _sorts_rows

# The inbox test's fixture: the plan as text, sorts and sequential scans priced out on
# PostgreSQL.
plan = test_inbox_plans.plan

PAGE_SIZE = 25


def _page_statement(user: User, f: TicketFilter, sort: str, cursor: str) -> tuple[str, Any]:
    """(sql, params) of the statement that reads the API page's tickets in order."""
    seen: list[tuple[str, tuple[Any, ...]]] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        ticket_page(user, f, sort=sort, cursor=cursor, limit=PAGE_SIZE)
    page = f"LIMIT {PAGE_SIZE + 1}"
    ordered = [(sql, params) for sql, params in seen if sql.rstrip().endswith(page)]
    assert len(ordered) == 1, [sql for sql, _ in seen]
    return ordered[0]


@pytest.mark.parametrize("sort", list(SORTS))
@pytest.mark.parametrize("deep", [False, True])
def test_it_reads_the_unfiltered_list_from_an_index(
    alice: User, plan: Callable[[str, tuple[Any, ...]], str], sort: str, deep: bool
) -> None:
    cursor = _cursor(sort) if deep else ""
    text = plan(*_page_statement(alice, TicketFilter(), sort, cursor))
    assert not _sorts_rows(text), text


@pytest.mark.parametrize("sort", list(SORTS))
@pytest.mark.parametrize(
    "name", ["status", "priority", "assignee", "unassigned", "team", "organization", "requester"]
)
def test_it_reads_every_single_filter_from_an_index(
    alice: User,
    support: Team,
    acme: Organization,
    dave: Contact,
    plan: Callable[[str, tuple[Any, ...]], str],
    name: str,
    sort: str,
) -> None:
    # priority, assignee and team have only (column, phase, sort) indexes: on SQLite their
    # page is read one phase at a time and merged (heedful.tickets.inbox._each_phase);
    # PostgreSQL walks the unfiltered sort index (ticket_all_*).
    f = {
        "status": TicketFilter(status="pending"),
        "priority": TicketFilter(priority="urgent"),
        "assignee": TicketFilter(assignee="alice"),
        "unassigned": TicketFilter(assignee="none"),
        "team": TicketFilter(team=support.public_id),
        "organization": TicketFilter(organization=acme.public_id),
        "requester": TicketFilter(requester=dave.public_id),
    }[name]
    text = plan(*_page_statement(alice, f, sort, ""))
    assert not _sorts_rows(text), text


@pytest.mark.parametrize("sort", list(SORTS))
@pytest.mark.parametrize("name", ["priority", "assignee"])
def test_it_reads_a_deep_page_of_a_phase_led_filter_from_an_index(
    alice: User, plan: Callable[[str, tuple[Any, ...]], str], name: str, sort: str
) -> None:
    f = TicketFilter(priority="urgent") if name == "priority" else TicketFilter(assignee="alice")
    text = plan(*_page_statement(alice, f, sort, _cursor(sort)))
    assert not _sorts_rows(text), text


@pytest.mark.parametrize("sort", list(SORTS))
def test_it_reads_a_common_tag_from_an_index(
    monkeypatch: pytest.MonkeyPatch, alice: User, plan: Callable[..., str], sort: str
) -> None:
    # A rare tag is read from the tag's index and sorted on purpose (at most
    # COMMON_TAG_TICKETS rows); a common one walks a sort index and probes its tags.
    monkeypatch.setattr(inbox, "COMMON_TAG_TICKETS", -1)
    text = plan(*_page_statement(alice, TicketFilter(tag="billing"), sort, ""))
    assert not _sorts_rows(text), text


@pytest.mark.parametrize("sort", [sort for sort in SORTS if sort != "due"])
@pytest.mark.parametrize("deep", [False, True])
def test_it_reads_a_customer_tokens_tickets_from_an_index(
    dave: Contact, plan: Callable[[str, tuple[Any, ...]], str], sort: str, deep: bool
) -> None:
    assert dave.user is not None
    cursor = _cursor(sort) if deep else ""
    text = plan(*_page_statement(dave.user, TicketFilter(), sort, cursor))
    assert not _sorts_rows(text), text
