"""Detractor and bad-CSAT follow-ups: the only writers of :class:`FollowUpTask` (R9).

An answer of NPS 0-6 or CSAT 1-2 opens one task per survey request (an updated answer
never opens a second one), owned by the organization's account owner, else the ticket
team's lead, else the ticket's assignee (else nobody: it still shows under "all").
It is due FEEDBACK_FOLLOW_UP_DUE_DAYS later on a 24/7 calendar (weekends count).

The owner hears of it by an in-app "assigned" notification about the ticket, emailed by
the tickets' worker job; when the survey has no ticket (NPS), about the contact, and
emailed by this app's worker job with a link to the follow-up itself.

Closing records what was done; "tell the customer" emails the contact a short
"closing the loop" note, sent by the worker after commit, at most once.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from heedful.accounts.models import Notification, NotificationKind, User
from heedful.feedback.models import (
    FollowUpState,
    FollowUpTask,
    OwnerSource,
    QuestionMetric,
    Response,
    SurveyRequest,
)
from heedful.lib import businesstime
from heedful.lib.errors import ActionError, ActionForbidden
from heedful.lib.feedback_stats import NPS_DETRACTOR_UP_TO
from heedful.tickets.models import Ticket

log = logging.getLogger(__name__)

CSAT_BAD_UP_TO = 2
MAX_TEXT_CHARS = 5000
# No better calendar is known for an account owner, so days are 24/7 days.
FOLLOW_UP_CALENDAR = businesstime.AlwaysOpen()


def is_bad(metric: str, rating: int | None) -> bool:
    """NPS detractor (0-6) or bad CSAT (1-2)."""
    if rating is None:
        return False
    if metric == QuestionMetric.NPS:
        return rating <= NPS_DETRACTOR_UP_TO
    if metric == QuestionMetric.CSAT:
        return rating <= CSAT_BAD_UP_TO
    return False


def _active(user: User | None) -> User | None:
    return user if user is not None and user.is_active else None


def choose_owner(request: SurveyRequest) -> tuple[User | None, OwnerSource]:
    organization, ticket = request.organization, request.ticket
    owner = _active(organization.owner) if organization is not None else None
    if owner is not None:
        return owner, OwnerSource.ACCOUNT_OWNER
    if ticket is not None and ticket.team is not None:
        lead = _active(ticket.team.lead)
        if lead is not None:
            return lead, OwnerSource.TEAM_LEAD
    if ticket is not None:
        assignee = _active(ticket.assignee)
        if assignee is not None:
            return assignee, OwnerSource.ASSIGNEE
    return None, OwnerSource.NOBODY


def due_at_for(created_at: datetime) -> datetime:
    days = timedelta(days=settings.FEEDBACK_FOLLOW_UP_DUE_DAYS)
    return businesstime.add(FOLLOW_UP_CALENDAR, created_at, days)


def notification_text(task: FollowUpTask) -> str:
    label = "NPS" if task.metric == QuestionMetric.NPS else "CSAT"
    return f"Follow up: {task.contact.name} rated {label} {task.rating}"[:300]


def do_open_follow_up(request: SurveyRequest, response: Response) -> FollowUpTask | None:
    """Open the follow-up of a bad answer; None when the answer is not bad or the
    request already has one (an updated answer keeps the first task). Call inside the
    answer's transaction, with the request row locked."""
    if not is_bad(response.metric, response.rating):
        return None
    if FollowUpTask.objects.filter(request=request).exists():
        return None
    request = SurveyRequest.objects.select_related(
        "organization__owner", "ticket__team__lead", "ticket__assignee", "contact"
    ).get(pk=request.pk)
    owner, source = choose_owner(request)
    now = timezone.now()
    assert response.rating is not None  # is_bad() is False without a rating
    task = FollowUpTask.objects.create(
        request=request, response=response, metric=response.metric, rating=response.rating,
        contact=request.contact, organization=request.organization, ticket=request.ticket,
        owner=owner, owner_source=source, due_at=due_at_for(now), created_at=now, updated_at=now,
    )  # fmt: skip
    if owner is not None:
        _tell_owner(task, owner, request.ticket)
    return task


def _tell_owner(task: FollowUpTask, owner: User, ticket: Ticket | None) -> None:
    # "assigned", not "follow_up" (a reminder of heedful.reminders that fell due, shown
    # as "Follow-up due"): the owner now answers for this customer (and their ticket).
    notification = Notification.objects.create(
        recipient=owner, kind=NotificationKind.ASSIGNED, ticket=ticket,
        contact=task.contact if ticket is None else None, text=notification_text(task),
    )  # fmt: skip
    if ticket is not None:
        from heedful.tickets import tasks as ticket_tasks

        transaction.on_commit(
            lambda: ticket_tasks.email_notification.enqueue(notification_id=notification.pk)
        )
        return
    # Not the notification's email copy, which would link to the contact's page: the
    # follow-up, with its due time, is what the owner has to act on.
    from heedful.feedback.tasks import email_follow_up_owner

    task_id = task.pk
    transaction.on_commit(lambda: email_follow_up_owner.enqueue(follow_up_id=task_id))


def visible_follow_ups(user: User) -> QuerySet[FollowUpTask]:
    """Full agents see every follow-up; other staff only their own."""
    if not user.is_authenticated or not user.is_staff_member:
        return FollowUpTask.objects.none()
    if user.is_full_agent:
        return FollowUpTask.objects.all()
    return FollowUpTask.objects.filter(owner=user)


def get_follow_up_for_user(user: User, public_id: str) -> FollowUpTask:
    try:
        key = uuid.UUID(public_id)
    except ValueError:
        raise Http404("No such follow-up") from None
    found = (
        visible_follow_ups(user)
        .select_related("contact", "organization", "ticket", "owner", "response", "closed_by")
        .filter(public_id=key)
        .first()
    )
    if found is None:
        raise Http404("No such follow-up")
    return found


def _clean(text: str, field: str) -> str:
    text = text.strip()
    if len(text) > MAX_TEXT_CHARS:
        raise ActionError(f"Please keep it under {MAX_TEXT_CHARS} characters.", field=field)
    return text


def check_close_follow_up(
    task: FollowUpTask, *, actor: User, outcome: str, tell_customer: bool, customer_message: str
) -> tuple[str, str]:
    if not (actor.is_full_agent or task.owner_id == actor.pk):
        raise ActionForbidden("Only its owner or a full agent can close this follow-up.")
    if not task.is_open:
        raise ActionError("This follow-up is already closed.", code="closed")
    outcome = _clean(outcome, "outcome")
    if not outcome:
        raise ActionError("Please say what was done.", field="outcome")
    message = _clean(customer_message, "customer_message") if tell_customer else ""
    if tell_customer and not message:
        raise ActionError("Please write what to tell the customer.", field="customer_message")
    if tell_customer and not task.contact.email:
        raise ActionError("This customer has no email address.", field="tell_customer")
    return outcome, message


@transaction.atomic
def do_close_follow_up(
    task: FollowUpTask,
    *,
    actor: User,
    outcome: str,
    tell_customer: bool = False,
    customer_message: str = "",
) -> FollowUpTask:
    task = FollowUpTask.objects.select_for_update().select_related("contact").get(pk=task.pk)
    outcome, message = check_close_follow_up(
        task, actor=actor, outcome=outcome, tell_customer=tell_customer,
        customer_message=customer_message,
    )  # fmt: skip
    now = timezone.now()
    task.state, task.outcome, task.customer_message = FollowUpState.DONE, outcome, message
    task.closed_at, task.closed_by, task.updated_at = now, actor, now
    task.save(
        update_fields=["state", "outcome", "customer_message", "closed_at", "closed_by",
                       "updated_at"]
    )  # fmt: skip
    if message:
        from heedful.feedback.tasks import send_closing_the_loop

        task_id = task.pk
        transaction.on_commit(lambda: send_closing_the_loop.enqueue(follow_up_id=task_id))
    return task


def do_send_closing_the_loop(follow_up_id: int) -> bool:
    """The worker's half of "tell the customer": marked sent in the transaction that
    sends, so a failed send retries and a finished one never sends twice."""
    from heedful.feedback import emails

    with transaction.atomic():
        task = (
            FollowUpTask.objects.select_for_update(of=("self",))
            .select_related("contact", "ticket", "closed_by", "response")
            .filter(pk=follow_up_id, customer_told_at__isnull=True)
            .exclude(customer_message="")
            .first()
        )
        if task is None or not task.contact.email:
            return False
        task.customer_told_at = timezone.now()
        task.save(update_fields=["customer_told_at"])
        emails.send_closing_the_loop_email(task)
    log.info("feedback: closed the loop with %s", task.contact.email)
    return True


def do_email_owner(follow_up_id: int) -> bool:
    """Email the owner of a follow-up that has no ticket; once."""
    from heedful.feedback import emails

    with transaction.atomic():
        task = (
            FollowUpTask.objects.select_for_update(of=("self",))
            .select_related("contact", "owner")
            .filter(pk=follow_up_id, owner_emailed_at__isnull=True, owner__isnull=False)
            .first()
        )
        if task is None or task.owner is None or not task.owner.email:
            return False
        task.owner_emailed_at = timezone.now()
        task.save(update_fields=["owner_emailed_at"])
        emails.send_follow_up_owner_email(task)
    return True
