"""The ticket page's "Service levels" panel."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from heedful.accounts.models import User
from heedful.sla.models import Calendar
from heedful.tickets.models import Ticket
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
