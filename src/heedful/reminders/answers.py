"""The customer's answer to "did this solve it?".

"Yes" is written on the timeline. "No" is written on the timeline and, while the ticket
is still solved by the solve we asked about, adds the customer's message "No, I still
need help" (with their words, if any), which reopens the ticket as any customer reply
does (the customer waits on us again, SLA clocks resume); the agent is notified. The
same answer twice changes nothing; a changed answer is recorded again.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from django.db import transaction
from django.utils import timezone

from heedful.accounts.models import Notification, NotificationKind, User
from heedful.lib.errors import ActionError
from heedful.reminders.models import CheckAnswer, SolvedCheck
from heedful.tickets import tasks as ticket_tasks
from heedful.tickets.actions import do_add_message, record_event
from heedful.tickets.models import Channel, EventKind, Status, Ticket, TicketEvent

MAX_COMMENT_CHARS = 5000
NOT_SOLVED_TEXT = "No, I still need help. (Answer to “Did this solve it?”)"


class Outcome(StrEnum):
    RECORDED = "recorded"
    REOPENED = "reopened"
    # The same answer again (a link clicked twice): nothing changed.
    REPEATED = "repeated"
    # "No" on a closed ticket: recorded, but a closed ticket is not reopened.
    CLOSED = "closed"


def _solver(ticket: Ticket) -> User | None:
    """Who answers for the ticket: its assignee, else the agent who solved it."""
    if ticket.assignee is not None:
        return ticket.assignee
    changes = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.STATUS_CHANGED)
    # The latest few status changes, read in Python (a JSON equality differs by database).
    for event in changes.select_related("actor_user").order_by("-created_at", "-id")[:20]:
        if event.after == Status.SOLVED:
            return event.actor_user
    return None


def _notify_not_solved(ticket: Ticket, check: SolvedCheck) -> None:
    agent = _solver(ticket)
    if agent is None or not agent.is_full_agent:
        return
    notification = Notification.objects.create(
        recipient=agent,
        kind=NotificationKind.ASSIGNED,  # the closest kind: the agent answers for it
        ticket=ticket,
        text=f"{ticket.ref}: {check.contact.name} says this is not solved"[:300],
    )
    transaction.on_commit(
        lambda: ticket_tasks.email_notification.enqueue(notification_id=notification.pk)
    )


def _reopen(ticket: Ticket, check: SolvedCheck, comment: str, channel: str) -> Outcome:
    if ticket.status == Status.CLOSED:
        return Outcome.CLOSED
    if ticket.status != Status.SOLVED or ticket.solved_at != check.solved_at:
        return Outcome.RECORDED  # reopened (or solved again) since we asked: no second reopen
    body = NOT_SOLVED_TEXT + (f"\n\n{comment}" if comment else "")
    try:
        do_add_message(ticket, author=check.contact, body_text=body, channel=channel)
    except ActionError:
        # The contact may no longer write on this ticket (its requester changed).
        return Outcome.RECORDED
    return Outcome.REOPENED


@transaction.atomic
def do_answer_solved_check(
    check: SolvedCheck,
    answer: str,
    *,
    comment: str = "",
    channel: str = Channel.WEB,
    now: datetime | None = None,
) -> Outcome:
    if answer not in (CheckAnswer.SOLVED, CheckAnswer.NOT_SOLVED):
        raise ActionError("Answer yes or no.", field="answer")
    comment = comment.strip()
    if len(comment) > MAX_COMMENT_CHARS:
        raise ActionError(f"Keep it under {MAX_COMMENT_CHARS} characters.", field="comment")
    now = now or timezone.now()
    locked = (
        SolvedCheck.objects.select_for_update(of=("self",))
        .select_related("contact")
        .get(pk=check.pk)
    )
    if locked.answer == answer:
        return Outcome.REPEATED
    locked.answer, locked.answered_at, locked.updated_at = answer, now, now
    locked.save(update_fields=["answer", "answered_at", "updated_at"])
    check.answer, check.answered_at = answer, now
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("assignee")
        .get(pk=locked.ticket_id)
    )
    details = {"check": str(locked.public_id)}
    if answer == CheckAnswer.SOLVED:
        record_event(ticket, EventKind.SOLVED_CONFIRMED, locked.contact, after=details, at=now)
        return Outcome.RECORDED
    record_event(ticket, EventKind.SOLVED_DENIED, locked.contact, after=details, at=now)
    outcome = _reopen(ticket, locked, comment, channel)
    _notify_not_solved(ticket, locked)
    return outcome
