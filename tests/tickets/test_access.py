from __future__ import annotations

from collections.abc import Callable

import pytest
from django.http import Http404

from heedful.accounts.models import Team, User
from heedful.customers.models import Contact
from heedful.tickets import actions
from heedful.tickets.access import (
    get_contact_for_user,
    get_organization_for_user,
    get_ticket_for_user,
    visible_tickets,
)
from heedful.tickets.models import Ticket


def test_it_shows_full_agents_every_ticket(acme_ticket: Ticket, alice: User) -> None:
    assert get_ticket_for_user(alice, acme_ticket.ref) == acme_ticket
    assert get_ticket_for_user(alice, str(acme_ticket.number)) == acme_ticket
    assert get_ticket_for_user(alice, acme_ticket.ref.lower()) == acme_ticket


def test_it_hides_tickets_from_customers_in_the_workspace(
    acme_ticket: Ticket, dave: Contact, erin: Contact
) -> None:
    for customer in (dave.user, erin.user):
        assert customer is not None
        assert list(visible_tickets(customer)) == []
        with pytest.raises(Http404):
            get_ticket_for_user(customer, acme_ticket.ref)
        with pytest.raises(Http404):
            get_contact_for_user(customer, str(dave.public_id))
        with pytest.raises(Http404):
            get_organization_for_user(customer, str(acme_ticket.organization.public_id))  # type: ignore[union-attr]


def test_it_shows_light_agents_only_looped_or_team_tickets(
    make_ticket: Callable[..., Ticket], alice: User, carol: User, finance: Team
) -> None:
    looped = make_ticket(subject="Refund approval")
    finance_owned = make_ticket(subject="Invoice copy", team=finance)
    hidden = make_ticket(subject="Password reset")
    actions.do_loop_in(looped, carol, actor=alice)

    assert set(visible_tickets(carol)) == {looped, finance_owned}
    with pytest.raises(Http404):
        get_ticket_for_user(carol, hidden.ref)
    assert get_contact_for_user(carol, str(looped.requester.public_id)) == looped.requester


@pytest.mark.parametrize("ref", ["", "HD-", "HD-abc", "XX-1001", "9" * 40, "HD-99999"])
def test_it_answers_404_for_bad_refs(acme_ticket: Ticket, alice: User, ref: str) -> None:
    with pytest.raises(Http404):
        get_ticket_for_user(alice, ref)


def test_it_answers_404_for_bad_public_ids(alice: User) -> None:
    with pytest.raises(Http404):
        get_contact_for_user(alice, "not-a-uuid")
    with pytest.raises(Http404):
        get_organization_for_user(alice, "00000000-0000-0000-0000-000000000000")
