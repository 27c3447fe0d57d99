"""What a customer's token sees of a ticket (CustomerTicketOut) next to what staff see,
and the list filters and sort it may not use because they would tell the rest."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from heedful.accounts.models import Team, User
from heedful.customers.models import Contact
from heedful.tickets import actions
from heedful.tickets.models import Ticket
from tests.api.conftest import ApiClient, error_of

MakeApi = Callable[..., ApiClient]

CUSTOMER_FIELDS = {
    "ref", "subject", "status", "priority", "channel", "requester", "organization",
    "created_at", "updated_at", "first_response_at", "solved_at", "assignee",
}  # fmt: skip
STAFF_ONLY_FIELDS = {
    "tags", "team", "custom_fields", "message_count", "waiting_since",
    "first_response_due_at", "next_update_due_at", "unblock_due_at", "resolution_due_at",
}  # fmt: skip


@pytest.fixture
def worked_ticket(acme_ticket: Ticket, alice: User, support: Team) -> Ticket:
    actions.do_assign_ticket(acme_ticket, alice, actor=alice)
    actions.do_change_team(acme_ticket, support, actor=alice)
    actions.do_set_tags(acme_ticket, ["vip", "churn-risk"], actor=alice)
    actions.do_set_custom_field(acme_ticket, "crm_account", "A-17", actor=alice)
    actions.do_add_message(acme_ticket, author=alice, body_text="Refund?", is_public=False)
    return acme_ticket


def test_it_shows_a_customer_the_ticket_without_the_desks_workings(
    api: MakeApi, dave: Contact, worked_ticket: Ticket
) -> None:
    client = api(dave)
    for item in (
        client.get("/tickets").json()["items"][0],
        client.get(f"/tickets/{worked_ticket.ref}").json(),
    ):
        assert set(item) == CUSTOMER_FIELDS, item
        assert (item["ref"], item["status"], item["assignee"]) == (
            worked_ticket.ref, "new", {"name": "Alice"},
        )  # fmt: skip


def test_it_shows_staff_everything(api: MakeApi, alice: User, worked_ticket: Ticket) -> None:
    client = api(alice)
    for item in (
        client.get("/tickets").json()["items"][0],
        client.get(f"/tickets/{worked_ticket.ref}").json(),
    ):
        assert set(item) == CUSTOMER_FIELDS | STAFF_ONLY_FIELDS, item
        assert item["assignee"] == {"username": "alice", "name": "Alice"}
        assert (item["team"]["name"], item["tags"], item["custom_fields"]) == (
            "Support", ["churn-risk", "vip"], {"crm_account": "A-17"},
        )  # fmt: skip
        assert item["message_count"] == 2


def test_it_answers_a_customer_who_opens_a_ticket_with_the_customer_view(
    api: MakeApi, dave: Contact
) -> None:
    response = api(dave).post("/tickets", {"subject": "Export fails", "body": "Since Monday."})
    assert response.status_code == 201
    assert set(response.json()) == CUSTOMER_FIELDS
    assert response.json()["assignee"] is None


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"tag": "vip"}, "Customers cannot filter by tag."),
        ({"assignee": "alice"}, "Customers cannot filter by assignee."),
        ({"assignee": "none"}, "Customers cannot filter by assignee."),
        ({"team": "{support}", "tag": "vip"}, "Customers cannot filter by tag, team."),
    ],
)
def test_it_refuses_a_customer_the_internal_filters(
    api: MakeApi, dave: Contact, support: Team, worked_ticket: Ticket, query: dict[str, str],
    message: str,
) -> None:  # fmt: skip
    query = {k: v.format(support=support.public_id) for k, v in query.items()}
    response = api(dave).get("/tickets", **query)
    assert response.status_code == 403
    assert error_of(response)["message"] == message


def test_it_lets_a_customer_filter_by_status_and_priority(
    api: MakeApi, dave: Contact, worked_ticket: Ticket
) -> None:
    client = api(dave)
    assert [t["ref"] for t in client.get("/tickets", status="new").json()["items"]] == [
        worked_ticket.ref
    ]
    assert client.get("/tickets", priority="urgent").json()["items"] == []
