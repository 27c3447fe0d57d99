"""A common tag is read in sort order (no count over every tagged ticket: the page says
"50+"): from the tag's own index, whose copies of the sort keys the database keeps, or by
walking a narrower view; a rare tag is read from its own index and sorted. All list the
same tickets in the same order."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from heedful.accounts.models import User
from heedful.tickets import inbox
from heedful.tickets.actions import (
    do_add_message,
    do_assign_ticket,
    do_change_priority,
    do_change_status,
)
from heedful.tickets.inbox import InboxQuery, inbox_page
from heedful.tickets.models import Ticket


@pytest.fixture
def tagged(make_ticket: Callable[..., Ticket], alice: User) -> list[Ticket]:
    tickets = [make_ticket(subject=f"T{i}", tags=["vip"] if i % 2 else []) for i in range(9)]
    do_add_message(tickets[1], author=alice, body_text="On it")  # stops its wait: sorts last
    return [t for t in tickets if t.tags.exists()]


def _walk(user: User, sort: str, view: str = "open") -> tuple[list[str], list[tuple[int, bool]]]:
    refs: list[str] = []
    counts: list[tuple[int, bool]] = []
    cursor = ""
    while True:
        query = InboxQuery(view, sort, filters={"tag": "vip"}, cursor=cursor, page_size=2)
        page = inbox_page(user, query)
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


@pytest.mark.parametrize("view", ["pending", "solved", "mine"])
@pytest.mark.parametrize("sort", ["waiting", "oldest", "due"])
def test_it_lists_a_common_tag_in_each_view_like_a_rare_one(
    tagged: list[Ticket], alice: User, monkeypatch: pytest.MonkeyPatch, view: str, sort: str
) -> None:
    do_change_status(tagged[2], "pending", actor=alice)
    do_change_status(tagged[3], "pending", actor=alice)
    do_change_status(tagged[1], "solved", actor=alice)
    do_assign_ticket(tagged[0], alice, actor=alice)
    do_assign_ticket(tagged[3], alice, actor=alice)
    rare_refs, _ = _walk(alice, sort, view)
    monkeypatch.setattr(inbox, "COMMON_TAG_TICKETS", 3)
    common_refs, _ = _walk(alice, sort, view)
    assert common_refs == rare_refs
    expected = {
        "pending": [tagged[2], tagged[3]],
        "solved": [tagged[1]],
        "mine": [tagged[0], tagged[3]],
    }[view]
    assert sorted(common_refs) == sorted(t.ref for t in expected)


def test_it_moves_a_changed_ticket_to_the_top_of_a_common_tags_recent_list(
    tagged: list[Ticket], alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inbox, "COMMON_TAG_TICKETS", 0)
    before, _ = _walk(alice, "updated")
    do_change_priority(tagged[-1], "urgent", actor=alice)
    after, _ = _walk(alice, "updated")
    assert before[0] != tagged[-1].ref
    assert after == [tagged[-1].ref, *(ref for ref in before if ref != tagged[-1].ref)]


def test_it_reads_a_common_tag_from_its_own_index_only_when_no_view_is_narrower() -> None:
    assert inbox.list_phase("open", {"tag": "vip"}) == "unsolved"
    assert inbox.list_phase("open", {"tag": "vip", "status": "closed"}) == "solved"
    assert inbox.list_phase("pending", {"tag": "vip"}) == "unsolved"
    assert inbox.list_phase("solved", {"tag": "vip", "status": ""}) == "solved"
    assert inbox.list_phase("mine", {"tag": "vip", "status": "open"}) is None
    assert inbox.list_phase("open", {"tag": "vip", "priority": "high"}) is None
