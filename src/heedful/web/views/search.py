"""Search over what the person may see: ticket subjects and message bodies by full-text
search (heedful/search, docs/search.md), contacts and organizations by name. A ticket
reference jumps straight to the ticket.

Contacts are still matched by substring (LIKE '%word%'), which no index serves, so that
scan is bounded to the newest SEARCH_RECENT_CONTACTS contacts; any contact is found by its
exact email address or handle (index lookups).
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Exists, F, Model, OuterRef, Q, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Coalesce, Concat, Lower
from django.http import HttpResponse
from django.shortcuts import redirect, render

from heedful.accounts.models import User
from heedful.customers.models import Contact, Organization
from heedful.lib.search_terms import Phrase, search_phrases
from heedful.search.queries import newest_ids, search_messages, search_tickets
from heedful.tickets.access import visible_contacts, visible_organizations, visible_tickets
from heedful.tickets.models import Message, Ticket, parse_ref
from heedful.web.decorators import StaffRequest, staff_required
from heedful.web.forms import SearchForm, form_error_text
from heedful.web.inbox_rows import ticket_url_maker
from heedful.web.search_rows import message_rows_html, ticket_rows_html

TICKET_LIMIT = 50
MESSAGE_LIMIT = 50
PEOPLE_LIMIT = 20
# A name found nowhere reads the whole window of the newest contacts.
SEARCH_RECENT_CONTACTS = 5_000
# The columns the page shows (and sorts by): building each found row's four model
# instances from every column was a sixth of a rare word's page on SQLite at 100k.
TICKET_COLUMNS = ("number", "subject", "status", "created_at", "requester__name",
                  "organization__name")  # fmt: skip
MESSAGE_COLUMNS = ("public_id", "ticket_id", "is_public", "body_text", "created_at",
                   "ticket__number", "ticket__subject", "author_user__first_name",
                   "author_user__last_name", "author_user__username",
                   "author_contact__name")  # fmt: skip


def _recent(queryset: QuerySet[Any], model: type[Model], window: int) -> QuerySet[Any]:
    """Rows among the newest ``window`` ids: ``id > (SELECT MAX(id)) - window``, a
    primary-key range, so the substring test runs on at most ``window`` rows."""
    newest = Subquery(model._default_manager.order_by("-id").values("id")[:1])
    return queryset.filter(id__gt=newest - Value(window))


def _newest_first(queryset: QuerySet[Any], limit: int) -> list[Any]:
    """The first ``limit`` matches walking the primary key down: the database stops there
    instead of sorting every match of a common word (by created_at, which no index of
    these tables leads with); the caller orders the few rows it got."""
    return list(queryset.order_by("-id")[:limit])


def _messages(tickets: QuerySet[Ticket], phrases: list[Phrase], newest: int) -> list[Message]:
    # EXISTS probes the ticket of each matching message by primary key; "IN (SELECT id
    # FROM tickets)" would first read every visible ticket.
    messages = Message.objects.filter(Exists(tickets.filter(pk=OuterRef("ticket_id"))))
    messages = messages.select_related("ticket", "author_user", "author_contact")
    messages = messages.only(*MESSAGE_COLUMNS)
    rows = search_messages(messages, phrases, newest, MESSAGE_LIMIT)
    return sorted(rows, key=lambda m: (m.created_at, m.pk), reverse=True)


def _people_matching(contacts: QuerySet[Contact], q: str) -> QuerySet[Contact]:
    """Contacts whose name, email or handle holds ``q`` in any case. A word found nowhere
    tests the whole window. PostgreSQL: one case-folded test of the three fields joined,
    not three, as case folding is most of the cost (at 1M: 9.5 -> 3.3 ms); a line break
    never comes from the search box. SQLite's LIKE folds case itself, and building the
    joined text cost more than three tests (5,000 contacts: 1.1 -> 0.56 ms)."""
    if connection.vendor == "sqlite":
        return contacts.filter(
            Q(name__icontains=q) | Q(email__icontains=q) | Q(handle__icontains=q)
        )
    text: TextField[str, str] = TextField()
    email = Coalesce("email", Value(""), output_field=text)
    fields = Concat("name", Value("\n"), email, Value("\n"), "handle", output_field=text)
    return contacts.alias(people=fields).filter(people__icontains=q)


def _contacts(user: User, q: str) -> list[Contact]:
    contacts = visible_contacts(user).select_related("organization")
    # Exact email or handle: a unique or indexed lookup over every contact. "id + 0":
    # ordered by the primary key, SQLite walked every contact rather than the two indexes
    # (its statistics count about 1,000 contacts per handle, most of them blank).
    exact_match = contacts.filter(Q(email=q) | Q(handle=q))
    exact = list(exact_match.order_by(F("id") + 0)[:PEOPLE_LIMIT])
    people = _people_matching(contacts, q)
    recent = _recent(people, Contact, SEARCH_RECENT_CONTACTS)
    if len(exact) >= PEOPLE_LIMIT:
        return exact
    recent = recent.exclude(pk__in=[c.pk for c in exact])
    found = _newest_first(recent, PEOPLE_LIMIT - len(exact))
    return exact + sorted(found, key=lambda c: (c.name, c.pk))


def _organizations(user: User, q: str) -> list[Organization]:
    # Sorted by the name in lower case, which no index gives: PostgreSQL reads the table
    # in order and sorts the few matches (1.8 ms for 10,000 organizations), where the
    # name index made it visit every organization's row in name order (8.7 ms).
    found = visible_organizations(user).filter(name__icontains=q).order_by(Lower("name"), "id")
    return list(found[:PEOPLE_LIMIT])


def search_everything(user: User, q: str) -> dict[str, Any]:
    # A lone surrogate (possible in a str, never in a request or in stored text) cannot be
    # encoded for the database driver: it becomes U+FFFD, as Django decodes bad request
    # bytes, and matches nothing rather than failing.
    q = q.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    tickets = visible_tickets(user)
    phrases = search_phrases(q)
    found: list[Ticket] = []
    messages: list[Message] = []
    if phrases:
        newest_ticket, newest_message = newest_ids()
        related = tickets.select_related("requester", "organization").only(*TICKET_COLUMNS)
        found = search_tickets(related, phrases, newest_ticket, TICKET_LIMIT)
        messages = _messages(tickets, phrases, newest_message)
    return {
        "tickets": sorted(found, key=lambda t: (t.created_at, t.pk), reverse=True),
        "found_messages": messages,
        "contacts": _contacts(user, q),
        "organizations": _organizations(user, q),
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
    # The rows printed in Python (web/search_rows.py), their ticket links from one
    # ``reverse`` for all rather than a ``{% url %}`` each.
    url_of = ticket_url_maker()
    context = {
        **results,
        "ticket_rows_html": ticket_rows_html(results["tickets"], url_of),
        "message_rows_html": message_rows_html(results["found_messages"], q, url_of),
        "form": form,
        "q": q,
        "total": sum(len(found) for found in results.values()),
        "customer_count": len(results["contacts"]) + len(results["organizations"]),
    }
    return render(request, "web/search.html", context)
