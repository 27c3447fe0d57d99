"""GET /tags."""

from __future__ import annotations

from collections.abc import Callable

from heedful.accounts.models import User
from heedful.customers.models import Contact
from heedful.tickets.models import Ticket
from tests.api.conftest import ApiClient, error_of

MakeApi = Callable[..., ApiClient]


def test_it_lists_tags_for_staff(
    api: MakeApi, alice: User, make_ticket: Callable[..., Ticket]
) -> None:
    make_ticket(tags=["billing", "vip"])
    body = api(alice).get("/tags").json()
    assert [t["name"] for t in body["items"]] == ["billing", "vip"]


def test_it_forbids_customers_to_list_tags(
    api: MakeApi, erin: Contact, make_ticket: Callable[..., Ticket]
) -> None:
    make_ticket(tags=["acme-secret"])
    response = api(erin).get("/tags")
    assert response.status_code == 403
    assert error_of(response)["message"] == "Only staff members can list tags."
