"""Who sees what in the portal: erin of Globex never learns that Acme's tickets or files
exist (404, nothing changed); dave sees his own; colleagues only when their
organization shares; internal notes never; staff and strangers not at all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from heedful.accounts.models import User
from heedful.customers.models import Contact, Organization
from heedful.portal.actions import do_set_ticket_sharing
from heedful.tickets import actions
from heedful.tickets.models import Attachment, Status, Ticket
from tests.portal.conftest import world_state


@dataclass
class World:
    ticket: Ticket  # dave's (Acme)
    public_file: Attachment  # on alice's public reply to it
    note_file: Attachment  # on alice's internal note on it


@pytest.fixture
def world(make_ticket: Callable[..., Ticket], alice: User, erin: Contact) -> World:
    ticket = make_ticket(subject="Acme invoice is wrong")
    reply = actions.do_add_message(
        ticket,
        author=alice,
        body_text="Here is the corrected invoice",
        attachments=[SimpleUploadedFile("invoice.pdf", b"%PDF-1.4 fixed", "application/pdf")],
    )
    note = actions.do_add_message(
        ticket,
        author=alice,
        body_text="SECRET: customer is on the churn list",
        is_public=False,
        attachments=[SimpleUploadedFile("churn.csv", b"acme,high", "text/csv")],
    )
    return World(ticket, reply.attachments.get(), note.attachments.get())


def as_customer(client: Client, contact: Contact) -> Client:
    assert contact.user is not None
    client.force_login(contact.user)
    return client


def urls(world: World) -> list[tuple[str, str]]:
    ref = world.ticket.ref
    return [
        ("get", f"/portal/tickets/{ref}/"),
        ("post", f"/portal/tickets/{ref}/reply/"),
        ("get", f"/portal/attachments/{world.public_file.public_id}/"),
        ("get", f"/portal/attachments/{world.note_file.public_id}/"),
    ]


def test_it_shows_dave_his_ticket_and_its_public_reply(
    world: World, dave: Contact, client: Client
) -> None:
    as_customer(client, dave)
    listing = client.get("/portal/").content.decode()
    assert "Acme invoice is wrong" in listing
    assert world.ticket.ref in listing
    page = client.get(f"/portal/tickets/{world.ticket.ref}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Here is the corrected invoice" in text
    assert "invoice.pdf" in text
    download = client.get(f"/portal/attachments/{world.public_file.public_id}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 fixed"  # type: ignore[attr-defined]
    assert download["Content-Disposition"] == 'attachment; filename="invoice.pdf"'


def test_it_never_shows_internal_notes_or_their_files(
    world: World, dave: Contact, client: Client
) -> None:
    as_customer(client, dave)
    text = client.get(f"/portal/tickets/{world.ticket.ref}/").content.decode()
    assert "SECRET" not in text
    assert "churn" not in text
    assert client.get(f"/portal/attachments/{world.note_file.public_id}/").status_code == 404


def test_it_hides_acme_from_erin_entirely(world: World, erin: Contact, client: Client) -> None:
    as_customer(client, erin)
    before = world_state()
    listing = client.get("/portal/").content.decode()
    solved = client.get("/portal/?show=solved").content.decode()
    for text in (listing, solved):
        assert "Acme invoice is wrong" not in text
        assert world.ticket.ref not in text
    for method, url in urls(world):
        response = getattr(client, method)(url, {"body": "let me in"})
        assert response.status_code == 404, url
        assert "Acme" not in response.content.decode()
    assert world_state() == before


def test_it_answers_404_alike_for_missing_and_hidden_tickets(
    world: World, erin: Contact, client: Client
) -> None:
    as_customer(client, erin)
    hidden = client.get(f"/portal/tickets/{world.ticket.ref}/")
    missing = client.get("/portal/tickets/HD-999999/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content


def test_it_shows_colleagues_tickets_only_when_the_organization_shares(
    world: World, acme: Organization, alice: User, client: Client
) -> None:
    colleague = Contact.objects.create(
        name="Frank Fields", email="frank@acme.test", organization=acme
    )
    colleague.user = User.objects.create_user("frank", role="customer")
    colleague.save(update_fields=["user"])
    as_customer(client, colleague)
    url = f"/portal/tickets/{world.ticket.ref}/"
    before = world_state()
    assert client.get(url).status_code == 404
    assert client.post(url + "reply/", {"body": "me too"}).status_code == 404
    assert world.ticket.ref not in client.get("/portal/").content.decode()
    assert world_state() == before

    assert do_set_ticket_sharing(acme, True, actor=alice) is True
    assert world.ticket.ref in client.get("/portal/").content.decode()
    assert client.get(url).status_code == 200
    assert client.post(url + "reply/", {"body": "Same problem here"}).status_code == 302
    last = world.ticket.messages.order_by("-id").first()
    assert last is not None and last.author_contact == colleague


def test_it_keeps_sharing_inside_the_organization(
    world: World, acme: Organization, alice: User, erin: Contact, client: Client
) -> None:
    do_set_ticket_sharing(acme, True, actor=alice)
    as_customer(client, erin)
    assert client.get(f"/portal/tickets/{world.ticket.ref}/").status_code == 404


def test_it_refuses_sharing_changes_by_light_agents(acme: Organization, carol: User) -> None:
    from heedful.lib.errors import ActionForbidden
    from heedful.portal.models import OrganizationPortal

    with pytest.raises(ActionForbidden):
        do_set_ticket_sharing(acme, True, actor=carol)
    assert OrganizationPortal.objects.count() == 0


def test_it_keeps_staff_and_strangers_out(world: World, alice: User, client: Client) -> None:
    for method, url in [("get", "/portal/"), ("get", "/portal/new/"), *urls(world)]:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/portal/sign-in/?next="), url
    client.force_login(alice)
    before = world_state()
    for method, url in [("get", "/portal/"), ("get", "/portal/new/"), *urls(world)]:
        assert getattr(client, method)(url, {"body": "x"}).status_code == 403, url
    assert world_state() == before


@pytest.mark.parametrize(
    ("status", "label"),
    [(Status.NEW, "We&#x27;re working on it"), (Status.OPEN, "We&#x27;re working on it"),
     (Status.ON_HOLD, "We&#x27;re working on it"), (Status.PENDING, "Waiting for you"),
     (Status.SOLVED, "Solved"), (Status.CLOSED, "Solved")],
)  # fmt: skip
def test_it_tells_the_status_in_plain_words(
    world: World, dave: Contact, alice: User, client: Client, status: str, label: str
) -> None:
    if status != world.ticket.status:
        actions.do_change_status(world.ticket, status, actor=alice)
    as_customer(client, dave)
    text = client.get(f"/portal/tickets/{world.ticket.ref}/").content.decode()
    card = text.split('id="ticket-status"', 1)[1].split("</div>", 1)[0]
    assert f"<strong>{label}</strong>" in card
    for other in ("Pending customer", "On hold", "Open</"):
        assert other not in card
    show = "solved" if status in (Status.SOLVED, Status.CLOSED) else "open"
    assert label in client.get(f"/portal/?show={show}").content.decode()
