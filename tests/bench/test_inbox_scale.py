"""A common tag is filtered by walking the view in sort order (no count over every tagged
ticket: the page says "50+"); a rare tag is read from its own index. Both list the same
tickets in the same order."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from heedful.accounts.models import User
from heedful.tickets import inbox
from heedful.tickets.actions import do_add_message
from heedful.tickets.inbox import InboxQuery, inbox_page
from heedful.tickets.models import Ticket


@pytest.fixture
def tagged(make_ticket: Callable[..., Ticket], alice: User) -> list[Ticket]:
    tickets = [make_ticket(subject=f"T{i}", tags=["vip"] if i % 2 else []) for i in range(9)]
    do_add_message(tickets[1], author=alice, body_text="On it")  # stops its wait: sorts last
    return [t for t in tickets if t.tags.exists()]


def _walk(user: User, sort: str) -> tuple[list[str], list[tuple[int, bool]]]:
    refs: list[str] = []
    counts: list[tuple[int, bool]] = []
    cursor = ""
    while True:
        page = inbox_page(user, InboxQuery(sort=sort, filters={"tag": "vip"}, cursor=cursor,
                                           page_size=2))  # fmt: skip
        refs += [t.ref for t in page.tickets]
        counts.append((page.count, page.count_is_capped))
        if not page.next_cursor:
            return refs, counts
        cursor = page.next_cursor


@pytest.mark.parametrize("sort", ["waiting", "newest", "updated"])
def test_it_lists_a_common_tag_like_a_rare_one_without_counting_it(
    tagged: list[Ticket], alice: User, monkeypatch: pytest.MonkeyPatch, sort: str
) -> None:
    rare_refs, rare_counts = _walk(alice, sort)
    monkeypatch.setattr(inbox, "COMMON_TAG_TICKETS", 3)
    common_refs, common_counts = _walk(alice, sort)
    assert common_refs == rare_refs
    assert sorted(common_refs) == sorted(t.ref for t in tagged)
    assert rare_counts == [(4, False), (4, False)]
    # "2+" while more pages follow, then the exact size of the last page.
    assert common_counts == [(2, True), (2, False)]


def test_it_orders_the_oldest_waiting_first_and_nobody_waiting_last(
    tagged: list[Ticket], alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inbox, "COMMON_TAG_TICKETS", 0)
    refs, _ = _walk(alice, "waiting")
    assert refs == [tagged[1].ref, tagged[2].ref, tagged[3].ref, tagged[0].ref]
