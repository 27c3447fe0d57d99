"""The one way to fetch a follow-up for a person, and the follow-ups a person may see.

A follow-up is visible to a staff member who may see its ticket or contact
(heedful.tickets.access) and who is the agent it is for, the one who set it, or a full
agent. Outsiders (customers, other light agents) get 404 and learn nothing.
"""

from __future__ import annotations

import uuid

from django.db.models import Q, QuerySet
from django.http import Http404

from heedful.accounts.models import User
from heedful.reminders.models import FollowUp
from heedful.tickets.access import visible_contacts, visible_tickets


def visible_targets(user: User, follow_ups: QuerySet[FollowUp]) -> QuerySet[FollowUp]:
    """Only follow-ups on tickets and contacts ``user`` may see (full agents see all)."""
    if not user.is_authenticated or not user.is_staff_member:
        return follow_ups.none()
    if user.is_full_agent:
        return follow_ups
    return follow_ups.filter(
        Q(ticket__in=visible_tickets(user)) | Q(contact__in=visible_contacts(user))
    )


def visible_follow_ups(user: User) -> QuerySet[FollowUp]:
    follow_ups = FollowUp.objects.all()
    if user.is_authenticated and user.is_staff_member and not user.is_full_agent:
        # Light agents see their own reminders only (those for them or set by them).
        follow_ups = follow_ups.filter(Q(agent=user) | Q(created_by=user))
    return visible_targets(user, follow_ups)


def get_follow_up_for_user(user: User, public_id: str) -> FollowUp:
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise Http404("No such follow-up") from None
    found = (
        visible_follow_ups(user)
        .select_related("ticket", "contact", "agent")
        .filter(public_id=key)
        .first()
    )
    if found is None:
        raise Http404("No such follow-up")
    return found
