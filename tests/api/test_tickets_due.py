"""SLA due times in the API: the four due fields, sort=due, and workaround replies."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.utils import timezone

from heedful.accounts.models import User
from heedful.customers.models import Contact
from heedful.sla.actions import do_recompute_clocks
from heedful.sla.models import Policy, TicketClock
from heedful.tickets.models import Message, Ticket
from tests.api.conftest import ApiClient, error_of
from tests.sla.conftest import FakeNow, berlin, make_policy
from tests.web.conftest import ticket_state

MakeApi = Callable[..., ApiClient]
MakeTicket = Callable[..., Ticket]


@pytest.fixture
def fake_now(monkeypatch: pytest.MonkeyPatch) -> FakeNow:
    now = FakeNow()
    monkeypatch.setattr(timezone, "now", now)
    return now


@pytest.fixture
def policy(db: None) -> Policy:
    targets = {"first_response": 60, "unblock": 120, "resolution": 240}
    return make_policy("24/7", {"normal": targets})


def made_at(make_ticket: MakeTicket, fake_now: FakeNow, at: str, **kwargs: object) -> Ticket:
    ticket = make_ticket(created_at=berlin(at), **kwargs)
    do_recompute_clocks(ticket, now=fake_now.set(at))
    return ticket


def test_it_shows_the_due_times_and_sorts_by_the_nearest(
    api: MakeApi, alice: User, policy: Policy, make_ticket: MakeTicket, fake_now: FakeNow
) -> None:
    later = made_at(make_ticket, fake_now, "2025-06-10 09:30")
    none_due = made_at(make_ticket, fake_now, "2025-06-10 08:00", priority="low")
    sooner = made_at(make_ticket, fake_now, "2025-06-10 09:00")
    client = api(alice)
    first = client.get("/tickets", sort="due", limit=2).json()
    rest = client.get("/tickets", sort="due", limit=2, cursor=first["next_cursor"]).json()
    assert [t["ref"] for t in first["items"] + rest["items"]] == [
        sooner.ref, later.ref, none_due.ref,
    ]  # fmt: skip
    assert rest["next_cursor"] is None
    top = first["items"][0]
    assert (
        top["first_response_due_at"], top["next_update_due_at"], top["unblock_due_at"],
        top["resolution_due_at"],
    ) == ("2025-06-10T08:00:00Z", None, "2025-06-10T09:00:00Z", "2025-06-10T11:00:00Z")  # fmt: skip
    assert rest["items"][0]["first_response_due_at"] is None


def test_it_marks_a_reply_as_a_workaround_that_unblocks_the_customer(
    api: MakeApi, alice: User, policy: Policy, make_ticket: MakeTicket, fake_now: FakeNow
) -> None:
    ticket = made_at(make_ticket, fake_now, "2025-06-10 09:00")
    fake_now.set("2025-06-10 09:20")
    response = api(alice).post(
        f"/tickets/{ticket.ref}/messages",
        {"body": "Use the CSV export meanwhile.", "is_workaround": True},
    )
    assert response.status_code == 201
    assert response.json()["is_workaround"] is True
    assert Message.objects.get(public_id=response.json()["id"]).is_workaround is True
    do_recompute_clocks(ticket, now=fake_now.set("2025-06-10 09:30"))
    unblock = TicketClock.objects.get(ticket=ticket, kind="unblock")
    assert (unblock.state, unblock.achieved_at) == ("achieved", berlin("2025-06-10 09:20"))
    ticket.refresh_from_db()
    assert ticket.unblock_due_at is None


def test_it_sends_a_plain_reply_by_default(api: MakeApi, alice: User, acme_ticket: Ticket) -> None:
    response = api(alice).post(f"/tickets/{acme_ticket.ref}/messages", {"body": "Looking."})
    assert response.status_code == 201
    assert response.json()["is_workaround"] is False


@pytest.mark.parametrize("who", ["dave", "note"])
def test_it_refuses_a_workaround_from_a_customer_or_on_a_note(
    api: MakeApi, alice: User, dave: Contact, acme_ticket: Ticket, who: str
) -> None:
    before = ticket_state(acme_ticket)
    client, public = (api(dave), True) if who == "dave" else (api(alice), False)
    response = client.post(
        f"/tickets/{acme_ticket.ref}/messages",
        {"body": "Try CSV", "is_workaround": True, "public": public},
    )
    assert response.status_code == 422
    assert error_of(response)["fields"] == {
        "is_workaround": "Only an agent's public reply can unblock the customer."
    }
    assert ticket_state(acme_ticket) == before


DUE_FIELDS = {"first_response_due_at", "next_update_due_at", "unblock_due_at", "resolution_due_at"}


def test_it_hides_the_due_times_from_a_customer_and_shows_them_to_agents(
    api: MakeApi, alice: User, dave: Contact, policy: Policy, make_ticket: MakeTicket,
    fake_now: FakeNow,
) -> None:  # fmt: skip
    ticket = made_at(make_ticket, fake_now, "2025-06-10 09:00")
    customer, agent = api(dave), api(alice)
    as_customer = [
        customer.get("/tickets").json()["items"][0],
        customer.get(f"/tickets/{ticket.ref}").json(),
    ]
    for item in as_customer:
        assert item["ref"] == ticket.ref
        assert item["status"] == "new"
        assert not DUE_FIELDS & set(item), item
    as_agent = [
        agent.get("/tickets").json()["items"][0],
        agent.get(f"/tickets/{ticket.ref}").json(),
    ]
    for item in as_agent:
        assert {name: item[name] for name in DUE_FIELDS} == {
            "first_response_due_at": "2025-06-10T08:00:00Z",
            "next_update_due_at": None,
            "unblock_due_at": "2025-06-10T09:00:00Z",
            "resolution_due_at": "2025-06-10T11:00:00Z",
        }
    assert set(as_agent[1]) - set(as_customer[1]) >= DUE_FIELDS


def test_it_hides_the_due_times_of_a_ticket_a_customer_opens(
    api: MakeApi, dave: Contact, policy: Policy
) -> None:
    response = api(dave).post("/tickets", {"subject": "Export fails", "body": "Since Monday."})
    assert response.status_code == 201
    assert response.json()["subject"] == "Export fails"
    assert not DUE_FIELDS & set(response.json())


def test_it_refuses_a_customer_the_due_sort(
    api: MakeApi, dave: Contact, alice: User, acme_ticket: Ticket
) -> None:
    response = api(dave).get("/tickets", sort="due")
    assert response.status_code == 403
    assert error_of(response)["message"] == "Customers cannot sort by SLA due time."
    assert [t["ref"] for t in api(alice).get("/tickets", sort="due").json()["items"]] == [
        acme_ticket.ref
    ]
