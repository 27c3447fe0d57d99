"""Who may see and do what in the workspace, for every view, with the named users."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from heedful.accounts.models import Notification, Team, User
from heedful.customers.models import Contact
from heedful.tickets import actions
from heedful.tickets.models import Attachment, Message, Status, Ticket
from tests.web.conftest import ticket_state

SignIn = Callable[[User | Contact | None], Client]


@dataclass
class World:
    looped: Ticket  # Acme ticket carol is looped into
    finance_owned: Ticket  # owned by carol's team
    hidden: Ticket  # Globex ticket carol has nothing to do with
    attachment: Attachment  # on the hidden ticket
    hidden_requester: Contact


@pytest.fixture
def world(
    make_ticket: Callable[..., Ticket],
    alice: User,
    bob: User,
    carol: User,
    finance: Team,
    erin: Contact,
) -> World:
    looped = make_ticket(subject="Refund approval")
    actions.do_loop_in(looped, carol, actor=alice)
    finance_owned = make_ticket(subject="Invoice copy", team=finance)
    hidden = make_ticket(requester=erin, subject="Password reset")
    message = actions.do_add_message(
        hidden,
        author=alice,
        body_text="Here is the guide",
        attachments=[SimpleUploadedFile("guide.txt", b"step one", content_type="text/plain")],
    )
    return World(looped, finance_owned, hidden, message.attachments.get(), erin)


def get_urls(world: World) -> list[str]:
    org = world.looped.organization
    assert org is not None
    return [
        "/",
        "/inbox/mine/",
        "/inbox/unassigned/",
        "/inbox/team/",
        "/inbox/open/",
        "/inbox/pending/",
        "/inbox/solved/",
        f"/tickets/{world.looped.ref}/",
        f"/attachments/{world.attachment.public_id}/",
        f"/contacts/{world.looped.requester.public_id}/",
        f"/organizations/{org.public_id}/",
        "/search/?q=invoice",
        "/notifications/",
    ]


def post_requests(world: World, alice: User) -> list[tuple[str, dict[str, object]]]:
    ref = world.looped.ref
    return [
        ("/inbox/bulk/", {"tickets": [ref], "status": "solved"}),
        (f"/tickets/{ref}/reply/", {"body": "Hello from outside"}),
        (f"/tickets/{ref}/note/", {"body": "A note from outside"}),
        (f"/tickets/{ref}/update/", {"status": "solved", "priority": "urgent"}),
        (f"/tickets/{ref}/loop-in/", {"username": alice.username}),
        ("/notifications/read/", {}),
    ]


def test_it_sends_anonymous_visitors_to_sign_in(world: World, alice: User, client: Client) -> None:
    for url in get_urls(world):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/?next="), url
    before = ticket_state(world.looped)
    for url, data in post_requests(world, alice):
        response = client.post(url, data)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/?next="), url
    assert ticket_state(world.looped) == before


@pytest.mark.parametrize("customer", ["dave", "erin"])
def test_it_refuses_customers_everywhere(
    world: World, alice: User, as_user: SignIn, customer: str, request: pytest.FixtureRequest
) -> None:
    contact: Contact = request.getfixturevalue(customer)
    client = as_user(contact)
    for url in get_urls(world):
        response = client.get(url)
        assert response.status_code == 403, url
        assert b"Refund approval" not in response.content
        assert b"sidebar" not in response.content
        assert b'href="/portal/" id="to-portal"' in response.content
    unread = Notification.objects.filter(read_at__isnull=True).count()
    before = ticket_state(world.looped)
    for url, data in post_requests(world, alice):
        assert client.post(url, data).status_code == 403, url
    assert ticket_state(world.looped) == before
    assert Notification.objects.filter(read_at__isnull=True).count() == unread == 1


def test_it_shows_light_agents_only_their_tickets(
    world: World, as_user: SignIn, carol: User
) -> None:
    client = as_user(carol)
    response = client.get("/inbox/open/")
    assert response.status_code == 200
    refs = [row["ref"] for row in response.context["rows"]]
    assert refs == [world.looped.ref, world.finance_owned.ref]
    assert client.get(f"/tickets/{world.looped.ref}/").status_code == 200
    assert client.get(f"/tickets/{world.finance_owned.ref}/").status_code == 200
    assert client.get(f"/tickets/{world.hidden.ref}/").status_code == 404
    assert client.get(f"/attachments/{world.attachment.public_id}/").status_code == 404
    assert client.get(f"/contacts/{world.hidden_requester.public_id}/").status_code == 404
    org = world.hidden.organization
    assert org is not None
    assert client.get(f"/organizations/{org.public_id}/").status_code == 404


def test_it_lets_light_agents_add_notes(world: World, as_user: SignIn, carol: User) -> None:
    client = as_user(carol)
    response = client.post(f"/tickets/{world.looped.ref}/note/", {"body": "Refund approved"})
    assert response.status_code == 302
    assert response["Location"] == f"/tickets/{world.looped.ref}/"
    note = Message.objects.get(ticket=world.looped, author_user=carol)
    assert (note.is_public, note.body_text) == (False, "Refund approved")


def test_it_refuses_light_agents_replies_updates_bulk_and_loop_ins(
    world: World, as_user: SignIn, carol: User, bob: User
) -> None:
    client = as_user(carol)
    ref = world.looped.ref
    before = ticket_state(world.looped)
    page = client.get(f"/tickets/{ref}/")
    assert b'id="reply-body"' not in page.content
    assert b'id="note-body"' in page.content
    assert b'id="ticket-properties"' not in page.content
    refused = [
        (f"/tickets/{ref}/reply/", {"body": "Your refund is on its way", "status": "solved"}),
        (f"/tickets/{ref}/update/", {"status": "solved"}),
        (f"/tickets/{ref}/loop-in/", {"username": "bob"}),
        ("/inbox/bulk/", {"tickets": [ref], "status": "solved"}),
    ]
    for url, data in refused:
        assert client.post(url, data).status_code == 403, url
    assert ticket_state(world.looped) == before
    world.looped.refresh_from_db()
    assert world.looped.status == Status.NEW
    assert Message.objects.filter(ticket=world.looped).count() == 1


def test_it_refuses_light_agents_hidden_tickets_in_every_form(
    world: World, as_user: SignIn, carol: User
) -> None:
    client = as_user(carol)
    ref = world.hidden.ref
    before = ticket_state(world.hidden)
    assert client.post(f"/tickets/{ref}/note/", {"body": "peek"}).status_code == 404
    assert client.post(f"/tickets/{ref}/reply/", {"body": "peek"}).status_code == 404
    assert client.post(f"/tickets/{ref}/update/", {"status": "solved"}).status_code == 404
    assert ticket_state(world.hidden) == before


def test_it_gives_full_agents_every_view(world: World, as_user: SignIn, bob: User) -> None:
    client = as_user(bob)
    for url in get_urls(world):
        assert client.get(url).status_code == 200, url
    response = client.get(f"/attachments/{world.attachment.public_id}/")
    assert b"".join(response.streaming_content) == b"step one"  # type: ignore[attr-defined]
    assert response["Content-Disposition"] == 'attachment; filename="guide.txt"'
    assert client.get(f"/tickets/{world.hidden.ref}/").status_code == 200


def test_it_answers_404_for_unknown_objects(world: World, as_user: SignIn, alice: User) -> None:
    client = as_user(alice)
    zero = "00000000-0000-0000-0000-000000000000"
    for url in [
        "/tickets/HD-99999/",
        "/tickets/nonsense/",
        f"/attachments/{zero}/",
        f"/contacts/{zero}/",
        f"/organizations/{zero}/",
        "/contacts/not-a-uuid/",
        "/inbox/everything/",
    ]:
        assert client.get(url).status_code == 404, url
