"""POST /tickets: agents open tickets for contacts, customers for themselves."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from ninja.responses import NinjaJSONEncoder

from heedful.accounts.models import Team, User
from heedful.api.schemas import ticket_out
from heedful.customers.models import Contact, Organization
from heedful.sla.actions import do_recompute_clocks
from heedful.tickets.models import Channel, Message, Ticket, TicketEvent
from tests.api.conftest import ApiClient, error_of
from tests.sla.conftest import make_policy

MakeApi = Callable[..., ApiClient]
NO_TEAM = "3f1c1f5e-0000-4000-8000-000000000000"


def test_it_creates_a_ticket_for_a_contact(
    api: MakeApi, alice: User, bob: User, support: Team, dave: Contact
) -> None:
    response = api(alice).post(
        "/tickets",
        {
            "subject": "Printer on fire",
            "body": "Please call back.",
            "requester_email": "DAVE@acme.test",
            "priority": "high",
            "assignee": "bob",
            "team": str(support.public_id),
            "tags": ["Hardware", "fire"],
            "custom_fields": {"plan": "gold"},
        },
    )
    assert response.status_code == 201
    body = response.json()
    ticket = Ticket.objects.get()
    assert body["ref"] == ticket.ref
    assert (body["subject"], body["status"], body["priority"], body["channel"]) == (
        "Printer on fire", "open", "high", "api",
    )  # fmt: skip
    assert body["requester"] == {
        "id": str(dave.public_id),
        "name": "Dave Doe",
        "email": "dave@acme.test",
    }
    assert body["assignee"] == {"username": "bob", "name": "Bob"}
    assert body["team"] == {"id": str(support.public_id), "name": "Support"}
    assert body["tags"] == ["fire", "hardware"]
    assert body["custom_fields"] == {"plan": "gold"}
    assert ticket.channel == Channel.API
    message = Message.objects.get(ticket=ticket)
    assert (message.body_text, message.author_user) == ("Please call back.", alice)


def test_it_creates_a_ticket_by_requester_id(api: MakeApi, alice: User, erin: Contact) -> None:
    response = api(alice).post(
        "/tickets", {"subject": "Hi", "body": "There", "requester_id": str(erin.public_id)}
    )
    assert response.status_code == 201
    assert response.json()["organization"]["name"] == "Globex"


def test_it_lets_a_customer_open_a_ticket_for_herself(api: MakeApi, erin: Contact) -> None:
    response = api(erin).post("/tickets", {"subject": "Cannot log in", "body": "Help"})
    assert response.status_code == 201
    ticket = Ticket.objects.get()
    assert (ticket.requester, ticket.status, ticket.channel) == (erin, "new", "api")
    event = TicketEvent.objects.get(ticket=ticket, kind="created")
    assert event.actor_contact == erin


def test_it_refuses_staff_fields_from_a_customer(
    api: MakeApi, erin: Contact, dave: Contact
) -> None:
    response = api(erin).post(
        "/tickets",
        {"subject": "x", "body": "y", "priority": "urgent", "requester_email": "dave@acme.test"},
    )
    assert response.status_code == 403
    assert error_of(response)["message"] == "Customers cannot set priority, requester_email."
    assert Ticket.objects.count() == 0


def test_it_refuses_a_light_agent(api: MakeApi, carol: User, dave: Contact) -> None:
    response = api(carol).post(
        "/tickets", {"subject": "x", "body": "y", "requester_email": "dave@acme.test"}
    )
    assert response.status_code == 403
    assert (
        error_of(response)["message"]
        == "Light agents cannot open tickets; add an internal note instead."
    )
    assert Ticket.objects.count() == 0


def test_it_names_the_field_that_is_wrong(api: MakeApi, alice: User, dave: Contact) -> None:
    client = api(alice)
    cases = [
        ({"subject": "x", "body": "y"}, "requester_id", "Give requester_id or requester_email."),
        ({"subject": "x", "body": "y", "requester_email": "nobody@x.test"}, "requester_email",
         "No contact has this email."),
        ({"subject": "x", "body": "y", "requester_email": "dave@acme.test", "assignee": "zed"},
         "assignee", "No colleague has the username 'zed'."),
        ({"subject": "x", "body": "y", "requester_email": "dave@acme.test", "team": NO_TEAM},
         "team", "No team has this id."),
        ({"subject": "  ", "body": "y", "requester_email": "dave@acme.test"}, "subject",
         "A ticket needs a subject."),
    ]  # fmt: skip
    for payload, field, message in cases:
        response = client.post("/tickets", payload)
        assert response.status_code == 422, payload
        assert error_of(response) == {
            "code": "invalid",
            "message": message,
            "fields": {field: message},
        }
    assert Ticket.objects.count() == 0


def test_it_refuses_unknown_and_missing_fields_with_422(api: MakeApi, alice: User) -> None:
    client = api(alice)
    unknown = client.post("/tickets", {"subject": "x", "body": "y", "sujbect": "typo"})
    assert unknown.status_code == 422
    assert error_of(unknown) == {
        "code": "invalid",
        "message": "Unknown field: sujbect.",
        "fields": {"sujbect": "Unknown field."},
    }
    missing = client.post("/tickets", {"body": "y"})
    assert missing.status_code == 422
    assert error_of(missing)["fields"] == {"subject": "Field required"}
    nul = client.post("/tickets", {"subject": "a\x00b", "body": "y"})
    assert nul.status_code == 422
    assert list(error_of(nul)["fields"]) == ["subject"]
    assert Ticket.objects.count() == 0


def test_it_refuses_malformed_json_with_400(api: MakeApi, alice: User) -> None:
    response = api(alice).post("/tickets", "{not json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request"


def test_it_finds_the_requester_by_email_exactly_first(
    api: MakeApi, alice: User, acme: Organization
) -> None:
    """Addresses are stored lower-cased, but a contact entered by hand may be mixed-case;
    two contacts may even differ only in case: the one written as sent wins."""
    upper = Contact.objects.create(name="Pat Upper", email="Pat@acme.test", organization=acme)
    lower = Contact.objects.create(name="Pat Lower", email="pat@acme.test", organization=acme)
    mixed = Contact.objects.create(name="Frank", email="Frank@Acme.test", organization=acme)
    client = api(alice)

    def requester(email: str) -> str:
        response = client.post("/tickets", {"subject": "x", "body": "y", "requester_email": email})
        assert response.status_code == 201, response.content
        return str(response.json()["requester"]["id"])

    assert requester("Pat@acme.test") == str(upper.public_id)
    assert requester("pat@acme.test") == str(lower.public_id)
    assert requester("PAT@ACME.TEST") == str(lower.public_id)
    assert requester("frank@acme.test") == str(mixed.public_id)
    with CaptureQueriesContext(connection) as queries:
        assert requester("pat@acme.test") == str(lower.public_id)
    contact_reads = [q["sql"] for q in queries.captured_queries if "customers_contact" in q["sql"]]
    # The exact (indexed) match only: no case-insensitive scan (LIKE, UPPER()).
    assert len(contact_reads) == 1
    assert "LIKE" not in contact_reads[0] and "UPPER" not in contact_reads[0]


TRANSACTION_CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE SAVEPOINT", "COMMIT")
DUE_FIELDS = ("first_response_due_at", "next_update_due_at", "unblock_due_at", "resolution_due_at")


def test_it_creates_a_ticket_in_nine_statements(
    api: MakeApi, alice: User, dave: Contact, django_capture_on_commit_callbacks: Any
) -> None:
    client = api(alice)
    payload = {
        "subject": "Export fails",
        "body": "Since Monday.",
        "requester_email": "dave@acme.test",
    }
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/tickets", payload)  # the token's first use is written (once a minute)
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post("/tickets", payload)
    assert response.status_code == 201
    assert response.json()["ref"] == Ticket.objects.latest("number").ref
    statements = [
        q["sql"] for q in queries.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL)
    ]
    # Settings generation (the token, cached since the first post), requester by its exact
    # address; number (UPDATE … RETURNING), ticket (its first message counted),
    # created event, settings generation (the webhook subscriptions, cached since the
    # first post), message, message event, settings generation again (the SLA policies);
    # no read back, and nothing after the commit (the clocks are computed with the ticket).
    assert len(statements) == 9, "\n".join(statements)


def test_it_answers_with_the_new_tickets_sla_due_times(
    api: MakeApi, alice: User, dave: Contact, django_capture_on_commit_callbacks: Any
) -> None:
    make_policy("24/7", {"normal": {"next_update": 30, "unblock": 120, "resolution": 240}})
    with django_capture_on_commit_callbacks(execute=True):
        response = api(alice).post(
            "/tickets", {"subject": "Down", "body": "Looking.", "requester_email": "dave@acme.test"}
        )
    body = response.json()
    ticket = Ticket.objects.get()
    at = ticket.created_at
    assert {name: body[name] for name in DUE_FIELDS} == {
        "first_response_due_at": None,
        "next_update_due_at": _iso(at + timedelta(minutes=30)),
        "unblock_due_at": _iso(at + timedelta(minutes=120)),
        "resolution_due_at": _iso(at + timedelta(minutes=240)),
    }
    assert ticket.next_due_at == at + timedelta(minutes=30)
    do_recompute_clocks(ticket)  # what the recompute after the commit would store
    assert _rendered(ticket_out(Ticket.objects.get()).model_dump()) == body


def _iso(at: datetime) -> str:
    return str(_rendered(at))


def _rendered(value: object) -> Any:
    """``value`` as the API writes it in JSON (datetimes to the millisecond)."""
    return json.loads(json.dumps(value, cls=NinjaJSONEncoder))
