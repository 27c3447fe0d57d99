"""How the follow-up queries scale: the sidebar count, the Follow-ups due list (its first
page and a late one) and the due sweep, over many follow-ups. Prints JSON (milliseconds,
p50 and p95 of 50 runs, wall and CPU time).

    heedful manage migrate && heedful manage shell -c \\
        "from heedful.reminders.bench import main; main(100_000)"

Writes into the configured database: run it on a scratch one (HEEDFUL_VAR_DIR=$(mktemp -d)).
"""

from __future__ import annotations

import json
import random
import statistics
import time
from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from heedful.accounts.models import Role, User
from heedful.customers.models import Contact
from heedful.reminders.due import due_follow_up_ids
from heedful.reminders.listing import follow_ups_page
from heedful.reminders.models import FollowUp, FollowUpState
from heedful.web.context_processors import frame_counts

AGENTS = 50


def _timed(run: Callable[[], object], repeat: int = 50) -> dict[str, float]:
    """Wall and CPU time of this process (all of SQLite's work, none of PostgreSQL's)."""
    run()
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        run()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return {**_percentiles(wall, ""), **_percentiles(cpu, "cpu_")}


def _percentiles(samples: list[float], prefix: str) -> dict[str, float]:
    samples = sorted(samples)
    return {
        f"{prefix}p50_ms": round(statistics.median(samples), 3),
        f"{prefix}p95_ms": round(samples[int(len(samples) * 0.95) - 1], 3),
    }


def _world(count: int) -> list[User]:
    agents = [
        User.objects.get_or_create(username=f"bench-agent-{i}", defaults={"role": Role.AGENT})[0]
        for i in range(AGENTS)
    ]
    contact, _ = Contact.objects.get_or_create(email="bench@example.test", defaults={"name": "B"})
    now = timezone.now()
    rng = random.Random(7)
    states = [FollowUpState.PENDING] * 6 + [FollowUpState.DONE] * 3 + [FollowUpState.CANCELLED]
    rows = [
        FollowUp(
            contact=contact,
            agent=rng.choice(agents),
            due_at=now + timedelta(minutes=rng.randint(-60 * 24 * 90, 60 * 24 * 30)),
            state=rng.choice(states),
            notified_at=now,
        )
        for _ in range(count)
    ]
    FollowUp.objects.bulk_create(rows, batch_size=5000)
    return agents


def main(count: int = 100_000) -> None:
    agents = _world(count)
    agent = agents[0]
    now = timezone.now()

    # The cursor of a late page: the 800th row of about 900 due (page 9 of 100 rows).
    deep = follow_ups_page(agent, due=True, now=now, size=800).next_cursor

    result = {
        "follow_ups": FollowUp.objects.count(),
        "agents": AGENTS,
        "sidebar_counts_one_query": _timed(lambda: frame_counts(agent)),
        "due_rows_of_the_agent": FollowUp.objects.filter(
            agent=agent, state=FollowUpState.PENDING, due_at__lte=now
        ).count(),
        "follow_ups_due_list_100_rows": _timed(lambda: follow_ups_page(agent, due=True, now=now)),
        "follow_ups_due_list_page_9": _timed(
            lambda: follow_ups_page(agent, due=True, now=now, cursor=deep)
        ),
        "due_sweep_batch": _timed(lambda: due_follow_up_ids(now)),
    }
    print(json.dumps(result, indent=2))
