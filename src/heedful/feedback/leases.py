"""One computation at a time across processes and machines (the topics): a lease row
taken by a conditional UPDATE, which PostgreSQL and SQLite both serialise, so the second
caller is told at once instead of failing halfway on a unique constraint. A lease that
is never given back (a killed worker) expires after its ``seconds``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.utils import timezone

from heedful.feedback.models import Lease


class Busy(Exception):
    """Someone else holds the lease; the message says until when at most."""


@contextmanager
def hold(name: str, *, seconds: int, what: str) -> Iterator[None]:
    holder, now = uuid.uuid4(), timezone.now()
    Lease.objects.get_or_create(name=name, defaults={"expires_at": now})
    taken = Lease.objects.filter(name=name, expires_at__lte=now).update(
        holder=holder, expires_at=now + timedelta(seconds=seconds)
    )
    if not taken:
        raise Busy(f"{what} is already running; this one is skipped.")
    try:
        yield
    finally:
        Lease.objects.filter(name=name, holder=holder).update(
            holder=None, expires_at=timezone.now()
        )


def is_held(name: str) -> bool:
    return Lease.objects.filter(name=name, expires_at__gt=timezone.now()).exists()
