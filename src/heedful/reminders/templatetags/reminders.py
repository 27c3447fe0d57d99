"""``{% ticket_follow_ups %}`` and ``{% contact_follow_ups contact %}``: the "Follow up
on…" panel of the ticket page and the contact page (one query each); and
``{% solved_check_question ticket %}``: the portal's "Did this solve it?" box."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from heedful.customers.models import Contact
from heedful.reminders.actions import desk_zone
from heedful.reminders.links import check_path
from heedful.reminders.models import CheckAnswer, FollowUp, FollowUpState, SolvedCheck
from heedful.tickets.models import Status, Ticket

register = template.Library()


def _panel(context: template.Context, follow_ups: Any, action_url: str) -> dict[str, Any]:
    request = context["request"]
    pending = list(
        follow_ups.filter(state=FollowUpState.PENDING)
        .select_related("agent")
        .order_by("due_at", "id")[:20]
    )
    return {
        "request": request,
        "user": request.user,
        "csrf_token": context.get("csrf_token"),
        "follow_ups": pending,
        "action_url": action_url,
        "agents": context.get("agents") or [],
        "today": timezone.localtime(timezone.now(), desk_zone()).date().isoformat(),
        "zone": str(settings.TIME_ZONE),
        "now": timezone.now(),
        "next": request.get_full_path(),
    }


@register.inclusion_tag("reminders/panel.html", takes_context=True)
def ticket_follow_ups(context: template.Context, ticket: Ticket) -> dict[str, Any]:
    url = reverse("reminders:set_on_ticket", args=[ticket.ref])
    return _panel(context, FollowUp.objects.filter(ticket=ticket), url)


@register.inclusion_tag("reminders/panel.html", takes_context=True)
def contact_follow_ups(context: template.Context, contact: Contact) -> dict[str, Any]:
    url = reverse("reminders:set_on_contact", args=[contact.public_id])
    return _panel(context, FollowUp.objects.filter(contact=contact), url)


@register.inclusion_tag("reminders/portal_question.html", takes_context=True)
def solved_check_question(context: template.Context, ticket: Ticket) -> dict[str, Any]:
    """For a solved ticket whose solve was checked: the same question as the email."""
    if ticket.status != Status.SOLVED or ticket.solved_at is None or not settings.SOLVED_CHECK:
        return {"check": None}
    found = SolvedCheck.objects.filter(ticket=ticket, solved_at=ticket.solved_at).first()
    if found is None:
        return {"check": None}
    return {
        "check": found,
        "csrf_token": context.get("csrf_token"),
        "yes_url": check_path(found, "yes"),
        "no_url": check_path(found, "no"),
        "answered_solved": found.answer == CheckAnswer.SOLVED,
        "answered_not_solved": found.answer == CheckAnswer.NOT_SOLVED,
    }
