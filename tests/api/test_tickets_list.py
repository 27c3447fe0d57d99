"""GET /tickets: who sees what, filters, keyset pages, constant query count."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from heedful.accounts.models import Team, User
from heedful.customers.models import Contact, Organization
from heedful.tickets import actions
from heedful.tickets.inbox import encode_cursor
from heedful.tickets.models import Ticket
from tests.api.conftest import ApiClient, error_of

MakeApi = Callable[..., ApiClient]


def refs(response: object) -> list[str]:
    return [item["ref"] for item in response.json()["items"]]  # type: ignore[attr-defined]


@pytest.fixture
def tickets(
    make_ticket: Callable[..., Ticket], erin: Contact, alice: User, support: Team
) -> dict[str, Ticket]:
    start = timezone.now() - timedelta(hours=5)
    acme_old = make_ticket(subject="Old invoice", created_at=start)
    acme_new = make_ticket(
        subject="Login broken",
        created_at=start + timedelta(hours=1),
    )
    globex = make_ticket(
        requester=erin, subject="Globex secret", created_at=start + timedelta(hours=2)
    )
    actions.do_assign_ticket(acme_new, alice, actor=alice)
    actions.do_change_team(acme_new, support, actor=alice)
    actions.do_set_tags(acme_new, ["vip", "login"], actor=alice)
    actions.do_change_priority(acme_new, "urgent", actor=alice)
    actions.do_change_status(acme_old, "solved", actor=alice)
    return {"acme_old": acme_old, "acme_new": acme_new, "globex": globex}


def test_it_lists_every_ticket_for_an_agent_newest_first(
    api: MakeApi, alice: User, tickets: dict[str, Ticket]
) -> None:
    response = api(alice).get("/tickets")
    assert response.status_code == 200
    assert refs(response) == [tickets[k].ref for k in ("globex", "acme_new", "acme_old")]
    assert response.json()["next_cursor"] is None
    item = response.json()["items"][1]
    assert item["assignee"] == {"username": "alice", "name": "Alice"}
    assert item["team"]["name"] == "Support"
    assert item["tags"] == ["login", "vip"]
    assert item["priority"] == "urgent"


def test_it_shows_a_customer_only_their_own_tickets(
    api: MakeApi, dave: Contact, erin: Contact, tickets: dict[str, Ticket]
) -> None:
    assert refs(api(erin).get("/tickets")) == [tickets["globex"].ref]
    assert refs(api(dave).get("/tickets")) == [tickets["acme_new"].ref, tickets["acme_old"].ref]


def test_it_never_shows_erin_acme_tickets_through_any_filter(
    api: MakeApi, erin: Contact, acme: Organization, alice: User, support: Team,
    tickets: dict[str, Ticket],
) -> None:  # fmt: skip
    client = api(erin)
    # The assignee, team and tag filters are refused to customers (test_tickets_customer_view).
    for query in (
        {"organization": str(acme.public_id)},
        {"priority": "urgent"},
        {"status": "solved"},
        {"requester": str(tickets["acme_new"].requester.public_id)},
    ):
        response = client.get("/tickets", **query)
        assert response.status_code == 200, query
        assert response.json() == {"items": [], "next_cursor": None}, query


def test_it_shows_a_light_agent_only_her_tickets(
    api: MakeApi, carol: User, alice: User, tickets: dict[str, Ticket]
) -> None:
    assert refs(api(carol).get("/tickets")) == []
    actions.do_loop_in(tickets["acme_old"], carol, actor=alice)
    assert refs(api(carol).get("/tickets")) == [tickets["acme_old"].ref]


def test_it_filters(
    api: MakeApi, alice: User, support: Team, acme: Organization, tickets: dict[str, Ticket]
) -> None:
    client = api(alice)
    new, old, globex = tickets["acme_new"].ref, tickets["acme_old"].ref, tickets["globex"].ref
    assert refs(client.get("/tickets", status="solved")) == [old]
    assert refs(client.get("/tickets", priority="urgent")) == [new]
    assert refs(client.get("/tickets", assignee="alice")) == [new]
    assert refs(client.get("/tickets", assignee="none")) == [globex, old]
    assert refs(client.get("/tickets", team=str(support.public_id))) == [new]
    assert refs(client.get("/tickets", tag="vip")) == [new]
    assert refs(client.get("/tickets", organization=str(acme.public_id))) == [new, old]
    globex_requester = str(tickets["globex"].requester.public_id)
    assert refs(client.get("/tickets", requester=globex_requester)) == [globex]
    assert refs(client.get("/tickets", tag="vip", priority="urgent", assignee="alice")) == [new]
    assert refs(client.get("/tickets", sort="oldest")) == [old, new, globex]


def test_it_refuses_bad_filter_values_with_422(api: MakeApi, alice: User) -> None:
    client = api(alice)
    for query, field in (
        ({"status": "lost"}, "status"),
        ({"team": "not-a-uuid"}, "team"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"sort": "random"}, "sort"),
        ({"cursor": "!!"}, "cursor"),
    ):
        response = client.get("/tickets", **query)
        assert response.status_code == 422, query
        assert list(error_of(response)["fields"]) == [field], query


def test_it_refuses_a_forged_cursor_with_422(api: MakeApi, alice: User) -> None:
    response = api(alice).get("/tickets", cursor="bm90LWpzb24")
    assert response.status_code == 422
    assert error_of(response)["message"] == "Bad list query: bad page cursor."


def test_it_refuses_a_cursor_without_a_sort_value_with_422(
    api: MakeApi, alice: User, acme_ticket: Ticket
) -> None:
    # The page cursors of /contacts and /tags hold no sort value: not a /tickets cursor.
    response = api(alice).get("/tickets", sort="newest", cursor=encode_cursor(None, 1))
    assert response.status_code == 422
    assert error_of(response)["message"] == "Bad list query: bad page cursor."


def test_it_pages_with_a_cursor_without_gaps_or_repeats(
    api: MakeApi, alice: User, make_ticket: Callable[..., Ticket]
) -> None:
    start = timezone.now() - timedelta(days=1)
    # Ties on created_at must not lose rows at page borders.
    made = [
        make_ticket(subject=f"T{i}", created_at=start + timedelta(minutes=i // 2)) for i in range(7)
    ]
    client = api(alice)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = client.get("/tickets", sort="oldest", **query).json()
        seen += [item["ref"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == [t.ref for t in made]


@pytest.mark.parametrize("sort", ["oldest", "newest"])
def test_it_pages_a_priority_through_solved_and_unsolved_tickets_in_order(
    api: MakeApi, alice: User, make_ticket: Callable[..., Ticket], sort: str
) -> None:
    # On SQLite read one phase at a time and merged (tickets.inbox._each_phase): one order.
    start = timezone.now() - timedelta(days=1)
    made = [
        make_ticket(subject=f"T{i}", priority="high", created_at=start + timedelta(minutes=i // 2))
        for i in range(7)
    ]
    make_ticket(subject="Low", priority="low", created_at=start)
    for ticket in made[::2]:
        actions.do_change_status(ticket, "solved", actor=alice)
    client = api(alice)
    seen: list[str] = []
    cursor = None
    while True:
        query = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = client.get("/tickets", sort=sort, priority="high", **query).json()
        seen += [item["ref"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    in_order = [t.ref for t in made]
    assert seen == (in_order if sort == "oldest" else in_order[::-1])


def test_it_lists_in_a_constant_number_of_queries(
    api: MakeApi, alice: User, make_ticket: Callable[..., Ticket]
) -> None:
    client = api(alice)
    client.get("/tickets")  # the first call also records last_used_at
    for i in range(3):
        make_ticket(subject=f"T{i}", tags=["a", "b"])
    with CaptureQueriesContext(connection) as few:
        client.get("/tickets")
    for i in range(10):
        make_ticket(subject=f"U{i}", tags=["c"])
    with CaptureQueriesContext(connection) as many:
        response = client.get("/tickets")
    assert len(response.json()["items"]) == 13
    assert len(many) == len(few) == 3  # token, tickets with joins, their tags
