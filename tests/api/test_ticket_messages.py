"""GET/POST /tickets/{ref}/messages: the conversation, replies and internal notes."""

from __future__ import annotations

from collections.abc import Callable

from heedful.accounts.models import User
from heedful.customers.models import Contact
from heedful.tickets import actions
from heedful.tickets.models import Message, Ticket
from tests.api.conftest import ApiClient, error_of
from tests.web.conftest import ticket_state

MakeApi = Callable[..., ApiClient]


def test_it_lists_messages_oldest_first_with_notes_for_staff(
    api: MakeApi, alice: User, acme_ticket: Ticket
) -> None:
    actions.do_add_message(acme_ticket, author=alice, body_text="Looking into it")
    actions.do_add_message(
        acme_ticket, author=alice, body_text="internal: refund?", is_public=False
    )
    body = api(alice).get(f"/tickets/{acme_ticket.ref}/messages").json()
    assert [(m["body_text"], m["public"], m["direction"]) for m in body["items"]] == [
        ("I was charged twice this month.", True, "inbound"),
        ("Looking into it", True, "outbound"),
        ("internal: refund?", False, "outbound"),
    ]
    assert body["items"][1]["author"] == {"type": "user", "id": "alice", "name": "Alice"}
    assert body["next_cursor"] is None


def test_it_hides_internal_notes_and_usernames_from_the_customer(
    api: MakeApi, alice: User, dave: Contact, acme_ticket: Ticket
) -> None:
    actions.do_add_message(acme_ticket, author=alice, body_text="Looking into it")
    actions.do_add_message(
        acme_ticket, author=alice, body_text="internal: refund?", is_public=False
    )
    body = api(dave).get(f"/tickets/{acme_ticket.ref}/messages").json()
    assert [m["body_text"] for m in body["items"]] == [
        "I was charged twice this month.",
        "Looking into it",
    ]
    assert body["items"][1]["author"] == {"type": "user", "id": None, "name": "Alice"}


def test_it_pages_messages(api: MakeApi, alice: User, acme_ticket: Ticket) -> None:
    for i in range(4):
        actions.do_add_message(acme_ticket, author=alice, body_text=f"Reply {i}")
    client = api(alice)
    first = client.get(f"/tickets/{acme_ticket.ref}/messages", limit=3).json()
    second = client.get(
        f"/tickets/{acme_ticket.ref}/messages", limit=3, cursor=first["next_cursor"]
    ).json()
    texts = [m["body_text"] for m in first["items"] + second["items"]]
    assert texts == ["I was charged twice this month.", "Reply 0", "Reply 1", "Reply 2", "Reply 3"]
    assert second["next_cursor"] is None


def test_it_adds_a_reply_and_sets_the_status(
    api: MakeApi, alice: User, acme_ticket: Ticket
) -> None:
    response = api(alice).post(
        f"/tickets/{acme_ticket.ref}/messages", {"body": "Refunded.", "status": "solved"}
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["body_text"], body["public"], body["channel"]) == ("Refunded.", True, "api")
    acme_ticket.refresh_from_db()
    assert acme_ticket.status == "solved"
    assert acme_ticket.first_response_at is not None


def test_it_lets_the_customer_reply_on_her_ticket(
    api: MakeApi, dave: Contact, acme_ticket: Ticket
) -> None:
    response = api(dave).post(f"/tickets/{acme_ticket.ref}/messages", {"body": "Any news?"})
    assert response.status_code == 201
    assert response.json()["author"] == {
        "type": "contact",
        "id": str(dave.public_id),
        "name": "Dave Doe",
    }
    assert Message.objects.filter(ticket=acme_ticket, author_contact=dave).count() == 2


def test_it_forbids_a_customer_notes_and_status(
    api: MakeApi, dave: Contact, acme_ticket: Ticket
) -> None:
    before = ticket_state(acme_ticket)
    client = api(dave)
    note = client.post(f"/tickets/{acme_ticket.ref}/messages", {"body": "x", "public": False})
    assert note.status_code == 403
    assert error_of(note)["message"] == "Customers cannot write internal notes."
    status = client.post(f"/tickets/{acme_ticket.ref}/messages", {"body": "x", "status": "solved"})
    assert status.status_code == 403
    assert error_of(status)["message"] == "Customers cannot set the status."
    assert ticket_state(acme_ticket) == before


def test_it_lets_a_light_agent_write_notes_but_not_replies(
    api: MakeApi, carol: User, alice: User, acme_ticket: Ticket
) -> None:
    actions.do_loop_in(acme_ticket, carol, actor=alice)
    client = api(carol)
    before = ticket_state(acme_ticket)
    reply = client.post(f"/tickets/{acme_ticket.ref}/messages", {"body": "Hi customer"})
    assert reply.status_code == 403
    assert ticket_state(acme_ticket) == before
    note = client.post(
        f"/tickets/{acme_ticket.ref}/messages", {"body": "Approved", "public": False}
    )
    assert note.status_code == 201
    assert note.json()["public"] is False


def test_it_gives_erin_404_for_acme_messages(
    api: MakeApi, erin: Contact, acme_ticket: Ticket
) -> None:
    client = api(erin)
    before = ticket_state(acme_ticket)
    assert client.get(f"/tickets/{acme_ticket.ref}/messages").status_code == 404
    response = client.post(f"/tickets/{acme_ticket.ref}/messages", {"body": "Hello?"})
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert ticket_state(acme_ticket) == before


def test_it_refuses_an_empty_or_unknown_body(
    api: MakeApi, alice: User, acme_ticket: Ticket
) -> None:
    client = api(alice)
    before = ticket_state(acme_ticket)
    blank = client.post(f"/tickets/{acme_ticket.ref}/messages", {"body": "   "})
    assert blank.status_code == 422
    assert error_of(blank)["fields"] == {"body": "The message is empty."}
    extra = client.post(f"/tickets/{acme_ticket.ref}/messages", {"body": "x", "internal": True})
    assert extra.status_code == 422
    assert error_of(extra)["fields"] == {"internal": "Unknown field."}
    assert ticket_state(acme_ticket) == before
