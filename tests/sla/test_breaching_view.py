"""The "Breaching soon" page and the due column of the inbox."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from heedful.accounts.models import Team, User
from heedful.sla import views as sla_views
from heedful.sla.actions import do_recompute_clocks
from heedful.sla.models import Policy
from heedful.tickets.actions import do_loop_in
from heedful.tickets.models import Ticket
from tests.conftest import login
from tests.sla.conftest import FakeNow, berlin, make_policy

MakeTicket = Callable[..., Ticket]


@pytest.fixture
def hourly(db: None) -> Policy:
    return make_policy("24/7", {"normal": {"first_response": 60}, "low": {"first_response": 240}})


def ticket_at(make_ticket: MakeTicket, fake_now: FakeNow, at: str, **kwargs: object) -> Ticket:
    ticket = make_ticket(created_at=berlin(at), **kwargs)
    do_recompute_clocks(ticket, now=fake_now.set(at))
    return ticket


def rows(page: str) -> list[tuple[str, str]]:
    """(ticket ref, tone) of each row, top to bottom."""
    found = re.findall(r'data-ticket-ref="([^"]+)" data-clock-tone="(\w+)"', page)
    return [(ref, tone) for ref, tone in found]


def test_it_lists_running_clocks_due_first_with_their_colours(
    hourly: Policy, make_ticket: MakeTicket, alice: User, client: Client, fake_now: FakeNow
) -> None:
    late = ticket_at(make_ticket, fake_now, "2025-06-10 08:00")  # due 09:00
    soon = ticket_at(make_ticket, fake_now, "2025-06-10 09:10")  # due 10:10, amber 09:55
    fine = ticket_at(make_ticket, fake_now, "2025-06-10 09:50")  # due 10:50
    ticket_at(make_ticket, fake_now, "2025-06-10 09:55", priority="urgent")  # no target
    fake_now.set("2025-06-10 10:00")
    page = login(client, alice).get("/inbox/breaching/").content.decode()
    assert rows(page) == [(late.ref, "breached"), (soon.ref, "warning"), (fine.ref, "ok")]
    assert "late by 1 h" in page
    assert "due in 10 min" in page
    assert 'id="nav-breaching"' in page


def test_it_pages_by_keyset_with_a_constant_number_of_queries(
    hourly: Policy, make_ticket: MakeTicket, alice: User, client: Client, fake_now: FakeNow,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(sla_views, "PAGE_SIZE", 4)
    # Two tickets share each due time, so the id breaks ties across pages.
    made = [
        ticket_at(make_ticket, fake_now, f"2025-06-10 09:{minute:02d}")
        for minute in (0, 0, 5, 5, 10, 10, 15, 15, 20, 20)
    ]
    fake_now.set("2025-06-10 09:30")
    login(client, alice)
    seen: list[str] = []
    counts: list[int] = []
    url = "/inbox/breaching/"
    while url:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        counts.append(len(queries))
        seen += [ref for ref, _ in rows(response.content.decode())]
        url = response.context["next_url"]
    assert seen == [t.ref for t in made]
    # session, user, the tickets page, their nearest clocks; then the frame's counters
    # (unread notifications, due follow-ups, the five sidebar counts) in one statement.
    assert counts == [5, 5, 5]


def test_it_refuses_a_bad_cursor_with_400(alice: User, client: Client) -> None:
    response = login(client, alice).get("/inbox/breaching/?cursor=not-a-cursor")
    assert response.status_code == 400
    assert "This list cannot be shown: bad page cursor." in response.content.decode()


def test_it_shows_a_light_agent_only_the_clocks_of_tickets_they_can_see(
    hourly: Policy, make_ticket: MakeTicket, alice: User, carol: User, client: Client,
    fake_now: FakeNow,
) -> None:  # fmt: skip
    shown = ticket_at(make_ticket, fake_now, "2025-06-10 09:00")
    ticket_at(make_ticket, fake_now, "2025-06-10 09:00")
    do_loop_in(shown, carol, actor=alice)
    page = login(client, carol).get("/inbox/breaching/").content.decode()
    assert [ref for ref, _ in rows(page)] == [shown.ref]


def test_it_keeps_customers_and_visitors_out(dave: object, client: Client) -> None:
    assert client.get("/inbox/breaching/").status_code == 302
    dave_user = User.objects.get(username="dave")
    assert login(client, dave_user).get("/inbox/breaching/").status_code == 403


def test_it_shows_the_nearest_due_clock_in_inbox_rows_with_one_query(
    make_ticket: MakeTicket, alice: User, support: Team, client: Client, fake_now: FakeNow
) -> None:
    make_policy("24/7", {"normal": {"first_response": 60, "resolution": 30}})
    late = ticket_at(make_ticket, fake_now, "2025-06-10 08:00")
    fine = ticket_at(make_ticket, fake_now, "2025-06-10 09:50")
    fake_now.set("2025-06-10 10:00")
    login(client, alice)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/inbox/open/?sort=oldest").content.decode()
    clock_queries = [q for q in queries if "sla_ticketclock" in q["sql"]]
    assert len(clock_queries) == 1
    cells = re.findall(r'data-clock-tone="(\w+)" title="([^"]+)">([^<]+)<', page)
    # Resolution (30 min) is due before first response (60 min) on both tickets.
    assert cells == [
        ("breached", "Resolution due 2025-06-10 06:30", "late by 1 h 30 min"),
        ("ok", "Resolution due 2025-06-10 08:20", "due in 20 min"),
    ]
    assert [late.ref, fine.ref] == re.findall(r'data-ticket-ref="([^"]+)"', page)
