"""What an API caller may see. Staff go through heedful.tickets.access unchanged;
a customer's token sees only the tickets the customer requested (their public
messages and customer-facing events), and nothing of the staff directory."""

from __future__ import annotations

import uuid

from django.db.models import Q, QuerySet
from django.http import Http404

from heedful.accounts.models import User
from heedful.customers.models import Contact, ContactQuerySet
from heedful.lib.errors import ActionForbidden
from heedful.tickets.access import get_ticket_for_user, is_customer, visible_tickets
from heedful.tickets.models import Attachment, EventKind, Message, Ticket, TicketEvent, parse_ref

# The events a customer may read about their own ticket.
CUSTOMER_EVENT_KINDS = (
    EventKind.CREATED,
    EventKind.MESSAGE_ADDED,
    EventKind.STATUS_CHANGED,
    EventKind.PRIORITY_CHANGED,
    EventKind.SUBJECT_CHANGED,
)


def contact_of(user: User) -> Contact | None:
    """The customer's contact record (None for staff or a customer without one)."""
    if not is_customer(user):
        return None
    return Contact.objects.filter(user=user).select_related("organization").first()


def contact_by_email(contacts: ContactQuerySet, email: str) -> Contact | None:
    """The contact of ``contacts`` with this address in any case, in one indexed query
    (``with_email``). Two contacts may differ only in case (entered by hand): the one
    written as sent wins, then the lower-cased one (addresses are stored lower-cased),
    then the oldest. Chosen here rather than in an ORDER BY CASE: the twins are a row or
    two, and compiling the CASE doubled the CPU of a lookup (0.6 ms, not 0.3)."""
    twins = contacts.with_email(email).order_by()
    return min(
        twins, key=lambda c: (c.email != email, c.email != email.lower(), c.id), default=None
    )


def api_visible_tickets(user: User) -> QuerySet[Ticket]:
    if is_customer(user):
        contact = contact_of(user)
        if contact is None:
            return Ticket.objects.none()
        return Ticket.objects.filter(requester=contact)
    return visible_tickets(user)


def get_api_ticket(user: User, ref: str) -> Ticket:
    if not is_customer(user):
        return get_ticket_for_user(user, ref)
    number = parse_ref(ref)
    ticket = (
        api_visible_tickets(user)
        .select_related("requester", "organization", "assignee", "team")
        .filter(number=number)
        .first()
        if number is not None
        else None
    )
    if ticket is None:
        raise Http404("No such ticket")
    return ticket


def visible_messages(user: User, ticket: Ticket) -> QuerySet[Message]:
    messages = Message.objects.filter(ticket=ticket)
    return messages.filter(is_public=True) if is_customer(user) else messages


def visible_events(user: User, ticket: Ticket) -> QuerySet[TicketEvent]:
    events = TicketEvent.objects.filter(ticket=ticket)
    if not is_customer(user):
        return events
    # A message event is shown only while its message exists and is public.
    added = EventKind.MESSAGE_ADDED
    return events.filter(kind__in=CUSTOMER_EVENT_KINDS).filter(
        ~Q(kind=added) | Q(kind=added, message__is_public=True)
    )


def require_staff(user: User, what: str) -> None:
    if not user.is_staff_member:
        raise ActionForbidden(f"Only staff members can {what}.")


def get_api_attachment(user: User, public_id: str) -> Attachment:
    """A file of a message the caller may read: staff, of a ticket they may see; a
    customer, of a public message on their own ticket. Anything else is 404."""
    try:
        key = uuid.UUID(public_id)
    except ValueError:
        raise Http404("No such attachment") from None
    found = Attachment.objects.select_related("message").filter(public_id=key).first()
    if found is None:
        raise Http404("No such attachment")
    if is_customer(user) and not found.message.is_public:
        raise Http404("No such attachment")
    if not api_visible_tickets(user).filter(pk=found.message.ticket_id).exists():
        raise Http404("No such attachment")
    return found
