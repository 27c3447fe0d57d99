"""Customer 360: a contact's or an organization's profile and every ticket they raised."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Max, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from heedful.feedback.customer_sentiment import contact_sentiment, organization_sentiment
from heedful.lib.errors import ActionForbidden
from heedful.portal.actions import do_set_ticket_sharing
from heedful.portal.models import OrganizationPortal
from heedful.tickets.access import (
    get_contact_for_user,
    get_organization_for_user,
    visible_contacts,
    visible_tickets,
)
from heedful.tickets.models import UNSOLVED_STATUSES, Ticket
from heedful.web.decorators import StaffRequest, staff_required

TICKETS_SHOWN = 50
CONTACTS_SHOWN = 50


def _ticket_summary(tickets: QuerySet[Ticket]) -> dict[str, object]:
    return {
        "open_count": tickets.filter(status__in=UNSOLVED_STATUSES).count(),
        "ticket_count": tickets.count(),
        "tickets": list(
            tickets.select_related("assignee", "requester").order_by("-created_at", "-id")[
                :TICKETS_SHOWN
            ]
        ),
        "tickets_shown": TICKETS_SHOWN,
    }


def _limit(request: StaffRequest) -> QuerySet[Ticket] | None:
    """The tickets whose messages the viewer may count; None for all (full agents)."""
    return None if request.user.is_full_agent else visible_tickets(request.user)


@staff_required
def contact(request: StaffRequest, public_id: uuid.UUID) -> HttpResponse:
    person = get_contact_for_user(request.user, str(public_id))
    organization = person.organization
    context = {
        **_ticket_summary(visible_tickets(request.user).filter(requester=person)),
        "contact": person,
        "organization": organization,
        "owner": organization.owner if organization else None,
        "last_contact_at": person.last_contact_at,
        "sentiment": contact_sentiment(person, timezone.now(), _limit(request)),
    }
    return render(request, "web/contact.html", context)


@staff_required
def organization(request: StaffRequest, public_id: uuid.UUID) -> HttpResponse:
    org = get_organization_for_user(request.user, str(public_id))
    people = visible_contacts(request.user).filter(organization=org)
    context = {
        **_ticket_summary(visible_tickets(request.user).filter(organization=org)),
        "organization": org,
        "owner": org.owner,
        "contacts": list(people.order_by("name", "id")[:CONTACTS_SHOWN]),
        "contact_count": people.count(),
        "last_contact_at": people.aggregate(last=Max("last_contact_at"))["last"],
        "sentiment": organization_sentiment(org, timezone.now(), _limit(request)),
        "shares_tickets": OrganizationPortal.objects.filter(
            organization=org, share_tickets=True
        ).exists(),
    }
    return render(request, "web/organization.html", context)


@staff_required
@require_POST
def organization_sharing(request: StaffRequest, public_id: uuid.UUID) -> HttpResponse:
    """Let the organization's contacts see each other's tickets in the portal, or stop."""
    org = get_organization_for_user(request.user, str(public_id))
    share = request.POST.get("share_tickets") == "on"
    try:
        do_set_ticket_sharing(org, share, actor=request.user)
    except ActionForbidden as exc:
        raise PermissionDenied(exc.message) from None
    if share:
        messages.success(request, f"{org.name}'s people now see each other's tickets.")
    else:
        messages.success(request, f"{org.name}'s people now see only their own tickets.")
    return redirect("web:organization", public_id=org.public_id)
