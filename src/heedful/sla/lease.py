"""One leader at a time, across processes, machines and restarts: a lease row.

A process leads while it holds the row ``SchedulerLease(name)``: it takes it with one
atomic ``UPDATE ... WHERE name = %s AND (expires_at < now OR holder = me)`` and renews
it on every pass. Both SQLite (a write locks the database) and PostgreSQL (the UPDATE
locks the row and re-checks its WHERE after a concurrent commit) let exactly one of
two racing UPDATEs match. A crashed leader is replaced once its lease expires; a leader
that stops cleanly gives the lease back at once.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from heedful.sla.models import SchedulerLease

NEVER = datetime(2000, 1, 1, tzinfo=UTC)


def new_holder_id() -> str:
    """Unique per process start: host, process id and a random part (a restarted
    process with a recycled pid is still a new holder)."""
    return f"{socket.gethostname()[:100]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _ensure_row(name: str) -> None:
    if SchedulerLease.objects.filter(name=name).exists():
        return
    try:
        with transaction.atomic():
            SchedulerLease.objects.create(name=name, holder="", expires_at=NEVER)
    except IntegrityError:
        pass  # another process created it first: fine, we only needed it to exist


def acquire(name: str, holder: str, ttl: timedelta, *, now: datetime | None = None) -> bool:
    """Take or renew the lease for ``ttl``; True when ``holder`` leads until then."""
    now = now or timezone.now()
    _ensure_row(name)
    taken = (
        SchedulerLease.objects.filter(name=name)
        .filter(Q(expires_at__lt=now) | Q(holder=holder))
        .update(holder=holder, expires_at=now + ttl, updated_at=now)
    )
    return taken == 1


def release(name: str, holder: str) -> bool:
    """Give the lease back (on a clean stop) so the next process need not wait."""
    return (
        SchedulerLease.objects.filter(name=name, holder=holder).update(holder="", expires_at=NEVER)
        == 1
    )
