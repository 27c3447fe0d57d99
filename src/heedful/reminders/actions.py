"""The only writers of follow-ups: set, complete, cancel (the due sweep is in due.py).

Each runs in a transaction and writes one event on the ticket's timeline when the
follow-up is on a ticket. Light agents may set follow-ups for themselves only (like
Zendesk's light agents, who may keep their own reminders); customers never.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from heedful.accounts.models import User
from heedful.customers.models import Contact
from heedful.lib.errors import ActionError, ActionForbidden
from heedful.reminders.events import follow_up_details
from heedful.reminders.models import FollowUp, FollowUpState
from heedful.tickets.access import visible_contacts, visible_tickets
from heedful.tickets.actions import record_event
from heedful.tickets.models import EventKind, Ticket

# When a follow-up is due if the agent gives a date only: the start of the working day
# in the desk's time zone (agents have no time zone or hours of their own yet).
DEFAULT_TIME = time(9, 0)
MAX_AHEAD = timedelta(days=2 * 366)
MAX_NOTE_CHARS = 200


def desk_zone() -> ZoneInfo:
    return ZoneInfo(str(settings.TIME_ZONE))


def due_instant(day: date, at: time | None, *, now: datetime) -> datetime:
    """The instant of "follow up on ``day`` (at ``at``)" in the desk's time zone.

    A day in the past is refused; today at a time already past is due at once, which is
    what "remind me today" means."""
    zone = desk_zone()
    today = timezone.localtime(now, zone).date()
    if day < today:
        raise ActionError("Pick today or a later date.", field="due_on")
    due = datetime.combine(day, at or DEFAULT_TIME, tzinfo=zone)
    if due - now > MAX_AHEAD:
        raise ActionError("Pick a date within the next two years.", field="due_on")
    return due


def _check_target(ticket: Ticket | None, contact: Contact | None) -> None:
    if (ticket is None) == (contact is None):
        raise ActionError("A follow-up is on one ticket or one contact.")


def _check_agent(actor: User, agent: User, ticket: Ticket | None, contact: Contact | None) -> None:
    if not actor.is_staff_member:
        raise ActionForbidden("Only staff members can set follow-ups.")
    if agent.pk != actor.pk and not actor.is_full_agent:
        raise ActionForbidden("Light agents can set follow-ups for themselves only.")
    if not agent.is_staff_member:
        raise ActionError("Follow-ups are for staff members.", field="agent")
    if ticket is not None and not visible_tickets(agent).filter(pk=ticket.pk).exists():
        raise ActionError(f"{agent.display_name} cannot see this ticket.", field="agent")
    if contact is not None and not visible_contacts(agent).filter(pk=contact.pk).exists():
        raise ActionError(f"{agent.display_name} cannot see this contact.", field="agent")


@transaction.atomic
def do_set_follow_up(
    *,
    actor: User,
    due_on: date,
    at: time | None = None,
    ticket: Ticket | None = None,
    contact: Contact | None = None,
    agent: User | None = None,
    note: str = "",
    now: datetime | None = None,
) -> FollowUp:
    """ "Follow up on <date>" for ``agent`` (the actor by default)."""
    now = now or timezone.now()
    agent = agent or actor
    _check_target(ticket, contact)
    _check_agent(actor, agent, ticket, contact)
    note = " ".join(note.split())
    if len(note) > MAX_NOTE_CHARS:
        raise ActionError(f"Keep the note under {MAX_NOTE_CHARS} characters.", field="note")
    follow_up = FollowUp.objects.create(
        ticket=ticket,
        contact=contact,
        agent=agent,
        created_by=actor,
        due_at=due_instant(due_on, at, now=now),
        note=note,
        created_at=now,
        updated_at=now,
    )
    if ticket is not None:
        details = follow_up_details(follow_up)
        record_event(ticket, EventKind.FOLLOW_UP_SET, actor, after=details, at=now)
    return follow_up


def check_act_on_follow_up(actor: User, follow_up: FollowUp) -> None:
    """Full agents may close anyone's follow-up; light agents their own only."""
    if not actor.is_staff_member:
        raise ActionForbidden("Only staff members can change follow-ups.")
    mine = actor.pk in (follow_up.agent_id, follow_up.created_by_id)
    if not actor.is_full_agent and not mine:
        raise ActionForbidden("Light agents can change their own follow-ups only.")


def _close(follow_up: FollowUp, state: FollowUpState, actor: User, now: datetime | None) -> bool:
    check_act_on_follow_up(actor, follow_up)
    locked = (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("agent")
        .get(pk=follow_up.pk)
    )
    if locked.state == state:
        return False  # a second click, or a form sent twice
    if locked.state != FollowUpState.PENDING:
        raise ActionError(f"This follow-up is already {locked.get_state_display().lower()}.")
    now = now or timezone.now()
    locked.state = state
    stamp = "done_at" if state == FollowUpState.DONE else "cancelled_at"
    setattr(locked, stamp, now)
    locked.updated_at = now
    locked.save(update_fields=["state", stamp, "updated_at"])
    if locked.ticket_id is not None:
        kind = (
            EventKind.FOLLOW_UP_DONE
            if state == FollowUpState.DONE
            else EventKind.FOLLOW_UP_CANCELLED
        )
        ticket = Ticket.objects.get(pk=locked.ticket_id)
        record_event(ticket, kind, actor, after=follow_up_details(locked), at=now)
    follow_up.state = locked.state
    return True


@transaction.atomic
def do_complete_follow_up(follow_up: FollowUp, *, actor: User, now: datetime | None = None) -> bool:
    """Mark it done; False when it already was (idempotent)."""
    return _close(follow_up, FollowUpState.DONE, actor, now)


@transaction.atomic
def do_cancel_follow_up(follow_up: FollowUp, *, actor: User, now: datetime | None = None) -> bool:
    """Drop it; False when it already was cancelled (idempotent)."""
    return _close(follow_up, FollowUpState.CANCELLED, actor, now)
