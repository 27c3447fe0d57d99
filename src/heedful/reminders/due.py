"""Follow-ups that fall due: the sweep the scheduler's leader enqueues every pass.

For each pending follow-up whose ``due_at`` has passed and that was not announced yet:
the ticket (if any) gets a "follow-up due" event and, when it waits on the customer
(pending) or was solved, goes back to open so it shows in the normal inboxes too; the
agent gets one in-app notification about the ticket or the contact, if they still may see
it. ``notified_at`` is set in the same transaction as all of this, with the row locked,
so a restart or a second sweep never repeats it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from heedful.accounts.models import Notification, NotificationKind
from heedful.customers.models import Contact
from heedful.reminders.events import follow_up_details
from heedful.reminders.models import FollowUp, FollowUpState
from heedful.sla.escalations import get_bot
from heedful.tickets import tasks as ticket_tasks
from heedful.tickets.access import visible_contacts, visible_tickets
from heedful.tickets.actions import do_change_status, record_event
from heedful.tickets.models import EventKind, Status, Ticket

log = logging.getLogger(__name__)

BATCH_SIZE = 200
# A due follow-up brings these back to open; new, open and on-hold tickets stay as they are.
REOPENED_BY_FOLLOW_UP = (Status.PENDING, Status.SOLVED)


def due_follow_up_ids(now: datetime) -> list[int]:
    """Oldest first, through the partial index on unannounced pending follow-ups."""
    due = FollowUp.objects.filter(
        state=FollowUpState.PENDING, notified_at__isnull=True, due_at__lte=now
    )
    return list(due.order_by("due_at", "id").values_list("id", flat=True)[:BATCH_SIZE])


def _notify(follow_up: FollowUp, *, ticket: Ticket | None, contact: Contact | None) -> None:
    """One in-app notification to the agent (emailed by the tickets' worker job)."""
    notification = Notification(
        recipient=follow_up.agent,
        kind=NotificationKind.FOLLOW_UP,
        ticket=ticket,
        contact=contact,
        actor=follow_up.created_by,
    )
    note = f": {follow_up.note}" if follow_up.note else ""
    notification.text = f"Follow up on {notification.target_label}{note}"[:300]
    notification.save()
    transaction.on_commit(
        lambda: ticket_tasks.email_notification.enqueue(notification_id=notification.pk)
    )


def _announce_on_ticket(follow_up: FollowUp, ticket_id: int, now: datetime) -> None:
    ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
    record_event(ticket, EventKind.FOLLOW_UP_DUE, None, after=follow_up_details(follow_up), at=now)
    if ticket.status in REOPENED_BY_FOLLOW_UP:
        do_change_status(ticket, Status.OPEN, actor=get_bot(), at=now)
    agent = follow_up.agent
    if agent.is_staff_member and visible_tickets(agent).filter(pk=ticket.pk).exists():
        _notify(follow_up, ticket=ticket, contact=None)


def _announce_on_contact(follow_up: FollowUp, contact_id: int) -> None:
    # Nothing for an agent who lost sight of the contact (or left the staff).
    contact = visible_contacts(follow_up.agent).filter(pk=contact_id).first()
    if contact is not None:
        _notify(follow_up, ticket=None, contact=contact)


@transaction.atomic
def do_announce_follow_up(follow_up_id: int, *, now: datetime | None = None) -> bool:
    """Announce one due follow-up, exactly once; False when there was nothing to do."""
    now = now or timezone.now()
    follow_up = (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("agent", "created_by")
        .filter(pk=follow_up_id, state=FollowUpState.PENDING, notified_at__isnull=True)
        .first()
    )
    if follow_up is None or follow_up.due_at > now:
        return False
    follow_up.notified_at = now
    follow_up.updated_at = now
    follow_up.save(update_fields=["notified_at", "updated_at"])
    if follow_up.ticket_id is not None:
        _announce_on_ticket(follow_up, follow_up.ticket_id, now)
    elif follow_up.contact_id is not None:
        _announce_on_contact(follow_up, follow_up.contact_id)
    return True


def announce_due_follow_ups(*, now: datetime | None = None) -> int:
    """One batch of due follow-ups, each in its own transaction; how many were announced."""
    now = now or timezone.now()
    announced = 0
    for follow_up_id in due_follow_up_ids(now):
        try:
            announced += do_announce_follow_up(follow_up_id, now=now)
        except Exception:
            # One broken row must not stop the others; it is tried again next sweep.
            log.exception("reminders: follow-up %s could not be announced", follow_up_id)
    if announced:
        log.info("reminders: %s follow-up(s) due", announced)
    return announced
