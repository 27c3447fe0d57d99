"""``heedful bench peer``: django-helpdesk next to Heedful, on the same data, same machine,
same run.

It creates a virtual environment of its own (under HEEDFUL_VAR_DIR/peer-helpdesk, reused
between runs), pip-installs django-helpdesk from PyPI into it (nothing of it is kept in
this repository), exports the tickets of the current database (a data set made by
``heedful bench generate``, 100k tickets in docs/performance.md), runs
heedful.bench.peer_helpdesk_side with that environment's Python to load them into a
fresh database of the same kind and time its ticket list and search, times the same
pages of Heedful here (our HTML pages, and our API's JSON against its JSON), and prints
one JSON line per pair: ``p*_ms`` are the peer's, ``baseline_p95_ms`` is Heedful's and
``ratio`` = peer ÷ Heedful (the target is >= 20).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection
from django.test import Client, override_settings

from heedful.accounts.actions import do_create_api_token, do_revoke_api_token
from heedful.bench.context import Context
from heedful.bench.fixtures import Fixtures, load_fixtures
from heedful.bench.inbox_bench import (
    DEEP_PAGES,
    deep_cursor,
    get_ok,
    inbox_url,
    logged_in_client,
)
from heedful.bench.timing import BenchResult, measure, percentile
from heedful.tickets.inbox import InboxQuery
from heedful.tickets.models import Message, Ticket

PEER_PACKAGE = "django-helpdesk==2.6.1"
PEER_DATABASE = "heedful_peer"
TARGET_RATIO = 20.0
SIDE_SCRIPT = Path(__file__).with_name("peer_helpdesk_side.py")
# (peer case, search words or "", first row, every ticket rather than the open ones) ->
# ours, measured the same way. The list and search cases put its JSON against our whole HTML
# page; "seen.list.first" its list page and then its JSON (what its user waits for before
# the first rows show) against our page; the json cases its JSON against our API's, for
# every ticket oldest first (the API takes one status, while the peer's "open" holds four
# of ours).
CASES = [
    ("list.first", "", 0, False),
    # What an agent waits for to see the list: its HTML page, then (its table's) JSON.
    ("seen.list.first", "", 0, False),
    ("list.deep", "", 1000, False),
    ("search.common", "card", 0, True),
    ("search.rare", "passport", 0, True),
    ("json.list.first", "", 0, True),
    ("json.list.deep", "", 1000, True),
]
OURS = {
    "list": "inbox page (HTML, sidebar counts), open tickets oldest first",
    "seen": "inbox page (HTML, sidebar counts), open tickets oldest first",
    "search": "search page (HTML)",
    "json": "GET /api/v1/tickets?sort=oldest&limit=50 (JSON, bearer token)",
}
API_LIST = "/api/v1/tickets?sort=oldest&limit=50"


def peer_python(home: Path) -> Path:
    """The peer's interpreter, its environment created and django-helpdesk installed once."""
    python = home / "venv" / "bin" / "python"
    marker = home / "venv" / f".installed-{PEER_PACKAGE}"
    if not marker.exists():
        venv.create(home / "venv", with_pip=True, clear=True)
        packages = [PEER_PACKAGE]
        if connection.vendor == "postgresql":
            packages.append("psycopg[binary]")
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *packages], check=True)
        marker.touch()
    return python


def _export_rows() -> Iterator[list[Any]]:
    """Agents, tickets with their first message as the description, then the other
    messages as follow-ups; streamed in id order, two passes over the messages."""
    from heedful.accounts.models import User

    agents = User.objects.filter(role__in=("admin", "agent")).values_list("username", "email")
    for username, address in agents:
        yield ["agent", username, address or f"{username}@example.com"]
    messages = Message.objects.order_by("ticket_id", "created_at", "id")
    bodies: dict[int, Any] = {}
    firsts: set[int] = set()
    for pk, ticket_id, body in messages.values_list("id", "ticket_id", "body_text").iterator(
        chunk_size=5000
    ):
        if ticket_id not in bodies:
            bodies[ticket_id] = body
            firsts.add(pk)
    tickets = Ticket.objects.order_by("id").values_list(
        "id", "subject", "status", "priority", "created_at", "updated_at",
        "assignee__username", "requester__email", "reopened_count",
    )  # fmt: skip
    for (
        pk,
        subject,
        status,
        priority,
        created,
        updated,
        assignee,
        email,
        reopened,
    ) in tickets.iterator(chunk_size=5000):
        requester = email or "unknown@example.com"
        times = [created.isoformat(), updated.isoformat()]
        description = bodies.get(pk, "")
        yield ["ticket", pk, subject, status, priority, *times, assignee, requester, description,
               reopened > 0]  # fmt: skip
    rows = messages.values_list(
        "id", "ticket_id", "created_at", "body_text", "is_public", "author_user__username"
    )
    for pk, ticket_id, created, body, public, author in rows.iterator(chunk_size=5000):
        if pk not in firsts:
            yield ["followup", ticket_id, created.isoformat(), body, public, author]


def export(path: Path) -> None:
    with path.open("w") as stream:
        for row in _export_rows():
            stream.write(json.dumps(row) + "\n")


def _peer_database_url(home: Path) -> str:
    if connection.vendor == "sqlite":
        target = home / "helpdesk.sqlite3"
        target.unlink(missing_ok=True)
        return f"sqlite://{target}"
    config = settings.DATABASES["default"]
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{PEER_DATABASE}"')
        cursor.execute(f'CREATE DATABASE "{PEER_DATABASE}"')
    password = f":{config['PASSWORD']}" if config.get("PASSWORD") else ""
    port = f":{config['PORT']}" if config.get("PORT") else ""
    return f"postgres://{config['USER']}{password}@{config['HOST']}{port}/{PEER_DATABASE}"


def drop_peer_database() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{PEER_DATABASE}"')


def run_peer(home: Path, iterations: int) -> dict[str, dict[str, Any]]:
    python = peer_python(home)
    export_path = home / "export.jsonl"
    export(export_path)
    env = {**os.environ, "PEER_DATABASE_URL": _peer_database_url(home)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    cases = json.dumps([list(case) for case in CASES])
    command = [str(python), str(SIDE_SCRIPT), str(home / "project"), str(export_path),
               str(iterations), cases]  # fmt: skip
    output = subprocess.run(command, env=env, capture_output=True, text=True)
    sys.stderr.write(output.stderr[-4000:])
    if output.returncode != 0:
        raise RuntimeError(f"the django-helpdesk side failed with status {output.returncode}")
    results = {}
    for line in output.stdout.splitlines():
        if line.startswith("{"):
            data = json.loads(line)
            results[data["name"]] = data
    return results


def ours(iterations: int) -> dict[str, list[float]]:
    """Our pages for the same cases: the open inbox oldest first (the peer's default
    list), its page 21, and the search page."""
    fixtures = load_fixtures()
    client = logged_in_client(fixtures)
    query = InboxQuery(view="open", sort="oldest")
    urls = {
        "list.first": inbox_url("open", sort="oldest"),
        "seen.list.first": inbox_url("open", sort="oldest"),
        "list.deep": inbox_url("open", sort="oldest", cursor=deep_cursor(fixtures, query)),
    }
    for name, words, _, _ in CASES:
        if words:
            urls[name] = f"/search/?{urlencode({'q': words})}"
    # Ours are cheap: at least 30 samples, so one slow sample is not the p95 of ten.
    samples = max(iterations, 30)
    results = {name: measure(get_ok(client, str(url)), samples) for name, url in urls.items()}
    return results | api_lists(fixtures, samples)


def api_lists(fixtures: Fixtures, samples: int) -> dict[str, list[float]]:
    """Our API's list of every ticket oldest first, its first page and its page 21 (the
    next_cursor followed), with a read token of the benchmark agent, revoked after."""
    token, secret = do_create_api_token(fixtures.agent, name="peer benchmark", scope="read")
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    try:
        with override_settings(API_RATE_LIMIT_PER_MINUTE=10**9):
            deep = API_LIST
            for _ in range(DEEP_PAGES):
                cursor = client.get(deep).json()["next_cursor"]
                if not cursor:
                    break
                deep = f"{API_LIST}&{urlencode({'cursor': cursor})}"
            return {
                "json.list.first": measure(get_ok(client, API_LIST), samples),
                "json.list.deep": measure(get_ok(client, deep), samples),
            }
    finally:
        do_revoke_api_token(token, actor=fixtures.agent)


def run_peer_comparison(ctx: Context, iterations: int, keep: bool) -> int:
    home = Path(settings.VAR_DIR) / "peer-helpdesk"
    home.mkdir(parents=True, exist_ok=True)
    mine = ours(iterations)
    try:
        peer = run_peer(home, iterations)
    finally:
        if not keep:
            drop_peer_database()
    for name, _, _, _ in CASES:
        if name not in peer:
            ctx.fail(f"peer.{name}: no result from django-helpdesk")
            continue
        data = peer[name]
        result = BenchResult(f"peer.django-helpdesk.{name}", ctx.backend, data["n"],
                             data["p50_ms"], data["p95_ms"], data["p99_ms"])  # fmt: skip
        result.baseline_p95_ms = round(percentile(mine[name], 0.95), 3)
        result.ratio = round(result.p95_ms / max(result.baseline_p95_ms, 1e-6), 2)  # type: ignore[operator]
        result.extra.update(
            baseline="heedful, same page, same run", ours=OURS[name.split(".")[0]],
            target_ratio=TARGET_RATIO,
            peer=PEER_PACKAGE, rows=data["rows"], ours_n=ctx.n,
        )  # fmt: skip
        ctx.report(result)
    if not keep:
        shutil.rmtree(home / "project", ignore_errors=True)
    return 1 if ctx.failures else 0
