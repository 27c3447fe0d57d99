"""One computation at a time across processes and machines (the topics), on the
scheduler's lease rows (heedful.sla.lease): the second caller is told at once instead
of failing halfway on a unique constraint. A lease that is never given back (a killed
worker) expires after its ``seconds``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.utils import timezone

from heedful.sla import lease
from heedful.sla.models import SchedulerLease


class Busy(Exception):
    """Someone else holds the lease; the message says what is running."""


@contextmanager
def hold(name: str, *, seconds: int, what: str) -> Iterator[None]:
    holder = lease.new_holder_id()
    if not lease.acquire(name, holder, timedelta(seconds=seconds)):
        raise Busy(f"{what} is already running; this one is skipped.")
    try:
        yield
    finally:
        lease.release(name, holder)


def is_held(name: str) -> bool:
    return SchedulerLease.objects.filter(name=name, expires_at__gt=timezone.now()).exists()
