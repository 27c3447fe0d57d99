"""The data set handed to django-helpdesk is the one Heedful is measured on: every agent,
every ticket with its first message as the description, every other message as a
follow-up; and the peer side asks for the pages its own UI asks for."""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from heedful.accounts.models import ApiToken, User
from heedful.bench import peer_helpdesk
from heedful.bench import peer_helpdesk_side as side
from heedful.bench.fixtures import Fixtures
from heedful.bench.generate import generate
from heedful.bench.peer_helpdesk import api_lists, export
from heedful.tickets.models import Message, Ticket


def test_it_exports_every_ticket_and_message(db: None, tmp_path: Path) -> None:
    generate(60, seed=2, chunk=30, show_progress=False)
    path = tmp_path / "export.jsonl"
    export(path)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    kinds = Counter(row[0] for row in rows)
    assert kinds["ticket"] == 60
    assert kinds["followup"] == Message.objects.count() - 60
    assert kinds["agent"] >= 1
    first = Ticket.objects.order_by("id").first()
    assert first is not None
    opening = first.messages.order_by("created_at", "id").first()
    assert opening is not None
    ticket_row = next(row for row in rows if row[0] == "ticket" and row[1] == first.pk)
    assert ticket_row[2:5] == [first.subject, first.status, first.priority]
    assert ticket_row[9] == opening.body_text
    assert ticket_row[10] is (first.reopened_count > 0)


def test_it_asks_the_peer_for_its_default_list_and_its_search() -> None:
    url = side.list_url("", 1000)
    path, query = url.split("?")
    encoded = path.rsplit("/", 1)[1]
    assert json.loads(base64.b64decode(encoded)) == {
        "filtering": {"status__in": [1, 2]},
        "sorting": "created",
        "sortreverse": False,
        "search_string": "",
    }
    assert query == "draw=1&start=1000&length=50"
    search = json.loads(base64.b64decode(side.list_url("card", 0).split("?")[0].rsplit("/", 1)[1]))
    assert search["filtering"] == {}
    assert search["search_string"] == "card"
    every = json.loads(base64.b64decode(side.list_url("", 0, True).split("?")[0].rsplit("/", 1)[1]))
    assert every["filtering"] == {}
    assert every["search_string"] == ""
    assert every["sorting"] == "created"


def test_it_times_our_api_list_first_and_deep_page_with_a_token_it_revokes(
    alice: User, make_ticket: Callable[..., Ticket], monkeypatch: pytest.MonkeyPatch
) -> None:
    start = timezone.now() - timedelta(days=3)
    tickets = [make_ticket(created_at=start + timedelta(hours=i)) for i in range(5)]
    monkeypatch.setattr(peer_helpdesk, "API_LIST", "/api/v1/tickets?sort=oldest&limit=2")
    monkeypatch.setattr(peer_helpdesk, "DEEP_PAGES", 2)
    pages: list[list[str]] = []
    timed = peer_helpdesk.get_ok

    def get_ok(client: Client, url: str) -> Callable[[], None]:
        pages.append([item["ref"] for item in client.get(url).json()["items"]])
        return timed(client, url)

    monkeypatch.setattr(peer_helpdesk, "get_ok", get_ok)
    samples = api_lists(Fixtures(alice, {}, {}, tickets[0]), 3)
    assert {name: len(times) for name, times in samples.items()} == {
        "json.list.first": 3,
        "json.list.deep": 3,
    }
    # The first page, then page 3 (two next_cursors followed), oldest first.
    assert pages == [[tickets[0].ref, tickets[1].ref], [tickets[4].ref]]
    assert ApiToken.objects.filter(user=alice, revoked_at__isnull=True).count() == 0


def test_it_points_the_peer_at_a_database_of_the_same_kind() -> None:
    assert side.database("sqlite:///tmp/x/helpdesk.sqlite3") == {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": "/tmp/x/helpdesk.sqlite3",
    }
    assert side.database("postgres://postgres@127.0.0.1:5432/heedful_peer") == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "heedful_peer",
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": "127.0.0.1",
        "PORT": "5432",
    }
