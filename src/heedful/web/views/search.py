"""Plain database search over what the person may see: refs, subjects, message bodies,
contacts and organizations. A ticket reference jumps straight to the ticket."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render

from heedful.accounts.models import User
from heedful.tickets.access import visible_contacts, visible_organizations, visible_tickets
from heedful.tickets.models import Message, parse_ref
from heedful.web.decorators import StaffRequest, staff_required
from heedful.web.forms import SearchForm, form_error_text

TICKET_LIMIT = 50
MESSAGE_LIMIT = 50
PEOPLE_LIMIT = 20


def search_everything(user: User, q: str) -> dict[str, Any]:
    tickets = visible_tickets(user)
    # No ORDER BY on the body search: the database may stop at the first 50 matches
    # instead of sorting every match of a common word.
    found_messages = sorted(
        Message.objects.filter(ticket__in=tickets, body_text__icontains=q).select_related(
            "ticket", "author_user", "author_contact"
        )[:MESSAGE_LIMIT],
        key=lambda m: (m.created_at, m.pk),
        reverse=True,
    )
    people = Q(name__icontains=q) | Q(email__icontains=q) | Q(handle__icontains=q)
    return {
        "tickets": list(
            tickets.filter(subject__icontains=q)
            .select_related("requester", "organization", "assignee")
            .order_by("-created_at", "-id")[:TICKET_LIMIT]
        ),
        "found_messages": found_messages,
        "contacts": list(
            visible_contacts(user).filter(people).select_related("organization")[:PEOPLE_LIMIT]
        ),
        "organizations": list(visible_organizations(user).filter(name__icontains=q)[:PEOPLE_LIMIT]),
    }


@staff_required
def search(request: StaffRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    if not form.is_valid():
        context = {"form": form, "q": "", "error": form_error_text(form)}
        return render(request, "web/search.html", context, status=400)
    q = form.cleaned_data["q"].strip()
    if not q:
        return render(request, "web/search.html", {"form": form, "q": ""})
    number = parse_ref(q)
    if number is not None:
        ticket = visible_tickets(request.user).filter(number=number).first()
        if ticket is not None:
            return redirect("web:ticket", ref=ticket.ref)
    results = search_everything(request.user, q)
    context = {
        **results,
        "form": form,
        "q": q,
        "total": sum(len(found) for found in results.values()),
        "customer_count": len(results["contacts"]) + len(results["organizations"]),
    }
    return render(request, "web/search.html", context)
