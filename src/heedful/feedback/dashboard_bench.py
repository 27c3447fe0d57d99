"""How long the feedback page takes over N generated answers, before and after the answer
counts (heedful/feedback/rollups.py), in the same run.

Writes N CSAT answers (spread over two years; 200 organizations on two plans and three
segments, 2,000 contacts, 2,000 tickets of three teams and three channels, each credited
to one or two of four agents) into an EMPTY database, counts them (``rebuild``), then
for /feedback/?days=365 without and with segment filters times

- ``scan_ms``: the figures as computed before (every answer grouped, tallies.scan_tallies;
  what combined filters used before they grouped the answers' copied dimensions),
- ``counts_ms``: the same figures as the page computes them now (load_tallies + panels),
- ``page_ms``: the whole page, rendered by the test client as a full agent,

as the median and p95 of ``--runs`` runs, wall clock and CPU (process_time; on a local
PostgreSQL also the mean CPU of the server process, ``server_cpu_mean``):

    export HEEDFUL_VAR_DIR=$(mktemp -d) && heedful manage migrate
    python -m heedful.feedback.dashboard_bench 100000

It refuses a database that already holds survey answers.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

FILTERS = (
    "", "plan=enterprise", "team=Team 1", "agent=agent1", "plan=enterprise&channel=email",
    "team=Team 1&agent=agent1", "plan=enterprise&segment=smb&channel=web",
    "plan=starter&team=Team 2&agent=agent2",
)  # fmt: skip
RUNS = 20


def _people() -> tuple[list[Any], list[Any], list[Any], list[Any]]:
    from heedful.accounts.actions import do_create_team, do_create_user
    from heedful.accounts.models import Role
    from heedful.customers.models import Contact, Organization

    rng = random.Random(1)
    orgs = Organization.objects.bulk_create(
        [
            Organization(
                name=f"Org {i}",
                plan=rng.choice(["starter", "enterprise"]),
                segment=rng.choice(["smb", "mid-market", "large"]),
            )
            for i in range(200)
        ]
    )
    contacts = Contact.objects.bulk_create(
        [
            Contact(name=f"C{i}", email=f"c{i}@bench.test", organization=orgs[i % 200])
            for i in range(2000)
        ]
    )
    teams = [do_create_team(f"Team {i}") for i in range(3)]
    agents = [
        do_create_user(f"agent{i}", role=Role.AGENT, email=f"agent{i}@bench.test") for i in range(4)
    ]
    return orgs, contacts, teams, agents


def _fill(n: int) -> None:
    from django.utils import timezone

    from heedful.feedback.models import AgentCredit, RequestState, Response, SurveyRequest
    from heedful.feedback.surveys import RATING, csat_survey
    from heedful.tickets.models import Channel, Ticket

    rng = random.Random(1)
    _, contacts, teams, agents = _people()
    channels = [Channel.EMAIL, Channel.WEB, Channel.PORTAL]
    tickets = Ticket.objects.bulk_create(
        [
            Ticket(
                number=1001 + i,
                subject=f"Bench {i}",
                requester=c,
                organization_id=c.organization_id,
                team=teams[i % 3],
                channel=channels[i % 3],
            )
            for i, c in enumerate(contacts)
        ]
    )
    survey = csat_survey()
    question = survey.questions.get(key=RATING)
    now = timezone.now()
    requests = SurveyRequest.objects.bulk_create(
        [
            SurveyRequest(
                survey=survey,
                contact=tickets[i % 2000].requester,
                organization_id=tickets[i % 2000].organization_id,
                ticket=tickets[i % 2000],
                state=RequestState.ANSWERED,
                due_at=now,
            )
            for i in range(n)
        ],
        batch_size=2000,
    )
    AgentCredit.objects.bulk_create(
        [
            AgentCredit(request=r, agent=agent, replies=1, weight=1.0)
            for r in requests
            for agent in rng.sample(agents, rng.choice([1, 2]))
        ],
        batch_size=2000,
    )
    Response.objects.bulk_create(
        [
            Response(
                request=r,
                question=question,
                metric="csat",
                contact_id=r.contact_id,
                organization_id=r.organization_id,
                ticket_id=r.ticket_id,
                rating=rng.randint(1, 5),
                created_at=now - timedelta(days=rng.uniform(0, 730)),
            )
            for r in requests
        ],
        batch_size=2000,
    )


def _server_cpu_ms() -> float | None:
    """CPU time used so far by this connection's PostgreSQL backend, when the server runs
    on this machine (its /proc entry); None on SQLite, whose work is in process_time."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")  # utime+stime


def _timed(call: Callable[[], object], runs: int) -> dict[str, float]:
    walls, cpus = [], []
    server_before = _server_cpu_ms()
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    server_after = _server_cpu_ms()
    walls.sort()
    p95 = walls[min(len(walls) - 1, round(0.95 * (len(walls) - 1)))]
    result = {
        "median": round(statistics.median(walls), 1),
        "p95": round(p95, 1),
        "cpu_median": round(statistics.median(cpus), 1),
    }
    if server_before is not None and server_after is not None:
        # The kernel counts in ticks (10 ms): a mean over the runs, not a median.
        result["server_cpu_mean"] = round((server_after - server_before) / runs, 1)
    return result


def _figures(query: str, load: Callable[..., Any]) -> Callable[[], object]:
    from django.http import QueryDict
    from django.utils import timezone

    from heedful.feedback.dashboard import panels
    from heedful.feedback.segments import Choices, parse_segment

    def call() -> object:
        now = timezone.now()
        since = now - timedelta(days=365)
        segment = parse_segment(QueryDict(query), Choices.load())
        tallies = load(
            previous_since=since - timedelta(days=365), since=since, now=now, segment=segment
        )
        return panels(tallies, since=since, now=now, segment=segment)

    return call


def _page(query: str) -> Callable[[], object]:
    from django.conf import settings
    from django.test import Client

    from heedful.accounts.models import User

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(User.objects.get(username="agent0"))
    url = f"/feedback/?days=365&{query}"

    def call() -> object:
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return response

    return call


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heedful.settings")
    import django

    django.setup()
    from django.db import connection

    from heedful.feedback import rollups
    from heedful.feedback.models import Response

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else RUNS
    if Response.objects.exists():
        sys.exit(
            "This writes answers: point HEEDFUL_VAR_DIR (or DATABASE_URL) at an empty database."
        )
    _fill(n)
    started, cpu = time.perf_counter(), time.process_time()
    counted = rollups.rebuild()
    rebuild = {"rebuild_s": round(time.perf_counter() - started, 1)}
    rebuild["rebuild_cpu_s"] = round(time.process_time() - cpu, 1)
    print(json.dumps({"answers": counted, "db": connection.vendor, **rebuild}))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as after any large import (docs/performance.md)
    report(n, runs)


def report(n: int, runs: int) -> None:
    """Time the page over the answers already written (one JSON line per filter)."""
    from django.db import connection

    from heedful.feedback.tallies import load_tallies, scan_tallies

    for query in FILTERS:
        result = {
            "answers": n,
            "filter": query,
            "db": connection.vendor,
            "scan_ms": _timed(_figures(query, scan_tallies), max(3, runs // 4)),
            "counts_ms": _timed(_figures(query, load_tallies), runs),
            "page_ms": _timed(_page(query), runs),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        }
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
