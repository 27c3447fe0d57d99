"""GET and PATCH /tickets/{ref}: read by ref, change through the actions, all or nothing."""

from __future__ import annotations

from collections.abc import Callable

from heedful.accounts.models import Team, User
from heedful.customers.models import Contact
from heedful.tickets.models import EventKind, Ticket, TicketEvent
from tests.api.conftest import ApiClient, error_of
from tests.web.conftest import ticket_state

MakeApi = Callable[..., ApiClient]


def test_it_reads_a_ticket_by_ref_in_any_case(
    api: MakeApi, alice: User, acme_ticket: Ticket
) -> None:
    client = api(alice)
    for ref in (acme_ticket.ref, acme_ticket.ref.lower(), str(acme_ticket.number)):
        response = client.get(f"/tickets/{ref}")
        assert response.status_code == 200
        assert response.json()["ref"] == acme_ticket.ref


def test_it_gives_outsiders_404(
    api: MakeApi, erin: Contact, carol: User, acme_ticket: Ticket
) -> None:
    for who in (erin, carol):
        response = api(who).get(f"/tickets/{acme_ticket.ref}")
        assert response.status_code == 404
        assert error_of(response) == {"code": "not_found", "message": "Not found.", "fields": {}}
    assert api(erin).get("/tickets/HD-999999").status_code == 404
    assert api(erin).get("/tickets/garbage").status_code == 404


def test_it_updates_several_fields_with_one_event_each(
    api: MakeApi, alice: User, bob: User, support: Team, acme_ticket: Ticket
) -> None:
    response = api(alice).patch(
        f"/tickets/{acme_ticket.ref}",
        {
            "subject": "Invoice doubled",
            "status": "pending",
            "priority": "high",
            "assignee": "bob",
            "team": str(support.public_id),
            "tags": ["billing"],
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["subject"], body["status"], body["priority"]) == (
        "Invoice doubled",
        "pending",
        "high",
    )
    assert body["assignee"]["username"] == "bob"
    assert body["team"]["name"] == "Support"
    assert body["tags"] == ["billing"]
    kinds = list(
        TicketEvent.objects.filter(ticket=acme_ticket, actor_user=alice).values_list(
            "kind", flat=True
        )
    )
    assert kinds == [
        EventKind.SUBJECT_CHANGED,
        EventKind.STATUS_CHANGED,
        EventKind.PRIORITY_CHANGED,
        EventKind.ASSIGNEE_CHANGED,
        EventKind.TEAM_CHANGED,
        EventKind.TAG_ADDED,
    ]


def test_it_clears_assignee_and_team_with_null(
    api: MakeApi, alice: User, support: Team, acme_ticket: Ticket
) -> None:
    client = api(alice)
    client.patch(
        f"/tickets/{acme_ticket.ref}", {"assignee": "alice", "team": str(support.public_id)}
    )
    response = client.patch(f"/tickets/{acme_ticket.ref}", {"assignee": None, "team": None})
    assert response.status_code == 200
    assert (response.json()["assignee"], response.json()["team"]) == (None, None)


def test_it_changes_nothing_when_one_field_is_refused(
    api: MakeApi, alice: User, acme_ticket: Ticket
) -> None:
    before = ticket_state(acme_ticket)
    response = api(alice).patch(
        f"/tickets/{acme_ticket.ref}", {"priority": "high", "assignee": "nobody"}
    )
    assert response.status_code == 422
    assert error_of(response)["fields"] == {"assignee": "No colleague has the username 'nobody'."}
    assert ticket_state(acme_ticket) == before


def test_it_refuses_null_for_fields_that_cannot_be_empty(
    api: MakeApi, alice: User, acme_ticket: Ticket
) -> None:
    before = ticket_state(acme_ticket)
    for field in ("subject", "status", "priority", "tags"):
        response = api(alice).patch(f"/tickets/{acme_ticket.ref}", {field: None})
        assert response.status_code == 422, field
        assert list(error_of(response)["fields"]) == [field]
    assert ticket_state(acme_ticket) == before


def test_it_forbids_customers_and_light_agents_to_update(
    api: MakeApi, dave: Contact, carol: User, alice: User, acme_ticket: Ticket
) -> None:
    from heedful.tickets import actions

    actions.do_loop_in(acme_ticket, carol, actor=alice)
    before = ticket_state(acme_ticket)
    for who, message in (
        (dave, "Only staff members can change tickets."),
        (carol, "Light agents cannot change the status; add an internal note instead."),
    ):
        response = api(who).patch(f"/tickets/{acme_ticket.ref}", {"status": "solved"})
        assert response.status_code == 403
        assert error_of(response)["message"] == message
    assert ticket_state(acme_ticket) == before


def test_it_gives_erin_404_on_update(api: MakeApi, erin: Contact, acme_ticket: Ticket) -> None:
    before = ticket_state(acme_ticket)
    response = api(erin).patch(f"/tickets/{acme_ticket.ref}", {"status": "solved"})
    assert response.status_code == 404
    assert ticket_state(acme_ticket) == before
