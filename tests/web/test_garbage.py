"""No input makes any view answer 500: empty, huge, wrong types, unknown choices, bad
refs, bad UUIDs, bad cursors, NUL characters and non-local redirects."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from heedful.accounts.models import User
from heedful.customers.models import Contact
from heedful.tickets.models import Ticket
from tests.web.conftest import ticket_state

HUGE = "x" * 300_000
NUL = "bad\x00value"


def cursor(payload: object) -> str:
    raw = json.dumps(payload).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


BAD_CURSORS = [
    "!!!",
    "e30",  # {}
    cursor([None]),
    cursor(["not a date", 1]),
    cursor(["2024-01-01T00:00:00", 2**70]),
    cursor(["2024-01-01T00:00:00", -5]),
    cursor(["0001-01-01T00:00:00+14:00", 1]),
    cursor([12345, "x"]),
    cursor([[[[[]]]], 1]),
    "A" * 5000,
]

INBOX_PARAMS = [
    {"sort": "nope"},
    {"sort": HUGE[:5000]},
    {"status": "exploded"},
    {"priority": "whenever"},
    {"team": "not-a-uuid"},
    {"assignee": NUL},
    {"assignee": "x" * 5000},
    {"tag": NUL},
    {"tag": "x" * 5000},
    {"organization": "12"},
    {"organization": NUL},
    *({"cursor": c} for c in BAD_CURSORS),
]

SEARCHES = ["", " ", "HD-", "HD-99999999999999999999999", "99999999999999999999", "%", "_",
            "'; DROP TABLE tickets; --", NUL, "x" * 5000, "ünïcödé ✓"]  # fmt: skip


@pytest.fixture
def agent_client(client: Client, alice: User) -> Client:
    client.force_login(alice)
    return client


@pytest.mark.parametrize("params", INBOX_PARAMS)
def test_it_answers_400_for_bad_inbox_params(
    agent_client: Client, acme_ticket: Ticket, params: dict[str, object]
) -> None:
    response = agent_client.get("/inbox/open/", params)
    assert response.status_code == 400
    assert b"bad-request-message" in response.content


@pytest.mark.parametrize("q", SEARCHES)
def test_it_never_fails_on_odd_searches(agent_client: Client, acme_ticket: Ticket, q: str) -> None:
    response = agent_client.get("/search/", {"q": q})
    assert response.status_code in (200, 400)


@pytest.mark.parametrize(
    "ref", ["HD-", "HD-0", "-1", "HD-1e5", "HD-99999999999999999999999", "%00", "..", "HD-1001x"]
)
def test_it_answers_404_for_bad_refs_on_every_ticket_url(agent_client: Client, ref: str) -> None:
    assert agent_client.get(f"/tickets/{ref}/").status_code == 404
    for action in ("reply", "note", "update", "loop-in"):
        assert agent_client.post(f"/tickets/{ref}/{action}/", {"body": "x"}).status_code == 404


def garbage_posts(ref: str) -> list[tuple[str, dict[str, object]]]:
    t = f"/tickets/{ref}"
    return [
        (f"{t}/reply/", {}),
        (f"{t}/reply/", {"body": ""}),
        (f"{t}/reply/", {"body": HUGE}),
        (f"{t}/reply/", {"body": NUL}),
        (f"{t}/reply/", {"body": "hi", "status": "exploded"}),
        (f"{t}/reply/", {"body": "hi", "status": ["solved", "nope"]}),
        (f"{t}/note/", {}),
        (f"{t}/note/", {"body": "   "}),
        (f"{t}/note/", {"body": HUGE}),
        (f"{t}/note/", {"body": NUL}),
        (f"{t}/update/", {"status": "exploded"}),
        (f"{t}/update/", {"priority": NUL}),
        (f"{t}/update/", {"assignee": "nobody-here"}),
        (f"{t}/update/", {"assignee": "carol"}),  # a light agent cannot own tickets
        (f"{t}/update/", {"assignee": "dave"}),  # a customer is no colleague
        (f"{t}/update/", {"team": "not-a-uuid"}),
        (f"{t}/update/", {"team": "00000000-0000-0000-0000-000000000000"}),
        (f"{t}/update/", {"tags": HUGE}),
        (f"{t}/loop-in/", {}),
        (f"{t}/loop-in/", {"username": ""}),
        (f"{t}/loop-in/", {"username": "nobody-here"}),
        (f"{t}/loop-in/", {"username": "dave"}),
        (f"{t}/loop-in/", {"username": NUL}),
        (f"{t}/loop-in/", {"username": HUGE}),
        ("/inbox/bulk/", {}),
        ("/inbox/bulk/", {"tickets": [ref]}),
        ("/inbox/bulk/", {"tickets": ["junk"], "status": "solved"}),
        ("/inbox/bulk/", {"tickets": ["HD-99999"], "status": "solved"}),
        ("/inbox/bulk/", {"tickets": [ref] * 600, "status": "solved"}),
        ("/inbox/bulk/", {"tickets": ["x" * 5000], "status": "solved"}),
        ("/inbox/bulk/", {"tickets": [ref], "status": "exploded"}),
        ("/inbox/bulk/", {"tickets": [ref], "assignee": "nobody-here"}),
        ("/inbox/bulk/", {"tickets": [ref], "assignee": "carol"}),
        ("/inbox/bulk/", {"tickets": [ref], "team": "not-a-uuid"}),
        ("/inbox/bulk/", {"tickets": [ref], "add_tag": NUL}),
        ("/inbox/bulk/", {"tickets": [ref], "add_tag": "   "}),
    ]


def test_it_answers_400_to_garbage_posts_and_changes_nothing(
    agent_client: Client, acme_ticket: Ticket, carol: User, dave: Contact
) -> None:
    before = ticket_state(acme_ticket)
    for url, data in garbage_posts(acme_ticket.ref):
        response = agent_client.post(url, data)
        assert response.status_code == 400, (url, str(data)[:80])
    assert ticket_state(acme_ticket) == before


def test_it_answers_400_to_too_many_attachments(agent_client: Client, acme_ticket: Ticket) -> None:
    before = ticket_state(acme_ticket)
    files = [SimpleUploadedFile(f"f{i}.txt", b"x") for i in range(11)]
    response = agent_client.post(
        f"/tickets/{acme_ticket.ref}/reply/", {"body": "files", "attachments": files}
    )
    assert response.status_code == 400
    assert ticket_state(acme_ticket) == before


@pytest.mark.parametrize(
    "next_url",
    ["//evil.example/", "https://evil.example/", "javascript:alert(1)", "/\\evil.example",
     "/inbox/\x00", "inbox/open/", HUGE[:1900]],
)  # fmt: skip
def test_it_redirects_bulk_only_to_local_pages(
    agent_client: Client, acme_ticket: Ticket, next_url: str
) -> None:
    response = agent_client.post(
        "/inbox/bulk/", {"tickets": [acme_ticket.ref], "priority": "high", "next": next_url}
    )
    assert response.status_code == 302
    assert response["Location"] == "/inbox/open/"


def test_it_survives_garbage_on_get_views_and_login(
    client: Client, alice: User, acme_ticket: Ticket, make_ticket: Callable[..., Ticket]
) -> None:
    assert client.post("/login/", {"username": NUL, "password": HUGE}).status_code == 200
    assert client.post("/login/", {"username": ["a", "b"]}).status_code == 200
    client.force_login(alice)
    for url in ["/?x=" + "y" * 5000, "/notifications/?page=-1", "/tickets/HD-1001/?from=%00"]:
        assert client.get(url).status_code == 200, url
    assert client.post("/notifications/read/", {"junk": HUGE}).status_code == 302
    assert (
        client.post("/inbox/bulk/", "not a form", content_type="application/json").status_code
        == 400
    )
