"""The SLA scheduler: every few seconds, turn clocks that fall due into tasks.

Each pass, run by the one process that holds the lease (heedful.sla.lease):

1. for each active escalation rule, finds running clocks whose trigger instant has
   passed (``due_at`` minus the warning offset, or plus the breach offset) and that have
   no alert row for the rule yet — a range scan of the partial index on running clocks'
   ``due_at``, so clocks that fell due while no scheduler ran are found on the next pass;
2. inserts one :class:`ClockAlert` per (ticket, clock kind, round, rule); the unique
   constraint makes a second insert for the same round impossible;
3. queues the alerts whose ``fire_at`` has come (in-hours rules wait for the calendar
   to open) and re-queues any queued long ago and never sent (a lost task).

The tasks themselves (heedful.sla.tasks.fire_alert) lock the alert and mark it sent
with the changes they make, so nothing is sent twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import close_old_connections, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from heedful.lib.businesstime import BusinessCalendar
from heedful.sla import lease
from heedful.sla.cli import DEFAULT_INTERVAL
from heedful.sla.escalations import fire_at
from heedful.sla.models import (
    AlertState,
    AlertTrigger,
    ClockAlert,
    ClockState,
    EscalationRule,
    TicketClock,
)
from heedful.sla.policies import load_policies

log = logging.getLogger(__name__)

LEASE_NAME = "sla-scheduler"
# Clocks handled per rule and pass; the rest wait for the next pass (oldest first).
BATCH_SIZE = 500
# A queued alert not sent after this long is queued again (its task was lost).
REQUEUE_AFTER = timedelta(minutes=10)


@dataclass
class PassResult:
    leader: bool
    found: int = 0
    queued: list[int] = field(default_factory=list)


def _due_clocks(rule: EscalationRule, now: datetime) -> list[TicketClock]:
    offset = timedelta(minutes=rule.offset_minutes)
    horizon = now + offset if rule.trigger == AlertTrigger.WARNING else now - offset
    already = ClockAlert.objects.filter(
        ticket_id=OuterRef("ticket_id"),
        clock_kind=OuterRef("kind"),
        cycle=OuterRef("cycle"),
        rule=rule,
    )
    clocks = TicketClock.objects.filter(state=ClockState.RUNNING, due_at__lte=horizon)
    if rule.policy_id is not None:
        clocks = clocks.filter(policy_id=rule.policy_id)
    if rule.kinds:
        clocks = clocks.filter(kind__in=rule.kinds)
    if rule.priorities:
        clocks = clocks.filter(ticket__priority__in=rule.priorities)
    clocks = clocks.exclude(Exists(already)).order_by("due_at", "id")
    return list(clocks.only("id", "ticket_id", "kind", "cycle", "policy_id", "due_at")[:BATCH_SIZE])


def _new_alerts(
    rules: Sequence[EscalationRule], calendars: dict[int | None, BusinessCalendar], now: datetime
) -> int:
    alerts = [
        ClockAlert(
            ticket_id=clock.ticket_id,
            clock_kind=clock.kind,
            cycle=clock.cycle,
            rule=rule,
            state=AlertState.WAITING,
            due_at=clock.due_at,  # type: ignore[misc]  # running clocks always have one
            fire_at=fire_at(calendars.get(clock.policy_id), rule, now),
        )
        for rule in rules
        for clock in _due_clocks(rule, now)
    ]
    # A row another scheduler slipped in first (a lease that changed hands mid-pass)
    # is skipped by the unique constraint rather than doubled.
    ClockAlert.objects.bulk_create(alerts, ignore_conflicts=True)
    return len(alerts)


def _queue_ready(now: datetime) -> list[int]:
    ready = ClockAlert.objects.filter(state=AlertState.WAITING, fire_at__lte=now)
    lost = ClockAlert.objects.filter(state=AlertState.QUEUED, queued_at__lt=now - REQUEUE_AFTER)
    ids = [*ready.values_list("id", flat=True)[:BATCH_SIZE]]
    ids += lost.values_list("id", flat=True)[:BATCH_SIZE]
    if ids:
        ClockAlert.objects.filter(pk__in=ids).update(state=AlertState.QUEUED, queued_at=now)
    return ids


def _enqueue(alert_ids: list[int]) -> None:
    from heedful.sla.tasks import fire_alert

    for alert_id in alert_ids:
        fire_alert.enqueue(alert_id=alert_id)


def _enqueue_sweeps() -> None:
    """The scheduler's leader also starts other apps' periodic sweeps, so that exactly one
    process runs them: outgoing email retries and sends stuck in "sending", and survey
    requests whose deferred task was lost, NPS surveys on their cadence, webhook attempts
    over a minute late."""
    from heedful.feedback.tasks import schedule_nps_surveys, send_due_survey_requests
    from heedful.mail.tasks import send_due_outbound_emails
    from heedful.reminders.tasks import announce_follow_ups, send_solved_checks
    from heedful.webhooks.tasks import send_due_webhooks

    send_due_outbound_emails.enqueue()
    send_due_survey_requests.enqueue()
    schedule_nps_surveys.enqueue()
    announce_follow_ups.enqueue()
    send_solved_checks.enqueue()
    send_due_webhooks.enqueue()
    # Topics: the task itself looks at most every 10 minutes whether a computation is due.
    from heedful.feedback.tasks import recompute_topics_if_due

    recompute_topics_if_due.enqueue()


def run_pass(
    holder: str, *, now: datetime | None = None, ttl: timedelta | None = None
) -> PassResult:
    """One pass of the scheduler as ``holder``; does nothing unless it leads."""
    now = now or timezone.now()
    ttl = ttl or timedelta(seconds=3 * DEFAULT_INTERVAL)
    if not lease.acquire(LEASE_NAME, holder, ttl, now=now):
        return PassResult(leader=False)
    with transaction.atomic():
        rules = list(EscalationRule.objects.filter(is_active=True).order_by("position", "id"))
        found = 0
        if rules:
            calendars: dict[int | None, BusinessCalendar] = {
                m.rule.policy_id: m.rule.calendar for m in load_policies().rules
            }
            found = _new_alerts(rules, calendars, now)
        queued = _queue_ready(now)
        transaction.on_commit(lambda: _enqueue(queued))
        transaction.on_commit(_enqueue_sweeps)
    if found or queued:
        log.info("sla scheduler: %s alert(s) found, %s queued", found, len(queued))
    return PassResult(leader=True, found=found, queued=queued)


def run_forever(interval: float, stop: threading.Event, holder: str | None = None) -> None:
    """Pass after pass until ``stop`` is set; errors are logged, never fatal."""
    holder = holder or lease.new_holder_id()
    ttl = timedelta(seconds=max(3 * interval, 10))
    try:
        while not stop.is_set():
            close_old_connections()
            try:
                run_pass(holder, ttl=ttl)
            except Exception:
                log.exception("sla scheduler pass failed; trying again in %s s", interval)
            stop.wait(interval)
    finally:
        lease.release(LEASE_NAME, holder)


@dataclass
class SchedulerThread:
    """The scheduler running beside the task worker (``heedful worker``)."""

    thread: threading.Thread
    stop_event: threading.Event

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop after the pass in progress and give the lease back, so that another
        process leads at once instead of after the lease expires; True once stopped."""
        self.stop_event.set()
        self.thread.join(timeout)
        return not self.thread.is_alive()


def start_in_thread(
    interval: float = DEFAULT_INTERVAL, holder: str | None = None
) -> SchedulerThread:
    """Run the scheduler in a thread; :meth:`SchedulerThread.stop` ends it cleanly. The
    thread is a daemon so that a crash never hangs the process, which is why a clean
    shutdown must call ``stop``: a daemon killed at exit skips its ``finally``."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_forever, args=(interval, stop, holder), name="sla-scheduler", daemon=True
    )
    thread.start()
    return SchedulerThread(thread, stop)
