"""Bulk changes from the inbox."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from heedful.accounts.models import Team, User
from heedful.tickets import actions
from heedful.tickets.models import EventKind, Status, Ticket, TicketEvent


@pytest.fixture
def agent(client: Client, alice: User) -> Client:
    client.force_login(alice)
    return client


@pytest.fixture
def three(make_ticket: Callable[..., Ticket]) -> list[Ticket]:
    return [make_ticket(subject=f"Ticket {i}") for i in range(3)]


def test_it_changes_every_selected_ticket(
    agent: Client, three: list[Ticket], bob: User, finance: Team
) -> None:
    first, second, third = three
    response = agent.post(
        "/inbox/bulk/",
        {
            "tickets": [first.ref, third.ref],
            "status": "pending",
            "priority": "high",
            "assignee": "bob",
            "team": str(finance.public_id),
            "add_tag": "Follow Up",
            "next": "/inbox/open/?sort=newest",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/inbox/open/?sort=newest"
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Updated 2 tickets."]
    for ticket in (first, third):
        ticket.refresh_from_db()
        assert (ticket.status, ticket.priority, ticket.assignee, ticket.team) == (
            Status.PENDING, "high", bob, finance,
        )  # fmt: skip
        assert list(ticket.tags.values_list("name", flat=True)) == ["follow-up"]
    second.refresh_from_db()
    assert (second.status, second.priority, second.assignee_id, second.team_id) == (
        Status.NEW, "normal", None, None,
    )  # fmt: skip
    assert TicketEvent.objects.filter(ticket=second).count() == 2  # created, message


def test_it_unassigns(agent: Client, three: list[Ticket], alice: User, bob: User) -> None:
    for ticket in three:
        actions.do_assign_ticket(ticket, bob, actor=alice)
    response = agent.post("/inbox/bulk/", {"tickets": [t.ref for t in three], "assignee": "none"})
    assert response.status_code == 302
    assert response["Location"] == "/inbox/open/"
    assert [t.assignee_id for t in Ticket.objects.order_by("number")] == [None, None, None]
    assert TicketEvent.objects.filter(kind=EventKind.ASSIGNEE_CHANGED).count() == 6


def test_it_changes_nothing_when_one_change_is_refused(
    agent: Client, three: list[Ticket], carol: User
) -> None:
    response = agent.post(
        "/inbox/bulk/",
        {"tickets": [t.ref for t in three], "priority": "urgent", "assignee": "carol"},
    )
    assert response.status_code == 400
    assert "Tickets can only be assigned to full agents." in response.content.decode()
    assert list(Ticket.objects.values_list("priority", flat=True)) == ["normal"] * 3


def test_it_refuses_unknown_tickets(agent: Client, three: list[Ticket]) -> None:
    response = agent.post(
        "/inbox/bulk/", {"tickets": [three[0].ref, "HD-4242"], "status": "solved"}
    )
    assert response.status_code == 400
    assert "Some of the selected tickets do not exist." in response.content.decode()
    assert list(Ticket.objects.values_list("status", flat=True)) == ["new"] * 3


def test_it_asks_for_a_change(agent: Client, three: list[Ticket]) -> None:
    response = agent.post("/inbox/bulk/", {"tickets": [three[0].ref]})
    assert response.status_code == 400
    assert "Choose something to change." in response.content.decode()


def test_it_refuses_get(agent: Client) -> None:
    assert agent.get("/inbox/bulk/").status_code == 405
