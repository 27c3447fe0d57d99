"""A scheduler that stops cleanly gives its lease back: another process leads at once."""

from __future__ import annotations

import argparse
import threading
from datetime import timedelta
from typing import Any

import pytest

from heedful import cli
from heedful.sla import lease, scheduler
from heedful.sla.models import SchedulerLease
from heedful.sla.scheduler import LEASE_NAME, PassResult, start_in_thread

TTL = timedelta(seconds=90)

# The thread uses its own database connection: it must see committed rows.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def first_pass(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Set once the thread's first pass is over. The thread then waits an interval
    (long, below) without touching the database, so the test can read and write it:
    SQLite's shared in-memory test database refuses two threads at a time."""
    done = threading.Event()
    real_pass = scheduler.run_pass

    def run_pass(holder: str, **kwargs: Any) -> PassResult:
        result = real_pass(holder, **kwargs)
        done.set()
        return result

    monkeypatch.setattr(scheduler, "run_pass", run_pass)
    # Other apps' periodic sweeps (run inline by the test task backend) are not what
    # these tests are about.
    monkeypatch.setattr(scheduler, "_enqueue_sweeps", lambda: None)
    return done


def test_it_gives_the_lease_back_when_the_thread_stops(first_pass: threading.Event) -> None:
    thread = start_in_thread(interval=60, holder="worker-a:1:x")
    assert first_pass.wait(10)
    assert SchedulerLease.objects.get(name=LEASE_NAME).holder == "worker-a:1:x"
    assert lease.acquire(LEASE_NAME, "worker-b:2:y", TTL) is False
    assert thread.stop() is True
    assert SchedulerLease.objects.get(name=LEASE_NAME).holder == ""
    assert lease.acquire(LEASE_NAME, "worker-b:2:y", TTL) is True


def test_it_releases_the_lease_when_the_worker_gets_sigterm(
    first_pass: threading.Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    holders: list[str] = []

    def db_worker_stopped_by_sigterm(*args: str) -> None:
        assert first_pass.wait(10)
        holders.append(SchedulerLease.objects.get(name=LEASE_NAME).holder)
        # django-tasks-db's worker ends with SystemExit when SIGTERM arrives.
        raise SystemExit(0)

    monkeypatch.setattr(cli, "_manage", db_worker_stopped_by_sigterm)
    with pytest.raises(SystemExit):
        cli.cmd_worker(argparse.Namespace(no_scheduler=False, interval=0.5))
    assert len(holders) == 1 and holders[0].count(":") == 2
    assert SchedulerLease.objects.get(name=LEASE_NAME).holder == ""
    assert lease.acquire(LEASE_NAME, "worker-b:2:y", TTL) is True
