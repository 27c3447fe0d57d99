"""GET /tickets/{ref}/events: the event log with public identifiers only."""

from __future__ import annotations

from collections.abc import Callable

from heedful.accounts.models import Team, User
from heedful.customers.models import Contact
from heedful.tickets import actions
from heedful.tickets.models import Ticket
from tests.api.conftest import ApiClient

MakeApi = Callable[..., ApiClient]


def test_it_lists_events_with_public_ids_instead_of_keys(
    api: MakeApi, alice: User, bob: User, carol: User, support: Team, acme_ticket: Ticket
) -> None:
    actions.do_assign_ticket(acme_ticket, bob, actor=alice)
    actions.do_change_team(acme_ticket, support, actor=alice)
    actions.do_loop_in(acme_ticket, carol, actor=alice)
    body = api(alice).get(f"/tickets/{acme_ticket.ref}/events").json()
    events = [(e["kind"], e["field"], e["before"], e["after"]) for e in body["items"]]
    assert events[2:] == [
        ("assignee_changed", "assignee", None, "bob"),
        ("team_changed", "team", None, str(support.public_id)),
        ("collaborator_added", "collaborators", None, "carol"),
    ]
    created = body["items"][0]
    assert created["kind"] == "created"
    assert created["after"]["requester"] == str(acme_ticket.requester.public_id)
    assert created["after"]["assignee"] is None
    assert "requester_id" not in created["after"]
    assert body["items"][1]["message_id"] is not None


def test_it_shows_the_customer_only_customer_facing_events(
    api: MakeApi, alice: User, dave: Contact, support: Team, acme_ticket: Ticket
) -> None:
    actions.do_change_team(acme_ticket, support, actor=alice)
    actions.do_add_message(acme_ticket, author=alice, body_text="internal", is_public=False)
    actions.do_change_status(acme_ticket, "pending", actor=alice)
    body = api(dave).get(f"/tickets/{acme_ticket.ref}/events").json()
    assert [e["kind"] for e in body["items"]] == ["created", "message_added", "status_changed"]
    assert body["items"][0]["after"] == {
        "subject": "My invoice is wrong",
        "status": "new",
        "priority": "normal",
    }
    assert body["items"][2]["actor"] == {"type": "user", "id": None, "name": "Alice"}


def test_it_gives_erin_404_for_acme_events(
    api: MakeApi, erin: Contact, acme_ticket: Ticket
) -> None:
    response = api(erin).get(f"/tickets/{acme_ticket.ref}/events")
    assert response.status_code == 404


def test_it_pages_events(api: MakeApi, alice: User, acme_ticket: Ticket) -> None:
    for priority in ("low", "high", "urgent"):
        actions.do_change_priority(acme_ticket, priority, actor=alice)
    client = api(alice)
    first = client.get(f"/tickets/{acme_ticket.ref}/events", limit=2).json()
    rest = client.get(f"/tickets/{acme_ticket.ref}/events", cursor=first["next_cursor"]).json()
    kinds = [e["after"] for e in first["items"] + rest["items"]][2:]
    assert kinds == ["low", "high", "urgent"]
    assert len(first["items"]) == 2 and rest["next_cursor"] is None
