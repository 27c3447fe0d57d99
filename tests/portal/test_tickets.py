"""Customers open requests with files and reply in the portal; what they write lands in
the agents' inbox as the contact's own messages. Bad input is a readable 400."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from heedful.accounts.models import User
from heedful.customers.models import Contact
from heedful.tickets import actions
from heedful.tickets.models import Channel, Direction, Message, Status, Ticket
from tests.portal.conftest import world_state


@pytest.fixture
def as_dave(client: Client, dave: Contact) -> Client:
    assert dave.user is not None
    client.force_login(dave.user)
    return client


def test_it_opens_a_ticket_with_files_that_agents_see(
    as_dave: Client, dave: Contact, alice: User
) -> None:
    response = as_dave.post(
        "/portal/new/",
        {
            "subject": "Export fails",
            "body": "The CSV export stops at 80%.",
            "attachments": [
                SimpleUploadedFile("log.txt", b"error at row 8000", "text/plain"),
                SimpleUploadedFile("screen.png", b"\x89PNG fake", "image/png"),
            ],
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/portal/tickets/{ticket.ref}/"
    assert (ticket.subject, ticket.status, ticket.channel) == (
        "Export fails",
        Status.NEW,
        Channel.PORTAL,
    )
    assert ticket.requester == dave
    assert ticket.organization == dave.organization
    message = Message.objects.get(ticket=ticket)
    assert (message.author_contact, message.direction, message.is_public) == (
        dave,
        Direction.INBOUND,
        True,
    )
    assert message.body_text == "The CSV export stops at 80%."
    assert sorted(message.attachments.values_list("filename", "size")) == [
        ("log.txt", 17),
        ("screen.png", 9),
    ]
    assert ticket.waiting_since is not None

    as_dave.force_login(alice)
    inbox = as_dave.get("/inbox/open/").content.decode()
    assert ticket.ref in inbox
    assert "Export fails" in inbox


def test_it_adds_the_customers_reply_and_reopens_for_the_agents(
    as_dave: Client, dave: Contact, alice: User, make_ticket: Callable[..., Ticket]
) -> None:
    ticket = make_ticket()
    actions.do_add_message(
        ticket, author=alice, body_text="Which invoice?", new_status=Status.PENDING
    )
    response = as_dave.post(
        f"/portal/tickets/{ticket.ref}/reply/",
        {
            "body": "Invoice 2024-07",
            "attachments": [SimpleUploadedFile("inv.pdf", b"%PDF", "application/pdf")],
        },
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.message_count == 3
    last = Message.objects.filter(ticket=ticket).order_by("-id").first()
    assert last is not None
    assert (last.author_contact, last.channel, last.body_text) == (
        dave,
        Channel.PORTAL,
        "Invoice 2024-07",
    )
    assert list(last.attachments.values_list("filename", flat=True)) == ["inv.pdf"]
    page = as_dave.get(f"/portal/tickets/{ticket.ref}/").content.decode()
    assert "Your reply was sent." in page
    assert "Invoice 2024-07" in page


def test_it_refuses_replies_to_closed_tickets(
    as_dave: Client, alice: User, make_ticket: Callable[..., Ticket]
) -> None:
    ticket = make_ticket()
    actions.do_change_status(ticket, Status.CLOSED, actor=alice)
    before = world_state()
    response = as_dave.post(f"/portal/tickets/{ticket.ref}/reply/", {"body": "Hello?"})
    assert response.status_code == 400
    assert "This request is closed. Open a new request instead." in response.content.decode()
    assert world_state() == before
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


@pytest.mark.parametrize(
    ("data", "error"),
    [({}, "Give your request a short subject."),
     ({"subject": "   ", "body": "x"}, "Give your request a short subject."),
     ({"subject": "Hi"}, "Tell us what happened."),
     ({"subject": "Hi", "body": "   "}, "Tell us what happened."),
     ({"subject": "x" * 301, "body": "x"}, "Ensure this value has at most 300 characters"),
     ({"subject": "bad\x00", "body": "x"}, "Null characters are not allowed."),
     ({"subject": "Hi", "body": "x" * 200_001}, "Ensure this value has at most 200000 characters")],
)  # fmt: skip
def test_it_explains_bad_new_tickets(as_dave: Client, data: dict[str, str], error: str) -> None:
    before = world_state()
    response = as_dave.post("/portal/new/", data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert world_state() == before


def test_it_limits_the_number_of_files(as_dave: Client) -> None:
    files = [SimpleUploadedFile(f"f{n}.txt", b"x", "text/plain") for n in range(6)]
    before = world_state()
    response = as_dave.post("/portal/new/", {"subject": "Hi", "body": "x", "attachments": files})
    assert response.status_code == 400
    assert "Attach at most 5 files." in response.content.decode()
    assert world_state() == before


@pytest.mark.parametrize("data", [{}, {"body": "   "}, {"body": "x\x00"}, {"body": "x" * 200_001}])
def test_it_explains_bad_replies(
    as_dave: Client, make_ticket: Callable[..., Ticket], data: dict[str, str]
) -> None:
    ticket = make_ticket()
    before = world_state()
    response = as_dave.post(f"/portal/tickets/{ticket.ref}/reply/", data)
    assert response.status_code == 400
    assert 'id="reply-error"' in response.content.decode()
    assert world_state() == before


@pytest.mark.parametrize(
    "path",
    ["/portal/tickets/nope/", "/portal/tickets/HD-/", "/portal/tickets/99999999999999999999999/",
     "/portal/tickets/%00/", "/portal/tickets/" + "1" * 5000 + "/",
     "/portal/attachments/not-a-uuid/",
     "/portal/attachments/00000000-0000-0000-0000-000000000000/"],
)  # fmt: skip
def test_it_answers_bad_refs_with_404(as_dave: Client, path: str) -> None:
    assert as_dave.get(path).status_code == 404


@pytest.mark.parametrize("query", ["show=nope", "page=x", "page=-1", "page=99999", "show=%00"])
def test_it_shrugs_off_bad_list_parameters(
    as_dave: Client, make_ticket: Callable[..., Ticket], query: str
) -> None:
    ticket = make_ticket()
    response = as_dave.get(f"/portal/?{query}")
    assert response.status_code == 200
    assert ticket.ref in response.content.decode()


def test_it_lists_a_customers_tickets_in_a_bounded_number_of_queries(
    as_dave: Client,
    make_ticket: Callable[..., Ticket],
    django_assert_max_num_queries: Callable[..., object],
) -> None:
    for n in range(30):
        make_ticket(subject=f"Question {n}")
    with django_assert_max_num_queries(12):  # type: ignore[attr-defined]
        response = as_dave.get("/portal/")
    assert response.content.decode().count('class="request"') == 25
