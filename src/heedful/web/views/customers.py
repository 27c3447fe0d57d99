"""Customer 360: a contact's or an organization's profile and every ticket they raised."""

from __future__ import annotations

import uuid

from django.db.models import Max, QuerySet
from django.http import HttpResponse
from django.shortcuts import render

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
    }
    return render(request, "web/organization.html", context)
