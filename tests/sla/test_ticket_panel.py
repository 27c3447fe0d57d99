"""The ticket page's "Service levels" panel."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from heedful.accounts.models import User
from heedful.sla.actions import clock_results
from heedful.sla.models import Calendar
from heedful.sla.policies import load_policies
from heedful.tickets.actions import do_add_message
from heedful.tickets.models import Ticket
from heedful.web.timeline import load_events
from tests.conftest import login
from tests.sla.conftest import FakeNow, berlin, make_policy


def test_it_shows_each_clock_with_its_explanation(
    client: Client,
    alice: User,
    berlin_office: Calendar,
    make_ticket: Callable[..., Ticket],
    fake_now: FakeNow,
) -> None:
    make_policy(
        "Standard", {"normal": {"first_response": 60, "resolution": 480}},
        calendars=[berlin_office],
    )  # fmt: skip
    ticket = make_ticket(created_at=berlin("2025-06-10 09:00"))
    fake_now.set("2025-06-10 09:50")
    page = login(client, alice).get(f"/tickets/{ticket.ref}/").content.decode()
    assert 'id="sla-clocks"' in page
    assert "50 min elapsed in business hours, due Tue 10:00" in page
    assert "50 min elapsed in business hours, due Tue 17:00" in page
    assert page.count('data-clock-tone="warning"') == 1  # 10 of 60 minutes left
    assert page.count('data-clock-tone="ok"') == 1
    assert "Times in Europe/Berlin." in page


def test_it_shows_no_panel_without_policies(
    client: Client, alice: User, acme_ticket: Ticket
) -> None:
    page = login(client, alice).get(f"/tickets/{acme_ticket.ref}/").content.decode()
    assert 'id="sla-clocks"' not in page


def test_it_reads_the_event_log_once_for_the_timeline_and_the_clocks(
    client: Client,
    alice: User,
    berlin_office: Calendar,
    make_ticket: Callable[..., Ticket],
    fake_now: FakeNow,
) -> None:
    make_policy("Standard", {"normal": {"first_response": 60}}, calendars=[berlin_office])
    ticket = make_ticket(created_at=berlin("2025-06-10 09:00"))
    fake_now.set("2025-06-10 09:20")
    do_add_message(ticket, author=alice, body_text="On it.", is_public=False)
    now = fake_now.set("2025-06-10 09:50")
    agent = login(client, alice)
    agent.get(f"/tickets/{ticket.ref}/")  # warm caches (session, settings)

    with CaptureQueriesContext(connection) as captured:
        page = agent.get(f"/tickets/{ticket.ref}/").content.decode()

    event_reads = [q for q in captured.captured_queries if '"tickets_ticketevent"' in q["sql"]]
    assert len(event_reads) == 1
    assert "50 min elapsed in business hours, due Tue 10:00" in page
    # The same clocks as from the log read by the clock engine itself.
    ticket = Ticket.objects.select_related("organization").get(pk=ticket.pk)
    policies = load_policies()
    from_page = clock_results(ticket, now=now, policies=policies, events=load_events(ticket))
    assert from_page == clock_results(ticket, now=now, policies=policies)
    assert [(r.kind, r.state, r.elapsed) for r in from_page] == [
        ("first_response", "running", timedelta(minutes=50))
    ]
