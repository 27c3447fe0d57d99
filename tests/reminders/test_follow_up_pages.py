from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from heedful.accounts.models import Team, User
from heedful.customers.models import Contact
from heedful.reminders.actions import do_set_follow_up
from heedful.reminders.models import FollowUp, FollowUpState
from heedful.tickets.models import Ticket

from .conftest import tomorrow

Login = Callable[[User | Contact | None], Client]


def _due(follow_up: FollowUp, *, hours_ago: int) -> FollowUp:
    """Make a follow-up due some hours ago (set for tomorrow, then moved back)."""
    FollowUp.objects.filter(pk=follow_up.pk).update(
        due_at=timezone.now() - timedelta(hours=hours_ago)
    )
    follow_up.refresh_from_db()
    return follow_up


def test_it_sets_a_follow_up_from_the_ticket_page(
    as_user: Login, alice: User, acme_ticket: Ticket
) -> None:
    client = as_user(alice)
    day = tomorrow()
    response = client.post(
        f"/tickets/{acme_ticket.ref}/follow-up/",
        {"due_on": day.isoformat(), "at": "10:15", "note": "Check the refund"},
        follow=True,
    )
    assert response.redirect_chain == [(f"/tickets/{acme_ticket.ref}/", 302)]
    follow_up = FollowUp.objects.get()
    assert (follow_up.ticket, follow_up.agent, follow_up.note) == (
        acme_ticket,
        alice,
        "Check the refund",
    )
    assert timezone.localtime(follow_up.due_at).strftime("%Y-%m-%d %H:%M") == f"{day} 10:15"
    html = response.content.decode()
    assert 'id="follow-ups-panel"' in html and "Check the refund" in html
    assert "set a follow-up for Alice on" in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"due_on": "yesterday"}, "Pick a date (YYYY-MM-DD)."),
        ({"due_on": "2001-01-01"}, "Pick today or a later date."),
        ({"due_on": "2999-01-01"}, "Pick a date within the next two years."),
        ({}, "Pick a date."),
        ({"due_on": "2030-01-01", "agent": "nobody"}, "No colleague has the username"),
    ],
)
def test_it_explains_bad_input_with_a_400(
    as_user: Login, alice: User, acme_ticket: Ticket, data: dict[str, str], message: str
) -> None:
    response = as_user(alice).post(f"/tickets/{acme_ticket.ref}/follow-up/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert FollowUp.objects.count() == 0


def test_it_sets_a_follow_up_from_the_contact_page(
    as_user: Login, bob: User, dave: Contact
) -> None:
    client = as_user(bob)
    response = client.post(
        f"/contacts/{dave.public_id}/follow-up/", {"due_on": tomorrow().isoformat()}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/contacts/{dave.public_id}/"
    assert list(FollowUp.objects.values_list("contact", "agent")) == [(dave.pk, bob.pk)]
    page = client.get(f"/contacts/{dave.public_id}/").content.decode()
    assert 'id="follow-up-list"' in page


def test_it_keeps_customers_out(
    as_user: Login, alice: User, dave: Contact, erin: Contact, acme_ticket: Ticket
) -> None:
    follow_up = do_set_follow_up(actor=alice, ticket=acme_ticket, due_on=tomorrow())
    for customer in (dave, erin):
        client = as_user(customer)
        assert client.get("/inbox/follow-ups/").status_code == 403
        post = client.post(f"/tickets/{acme_ticket.ref}/follow-up/", {"due_on": "2030-01-01"})
        assert post.status_code == 403
        assert client.post(f"/follow-ups/{follow_up.public_id}/done/").status_code == 403
        contact_post = client.post(
            f"/contacts/{dave.public_id}/follow-up/", {"due_on": "2030-01-01"}
        )
        assert contact_post.status_code == 403
    follow_up.refresh_from_db()
    assert follow_up.state == FollowUpState.PENDING
    assert FollowUp.objects.count() == 1


def test_it_hides_acme_from_a_light_agent_outside_the_ticket(
    as_user: Login, alice: User, carol: User, acme_ticket: Ticket, dave: Contact
) -> None:
    follow_up = do_set_follow_up(actor=alice, ticket=acme_ticket, due_on=tomorrow())
    client = as_user(carol)
    assert client.post(f"/follow-ups/{follow_up.public_id}/cancel/").status_code == 404
    assert (
        client.post(f"/tickets/{acme_ticket.ref}/follow-up/", {"due_on": "2030-01-01"}).status_code
        == 404
    )
    assert (
        client.post(f"/contacts/{dave.public_id}/follow-up/", {"due_on": "2030-01-01"}).status_code
        == 404
    )
    follow_up.refresh_from_db()
    assert follow_up.state == FollowUpState.PENDING


def test_it_lists_due_follow_ups_oldest_first_with_a_sidebar_count(
    as_user: Login, alice: User, bob: User, acme_ticket: Ticket, dave: Contact
) -> None:
    older = _due(
        do_set_follow_up(actor=alice, ticket=acme_ticket, due_on=tomorrow(), note="first"),
        hours_ago=5,
    )
    newer = _due(
        do_set_follow_up(actor=alice, contact=dave, due_on=tomorrow(), note="second"), hours_ago=1
    )
    do_set_follow_up(actor=alice, contact=dave, due_on=tomorrow(), note="later")
    _due(
        do_set_follow_up(actor=alice, contact=dave, due_on=tomorrow(), agent=bob, note="bob's"),
        hours_ago=2,
    )

    response = as_user(alice).get("/inbox/follow-ups/")

    assert [f.public_id for f in response.context["rows"]] == [older.public_id, newer.public_id]
    html = response.content.decode()
    assert html.index("first") < html.index("second")
    assert "later" not in html and "bob's" not in html
    assert response.context["follow_ups_due"] == 2
    assert 'id="follow-ups-due-count">2<' in html
    upcoming = as_user(alice).get("/inbox/follow-ups/?show=upcoming")
    assert [f.note for f in upcoming.context["rows"]] == ["later"]


def test_it_completes_from_the_list(as_user: Login, alice: User, acme_ticket: Ticket) -> None:
    follow_up = _due(
        do_set_follow_up(actor=alice, ticket=acme_ticket, due_on=tomorrow()), hours_ago=1
    )
    client = as_user(alice)
    response = client.post(
        f"/follow-ups/{follow_up.public_id}/done/", {"next": "/inbox/follow-ups/"}, follow=True
    )
    assert response.redirect_chain == [("/inbox/follow-ups/", 302)]
    assert response.context["rows"] == []
    assert response.context["follow_ups_due"] == 0
    follow_up.refresh_from_db()
    assert follow_up.state == FollowUpState.DONE
    # Twice is harmless; an outside "next" is not followed.
    again = client.post(f"/follow-ups/{follow_up.public_id}/done/", {"next": "https://evil.test/"})
    assert again["Location"] == f"/tickets/{acme_ticket.ref}/"


def test_it_cancels_from_the_ticket_page(
    as_user: Login, alice: User, bob: User, acme_ticket: Ticket
) -> None:
    follow_up = do_set_follow_up(actor=bob, ticket=acme_ticket, due_on=tomorrow())
    response = as_user(alice).post(f"/follow-ups/{follow_up.public_id}/cancel/")
    assert response["Location"] == f"/tickets/{acme_ticket.ref}/"
    follow_up.refresh_from_db()
    assert follow_up.state == FollowUpState.CANCELLED


def test_it_refuses_a_light_agent_closing_a_colleagues_follow_up(
    as_user: Login,
    alice: User,
    carol: User,
    make_ticket: Callable[..., Ticket],
    finance: Team,
) -> None:
    ticket = make_ticket(team=finance)
    follow_up = do_set_follow_up(actor=alice, ticket=ticket, due_on=tomorrow())
    # carol sees the ticket but not alice's follow-up in her list, and cannot close it.
    client = as_user(carol)
    assert client.post(f"/follow-ups/{follow_up.public_id}/done/").status_code == 404
    mine = client.post(f"/tickets/{ticket.ref}/follow-up/", {"due_on": tomorrow().isoformat()})
    assert mine.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.state == FollowUpState.PENDING
    assert FollowUp.objects.filter(agent=carol).count() == 1


@pytest.mark.parametrize("rows", [2, 30])
def test_it_lists_with_a_constant_number_of_queries(
    as_user: Login,
    alice: User,
    make_ticket: Callable[..., Ticket],
    dave: Contact,
    rows: int,
    django_assert_num_queries: Any,
) -> None:
    for i in range(rows):
        target: dict[str, Any] = {"ticket": make_ticket()} if i % 2 else {"contact": dave}
        _due(do_set_follow_up(actor=alice, due_on=tomorrow(), note=f"n{i}", **target), hours_ago=1)
    client = as_user(alice)
    # session, user, the follow-ups with their tickets, contacts and authors (3); the
    # frame: unread notifications, due follow-ups and the five sidebar counts in one
    # query (1).
    with django_assert_num_queries(4):
        response = client.get("/inbox/follow-ups/")
    assert len(response.context["rows"]) == rows
