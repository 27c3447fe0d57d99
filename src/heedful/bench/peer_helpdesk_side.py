"""The django-helpdesk side of the peer benchmark; heedful.bench.peer_helpdesk runs it with
the Python of the peer's own virtual environment, so it imports nothing from Heedful:
only the standard library, Django and django-helpdesk (installed there from PyPI).

``python peer_helpdesk_side.py WORKDIR EXPORT.jsonl ITERATIONS`` writes a minimal Django
project into WORKDIR, migrates the database named by PEER_DATABASE_URL (sqlite:///path or
postgres://...), loads the exported data set with bulk inserts, and prints one JSON line
per measurement: the ticket list (first page and page 21) and a keyword search, fetched
through django-helpdesk's own JSON endpoint for its ticket table, as its UI does; a case
named ``seen.*`` fetches the list's HTML page first, then that JSON.
"""

from __future__ import annotations

import base64
import json
import math
import os
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PAGE = 50
# The ticket list page: its default query (open and reopened, oldest first) is the JSON of
# the "list" cases.
LIST_PAGE = "/helpdesk/tickets/"
DEEP_START = 20 * PAGE
STATUS = {"new": 1, "open": 1, "pending": 1, "on_hold": 1, "solved": 3, "closed": 4}
REOPENED = 2
PRIORITY = {"urgent": 1, "high": 2, "normal": 3, "low": 4}

SETTINGS = """
from pathlib import Path
SECRET_KEY = "peer-benchmark-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles",
    "django.contrib.sites", "django.contrib.humanize", "rest_framework", "helpdesk",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "peer_urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
DATABASES = {"default": %(database)r}
USE_TZ = True
SITE_ID = 1
STATIC_URL = "/static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The knowledge base stays on: with it off, 2.6.1 fails to import its own URLs.
HELPDESK_TEAMS_MODE_ENABLED = False
"""

URLS = """
from django.urls import include, path
urlpatterns = [path("helpdesk/", include("helpdesk.urls", namespace="helpdesk"))]
"""


def database(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": parts.path}
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parts.path.lstrip("/"),
        "USER": parts.username or "",
        "PASSWORD": parts.password or "",
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
    }


def write_project(workdir: Path, url: str) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "peer_settings.py").write_text(SETTINGS % {"database": database(url)})
    (workdir / "peer_urls.py").write_text(URLS)
    sys.path.insert(0, str(workdir))
    os.environ["DJANGO_SETTINGS_MODULE"] = "peer_settings"


def records(path: Path, kind: str) -> Iterator[list[Any]]:
    with path.open() as stream:
        for line in stream:
            row = json.loads(line)
            if row[0] == kind:
                yield row[1:]


def load(export: Path) -> int:
    """Agents, one queue, tickets (first message as description) and follow-ups."""
    from django.contrib.auth import get_user_model
    from helpdesk.models import FollowUp, Queue, Ticket

    user_model: Any = get_user_model()
    agents = {}
    for username, email in records(export, "agent"):
        agents[username] = user_model.objects.create_user(username, email, "x", is_staff=True)
    queue = Queue.objects.create(title="Support", slug="support")
    batch: list[Any] = []
    count = 0
    for row in records(export, "ticket"):
        pk, subject, status, priority, created, updated, assignee, email, body, reopened = row
        code = REOPENED if reopened and STATUS[status] == 1 else STATUS[status]
        batch.append(Ticket(
            id=pk, title=subject[:200], queue=queue, created=created, modified=updated,
            submitter_email=email, assigned_to=agents.get(assignee), status=code,
            on_hold=status == "on_hold", description=body, priority=PRIORITY[priority],
            secret_key=secrets.token_hex(8),
        ))  # fmt: skip
        count += 1
        if len(batch) >= 2000:
            Ticket.objects.bulk_create(batch)
            batch = []
    Ticket.objects.bulk_create(batch)
    followups: list[Any] = []
    for ticket_id, date, comment, public, author in records(export, "followup"):
        followups.append(FollowUp(
            ticket_id=ticket_id, date=date, title="Comment", comment=comment, public=public,
            user=agents.get(author),
        ))  # fmt: skip
        if len(followups) >= 5000:
            FollowUp.objects.bulk_create(followups)
            followups = []
    FollowUp.objects.bulk_create(followups)
    return count


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


def measure(call: Callable[[], None], iterations: int) -> list[float]:
    call()
    samples = []
    for _ in range(iterations):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def list_url(search: str, start: int, every: bool = False) -> str:
    """The JSON its ticket table fetches: open and reopened tickets, oldest first (the
    list's default), or, for a search, every ticket matching ``search`` (what the list
    page builds from ``?q=``: no status filter, same sort); with ``every``, every ticket
    oldest first (what Heedful's API can ask for too)."""
    query: dict[str, Any] = {
        "filtering": {} if search or every else {"status__in": [1, 2]},
        "sorting": "created",
        "sortreverse": False,
        "search_string": search,
    }
    encoded = base64.b64encode(json.dumps(query).encode()).decode()
    return f"/helpdesk/datatables_ticket_list/{encoded}?draw=1&start={start}&length={PAGE}"


def main() -> None:
    workdir, export, iterations = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    cases = json.loads(sys.argv[4])
    write_project(workdir, os.environ["PEER_DATABASE_URL"])
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    tickets = load(export)
    print(f"peer: loaded {tickets:,} tickets in {time.monotonic() - started:.0f} s",
          file=sys.stderr, flush=True)  # fmt: skip
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    client = Client()
    user_model: Any = get_user_model()
    client.force_login(user_model.objects.filter(is_staff=True).order_by("id").first())
    for name, search, start, every in cases:
        url = list_url(search, start, every)
        # "seen.*": what an agent waits for to see the list: its HTML page, whose table
        # then fetches the JSON (one after the other, as the browser does).
        urls = [LIST_PAGE, url] if name.startswith("seen.") else [url]

        def call(urls: list[str] = urls) -> None:
            for url in urls:
                response = client.get(url)
                if response.status_code != 200:
                    raise RuntimeError(f"GET {url}: HTTP {response.status_code}")

        samples = measure(call, iterations)
        rows = len(json.loads(client.get(url).content)["data"])
        print(json.dumps({
            "name": name, "n": tickets, "p50_ms": round(percentile(samples, 0.5), 3),
            "p95_ms": round(percentile(samples, 0.95), 3),
            "p99_ms": round(percentile(samples, 0.99), 3), "rows": rows,
        }), flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
