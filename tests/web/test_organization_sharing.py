"""The organization page's ticket-sharing switch, seen from dave's portal list."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from heedful.accounts.actions import do_create_user
from heedful.accounts.models import Role, Team, User
from heedful.customers.models import Contact, Organization
from heedful.portal.models import OrganizationPortal
from heedful.tickets.models import Ticket


def test_it_makes_a_colleagues_ticket_appear_and_disappear_in_daves_portal(
    acme: Organization,
    alice: User,
    dave: Contact,
    make_ticket: Callable[..., Ticket],
    as_user: Callable[..., Client],
) -> None:
    frank = Contact.objects.create(
        name="Frank Fields",
        email="frank@acme.test",
        organization=acme,
        user=do_create_user("frank", role=Role.CUSTOMER, email="frank@acme.test"),
    )
    franks = make_ticket(requester=frank, subject="Frank's VPN is down")
    page = f"/organizations/{acme.public_id}/"
    switch = f"/organizations/{acme.public_id}/sharing/"

    def daves_list() -> str:
        return as_user(dave).get("/portal/").content.decode()

    assert franks.ref not in daves_list()
    agent = as_user(alice)
    assert "Share tickets between colleagues" in agent.get(page).content.decode()
    turned_on = agent.post(switch, {"share_tickets": "on"}, follow=True)
    assert turned_on.redirect_chain == [(page, 302)]
    html = turned_on.content.decode()
    assert "Acme&#x27;s people now see each other&#x27;s tickets." in html
    assert "Stop sharing tickets" in html
    assert franks.ref in daves_list()

    as_user(alice).post(switch, {"share_tickets": "off"})
    assert OrganizationPortal.objects.get(organization=acme).share_tickets is False
    assert franks.ref not in daves_list()


def test_it_refuses_the_switch_to_light_agents_and_hides_it(
    acme: Organization,
    carol: User,
    finance: Team,
    make_ticket: Callable[..., Ticket],
    as_user: Callable[..., Client],
) -> None:
    make_ticket(team=finance)  # carol (a light agent of Finance) sees Acme through it
    client = as_user(carol)
    page = client.get(f"/organizations/{acme.public_id}/").content.decode()
    assert "Each person sees only their own tickets" in page
    assert "Share tickets between colleagues" not in page
    answer = client.post(f"/organizations/{acme.public_id}/sharing/", {"share_tickets": "on"})
    assert answer.status_code == 403
    assert not OrganizationPortal.objects.exists()
    assert client.get(f"/organizations/{acme.public_id}/sharing/").status_code == 405
