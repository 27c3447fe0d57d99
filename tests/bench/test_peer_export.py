"""The data set handed to django-helpdesk is the one Heedful is measured on: every agent,
every ticket with its first message as the description, every other message as a
follow-up; and the peer side asks for the pages its own UI asks for."""

from __future__ import annotations

import base64
import json
from collections import Counter
from pathlib import Path

from heedful.bench import peer_helpdesk_side as side
from heedful.bench.generate import generate
from heedful.bench.peer_helpdesk import export
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
