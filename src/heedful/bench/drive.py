"""Heavy use of a running server, so that its memory can be measured after use as well as
idle: the inbox (every view and sort, with and without a filter, following the next-page
links), ticket pages drawn at random over the whole data set, search, and the API (create,
list). Random tickets and deep pages touch pages of the database all over the file,
which is what the page cache of each server thread's kept SQLite connection fills with."""

from __future__ import annotations

import http.client
import json
import random
import re
import threading
import time
from dataclasses import dataclass, field
from html import unescape
from urllib.parse import urlencode

from django.db.models import Max, Min

from heedful.accounts.actions import do_create_api_token
from heedful.bench.fixtures import Fixtures
from heedful.bench.inbox_bench import inbox_url
from heedful.customers.models import Contact
from heedful.tickets.inbox import SORTS, VIEWS
from heedful.tickets.models import Ticket, format_ref

SEARCH_WORDS = ("card", "passport", "refund", "transfer", "declined", "account", "pin", "zyzzyva")
NEXT_LINK = re.compile(r'href="([^"]*cursor=[^"]*)" id="next-page"')
MAX_NEXT_PAGES = 3


@dataclass
class Client:
    """What every request needs: where, who (a session cookie for pages, a bearer token for
    the API) and what to draw from; what was sent and what failed."""

    port: int
    cookie: str
    token: str
    fixtures: Fixtures
    requester_email: str
    numbers: tuple[int, int]
    errors: list[str] = field(default_factory=list)
    sent: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def drive_client(port: int, cookie: str, fixtures: Fixtures) -> Client:
    """A client for the server on ``port``, with an API token of the busy agent's (the
    server must run with the per-token rate limit lifted: HEEDFUL_API_RATE_LIMIT)."""
    _, token = do_create_api_token(fixtures.agent, name="benchmark drive", scope="write")
    contacts = Contact.objects.exclude(email=None).exclude(email="").order_by("id")
    email = contacts.values_list("email", flat=True).first() or ""
    bounds = Ticket.objects.aggregate(low=Min("number"), high=Max("number"))
    numbers = (bounds["low"] or 0, bounds["high"] or 0)
    return Client(port, cookie, token, fixtures, email, numbers)


def drive(client: Client, requests: int, threads: int = 8, seed: int = 0) -> dict[str, float]:
    """Send ``requests`` requests (a few more: the last actions finish their pages) over
    ``threads`` connections; the counts, errors (a status of 400 or more, or a broken
    connection) and seconds taken."""
    started = time.monotonic()

    def run(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", client.port, timeout=60)
        rng = random.Random(seed * 1000 + index)
        while client.sent < requests:
            _action(client, rng, connection)
        connection.close()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return {"drive_requests": client.sent, "drive_errors": len(client.errors),
            "drive_seconds": round(time.monotonic() - started, 1)}  # fmt: skip


def _action(client: Client, rng: random.Random, connection: http.client.HTTPConnection) -> None:
    """One user action, drawn with weights towards what agents do most."""
    kind = rng.choices(("inbox", "ticket", "search", "create", "list"), (4, 3, 1, 1, 1))[0]
    if kind == "inbox":
        path: str | None = _inbox_path(client, rng)
        for _ in range(1 + rng.randint(0, MAX_NEXT_PAGES)):
            if path is None:
                break
            found = NEXT_LINK.search(_send(client, connection, "GET", path))
            path = unescape(found.group(1)) if found else None
    elif kind == "ticket":
        ref = format_ref(rng.randint(*client.numbers))
        _send(client, connection, "GET", f"/tickets/{ref}/")
    elif kind == "search":
        _send(client, connection, "GET", "/search/?" + urlencode({"q": rng.choice(SEARCH_WORDS)}))
    elif kind == "create":
        body = {"subject": "Drive: card declined", "body": "It fails at checkout.",
                "requester_email": client.requester_email}  # fmt: skip
        _send(client, connection, "POST", "/api/v1/tickets", json.dumps(body).encode())
    else:
        status = rng.choice(("open", "pending", "solved"))
        path = f"/api/v1/tickets?status={status}&sort={rng.choice(list(SORTS))}"
        _send(client, connection, "GET", path)


def _inbox_path(client: Client, rng: random.Random) -> str | None:
    params = {"sort": rng.choice(list(SORTS))}
    filters = [*client.fixtures.filters.items(), *client.fixtures.rare_filters.items()]
    if rng.random() < 0.5:
        name, value = rng.choice(filters)
        params[name] = value
    return inbox_url(rng.choice(list(VIEWS)), **params)


def _send(
    client: Client, connection: http.client.HTTPConnection, method: str, path: str,
    body: bytes | None = None,
) -> str:  # fmt: skip
    """The answer's text; an error is recorded, not raised, and answers ""."""
    with client.lock:
        client.sent += 1
    headers = {"Cookie": client.cookie}
    if path.startswith("/api/"):
        headers = {"Authorization": f"Bearer {client.token}", "Content-Type": "application/json"}
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode(errors="replace")
    except (OSError, http.client.HTTPException) as error:
        connection.close()  # http.client opens a new one for the next request
        client.errors.append(f"{method} {path}: {error}")
        return ""
    if response.status >= 400:
        client.errors.append(f"{method} {path}: HTTP {response.status}")
    return text
