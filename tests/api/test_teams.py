"""GET /teams."""

from __future__ import annotations

from collections.abc import Callable

from heedful.accounts.models import Team, User
from heedful.customers.models import Contact
from tests.api.conftest import ApiClient

MakeApi = Callable[..., ApiClient]


def test_it_lists_teams_with_members(
    api: MakeApi, alice: User, bob: User, carol: User, support: Team, finance: Team
) -> None:
    client = api(carol)
    teams = client.get("/teams").json()
    assert [(t["name"], t["kind"]) for t in teams] == [
        ("Finance", "department"),
        ("Support", "support"),
    ]
    assert [m["username"] for m in teams[1]["members"]] == ["alice", "bob"]
    one = client.get(f"/teams/{support.public_id}")
    assert one.status_code == 200
    assert one.json()["name"] == "Support"
    assert client.get("/teams/not-a-uuid").status_code == 404


def test_it_forbids_customers_to_list_teams(api: MakeApi, erin: Contact, support: Team) -> None:
    client = api(erin)
    assert client.get("/teams").status_code == 403
    assert client.get(f"/teams/{support.public_id}").status_code == 403
