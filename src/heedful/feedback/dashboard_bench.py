"""How long the feedback page's scores take over N generated answers.

Writes N CSAT answers (spread over two years, 200 organizations, 2,000 contacts) into
an EMPTY database, then times the figures of /feedback/?days=365 (the two GROUP BY
queries and the statistics), best of five, without and with a plan filter:

    export HEEDFUL_VAR_DIR=$(mktemp -d) && heedful manage migrate
    python -m heedful.feedback.dashboard_bench 100000

It refuses a database that already holds survey answers.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from datetime import timedelta


def _fill(n: int) -> None:
    from django.utils import timezone

    from heedful.customers.models import Contact, Organization
    from heedful.feedback.models import RequestState, Response, SurveyRequest
    from heedful.feedback.surveys import RATING, csat_survey

    rng = random.Random(1)
    survey = csat_survey()
    question = survey.questions.get(key=RATING)
    plans = ["starter", "enterprise"]
    orgs = Organization.objects.bulk_create(
        [Organization(name=f"Org {i}", plan=rng.choice(plans)) for i in range(200)]
    )
    contacts = Contact.objects.bulk_create(
        [
            Contact(name=f"C{i}", email=f"c{i}@bench.test", organization=orgs[i % 200])
            for i in range(2000)
        ]
    )
    now = timezone.now()
    requests = SurveyRequest.objects.bulk_create(
        [
            SurveyRequest(
                survey=survey,
                contact=contacts[i % 2000],
                organization=orgs[i % 2000 % 200],
                state=RequestState.ANSWERED,
                due_at=now,
            )
            for i in range(n)
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
                rating=rng.randint(1, 5),
                created_at=now - timedelta(days=rng.uniform(0, 730)),
            )
            for r in requests
        ],
        batch_size=2000,
    )


def _time(query: str) -> float:
    from django.http import QueryDict
    from django.utils import timezone

    from heedful.feedback.dashboard import load_tallies, panels
    from heedful.feedback.segments import Choices, parse_segment

    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        now = timezone.now()
        since = now - timedelta(days=365)
        segment = parse_segment(QueryDict(query), Choices.load())
        tallies = load_tallies(
            previous_since=since - timedelta(days=365), since=since, now=now, segment=segment
        )
        panels(tallies, since=since, now=now, segment=segment)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heedful.settings")
    import django

    django.setup()
    from django.db import connection

    from heedful.feedback.models import Response

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    if Response.objects.exists():
        sys.exit(
            "This writes answers: point HEEDFUL_VAR_DIR (or DATABASE_URL) at an empty database."
        )
    _fill(n)
    for query in ("", "plan=enterprise"):
        ms = _time(query) * 1000
        result = {"answers": n, "filter": query, "db": connection.vendor, "best_ms": round(ms)}
        print(json.dumps(result))


if __name__ == "__main__":
    main()
