"""The "Due soonest" inbox sort: nearest SLA due time first, tickets with none last."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from heedful.accounts.models import User
from heedful.sla.actions import do_recompute_clocks
from heedful.sla.models import Policy
from heedful.tickets.inbox import VIEWS, InboxQuery, inbox_page
from heedful.tickets.models import Ticket
from heedful.web.views import inbox as inbox_views
from tests.conftest import login
from tests.sla.conftest import FakeNow, berlin, make_policy

MakeTicket = Callable[..., Ticket]


@pytest.fixture
def hourly(db: None) -> Policy:
    return make_policy("24/7", {"normal": {"first_response": 60}})


def made_at(make_ticket: MakeTicket, fake_now: FakeNow, at: str, **kwargs: object) -> Ticket:
    ticket = make_ticket(created_at=berlin(at), **kwargs)
    do_recompute_clocks(ticket, now=fake_now.set(at))
    return ticket


@pytest.fixture
def tickets(hourly: Policy, make_ticket: MakeTicket, fake_now: FakeNow) -> list[Ticket]:
    """Seven tickets in "due soonest" order: five due (two share a due time, so the id
    breaks the tie), then two with no running clock (no target for "low"), by id."""
    late = made_at(make_ticket, fake_now, "2025-06-10 09:40")
    early = made_at(make_ticket, fake_now, "2025-06-10 08:00")
    no_clock_a = made_at(make_ticket, fake_now, "2025-06-10 07:00", priority="low")
    tie_a = made_at(make_ticket, fake_now, "2025-06-10 09:00")
    tie_b = made_at(make_ticket, fake_now, "2025-06-10 09:00")
    no_clock_b = made_at(make_ticket, fake_now, "2025-06-10 07:30", priority="low")
    middle = made_at(make_ticket, fake_now, "2025-06-10 08:30")
    return [early, middle, tie_a, tie_b, late, no_clock_a, no_clock_b]


def test_it_walks_every_ticket_once_by_due_time_across_pages(
    tickets: list[Ticket], alice: User, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inbox_views, "INBOX_PAGE_SIZE", 3)
    login(client, alice)
    seen: list[str] = []
    url = "/inbox/open/?sort=due"
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        seen += [row["ref"] for row in response.context["rows"]]
        url = response.context["next_url"]
        pages += 1
    assert seen == [t.ref for t in tickets]
    assert pages == 3


def test_it_offers_the_sort_in_every_view(
    tickets: list[Ticket], alice: User, client: Client
) -> None:
    login(client, alice)
    for view in VIEWS:
        response = client.get(f"/inbox/{view}/?sort=due")
        assert response.status_code == 200, view
        assert '<option value="due" selected>Due soonest</option>' in response.content.decode()


def test_it_sorts_by_due_time_with_filters(
    tickets: list[Ticket], alice: User, make_ticket: MakeTicket
) -> None:
    page = inbox_page(alice, InboxQuery(view="unassigned", sort="due", filters={"priority": "low"}))
    assert [t.ref for t in page.tickets] == [tickets[5].ref, tickets[6].ref]
    page = inbox_page(alice, InboxQuery(sort="due", filters={"priority": "normal"}, page_size=2))
    assert [t.ref for t in page.tickets] == [tickets[0].ref, tickets[1].ref]
    after = inbox_page(
        alice,
        InboxQuery(sort="due", filters={"priority": "normal"}, cursor=page.next_cursor),
    )
    assert [t.ref for t in after.tickets] == [t.ref for t in tickets[2:5]]
