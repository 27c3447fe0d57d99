"""Breach warnings and escalations: what a due :class:`ClockAlert` does.

Changes to the ticket go through the ticket actions (so they are logged, notify the
people concerned and recompute the clocks) with the dedicated staff user
``heedful-bot`` as the actor; notifications are in-app with an email copy sent by the
worker, like every other notification.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from enum import StrEnum

from django.db import IntegrityError, transaction
from django.utils import timezone

from heedful.accounts.actions import do_create_user
from heedful.accounts.models import Notification, NotificationKind, Role, User
from heedful.lib.businesstime import BusinessCalendar
from heedful.lib.errors import ActionError
from heedful.sla.models import (
    AlertState,
    AlertTrigger,
    ClockAlert,
    ClockKind,
    ClockState,
    EscalationRule,
    TicketClock,
)
from heedful.sla.policies import load_policies
from heedful.tickets import tasks as ticket_tasks
from heedful.tickets.models import Priority, Ticket

log = logging.getLogger(__name__)

BOT_USERNAME = "heedful-bot"
PRIORITY_RANK = {value: rank for rank, value in enumerate(Priority.values)}


class Outcome(StrEnum):
    SENT = "sent"
    # The clock was reached, paused or moved since: nothing to do (the alert row is
    # removed, so it fires again if the clock becomes due again).
    DROPPED = "dropped"
    # An in-hours rule outside the calendar's hours: waits for the next opening.
    WAITING = "waiting"
    # Already sent (a retried or doubled task).
    DONE = "done"


def get_bot() -> User:
    """The staff user that signs automatic changes (created on first use)."""
    bot = User.objects.filter(username=BOT_USERNAME).first()
    if bot is not None:
        return bot
    try:
        with transaction.atomic():
            return do_create_user(
                BOT_USERNAME, role=Role.AGENT, first_name="Heedful", last_name="bot"
            )
    except (ActionError, IntegrityError):
        # Created by a concurrent task between our look-up and our insert.
        return User.objects.get(username=BOT_USERNAME)


def fire_at(calendar: BusinessCalendar | None, rule: EscalationRule, now: datetime) -> datetime:
    """Now, or for an in-hours rule the calendar's next opening (now when open)."""
    if not rule.only_in_service_hours or calendar is None:
        return now
    return max(now, next(iter(calendar.open_spans(now)))[0])


def trigger_instant(rule: EscalationRule, due_at: datetime) -> datetime:
    """When ``rule`` fires for a clock due at ``due_at``."""
    offset = timedelta(minutes=rule.offset_minutes)
    return due_at - offset if rule.trigger == AlertTrigger.WARNING else due_at + offset


def _still_due(alert: ClockAlert, clock: TicketClock | None, now: datetime) -> bool:
    if clock is None or clock.state != ClockState.RUNNING or clock.due_at is None:
        return False
    return trigger_instant(alert.rule, clock.due_at) <= now


def _notify(recipient: User, ticket: Ticket, *, actor: User, text: str) -> None:
    # No SLA kind of notification exists yet (accounts.models): "assigned" is the
    # closest — it is about a ticket the recipient answers for.
    notification = Notification.objects.create(
        recipient=recipient, kind=NotificationKind.ASSIGNED, ticket=ticket, actor=actor, text=text
    )
    transaction.on_commit(
        lambda: ticket_tasks.email_notification.enqueue(notification_id=notification.pk)
    )


def alert_text(alert: ClockAlert, ticket: Ticket) -> str:
    label = ClockKind(alert.clock_kind).label.lower()
    due = timezone.localtime(alert.due_at).strftime("%a %H:%M")
    if alert.rule.trigger == AlertTrigger.WARNING:
        return f"{ticket.ref}: {label} due {due}, breaching soon"
    return f"{ticket.ref}: {label} breached (was due {due})"


def _apply_rule(alert: ClockAlert, ticket: Ticket, bot: User) -> None:
    from heedful.tickets.actions import do_assign_ticket, do_change_priority, do_change_team

    rule = alert.rule
    text = alert_text(alert, ticket)
    if rule.raise_priority_to and (
        PRIORITY_RANK[rule.raise_priority_to] > PRIORITY_RANK[ticket.priority]
    ):
        do_change_priority(ticket, rule.raise_priority_to, actor=bot)
    if rule.reassign_to_team is not None and ticket.team_id != rule.reassign_to_team.pk:
        do_change_team(ticket, rule.reassign_to_team, actor=bot)
    if rule.reassign_to_user is not None and ticket.assignee_id != rule.reassign_to_user.pk:
        # The assignment action notifies the new assignee itself.
        do_assign_ticket(ticket, rule.reassign_to_user, actor=bot)
    recipients: dict[int, User] = {}
    if rule.notify_assignee and ticket.assignee is not None:
        recipients[ticket.assignee.pk] = ticket.assignee
    if rule.notify_team_lead and ticket.team is not None and ticket.team.lead is not None:
        recipients[ticket.team.lead.pk] = ticket.team.lead
    for user in recipients.values():
        if user.is_active and user.is_staff_member:
            _notify(user, ticket, actor=bot, text=text)


@transaction.atomic
def do_fire_alert(alert_id: int, *, now: datetime | None = None) -> Outcome:
    """Send one warning or escalation, exactly once: the alert row is locked and marked
    sent in the same transaction as the changes it makes, so a crash rolls both back
    and a retry (or a second task for the same alert) finds it sent."""
    now = now or timezone.now()
    alert = (
        ClockAlert.objects.select_for_update(of=("self",))
        .select_related("rule", "rule__reassign_to_team", "rule__reassign_to_user")
        .filter(pk=alert_id)
        .first()
    )
    if alert is None:
        return Outcome.DROPPED
    if alert.state == AlertState.SENT:
        return Outcome.DONE
    clock = TicketClock.objects.filter(
        ticket_id=alert.ticket_id, kind=alert.clock_kind, cycle=alert.cycle
    ).first()
    if not _still_due(alert, clock, now) or not alert.rule.is_active:
        alert.delete()
        return Outcome.DROPPED
    assert clock is not None
    if alert.rule.only_in_service_hours:
        calendars = {m.rule.policy_id: m.rule.calendar for m in load_policies().rules}
        opens = fire_at(calendars.get(clock.policy_id), alert.rule, now)
        if opens > now:
            alert.state, alert.fire_at, alert.queued_at = AlertState.WAITING, opens, None
            alert.save(update_fields=["state", "fire_at", "queued_at"])
            return Outcome.WAITING
    ticket = Ticket.objects.select_related("assignee", "team__lead").get(pk=alert.ticket_id)
    _apply_rule(alert, ticket, get_bot())
    alert.state, alert.sent_at = AlertState.SENT, now
    alert.save(update_fields=["state", "sent_at"])
    log.info("sla alert %s sent for %s (%s)", alert.pk, ticket.ref, alert.rule.name)
    return Outcome.SENT
