"""What a signed-in customer may see in the portal.

Built on the API's customer rule (heedful.api.access): a customer sees the tickets they
requested, plus their organization's when it shares tickets between colleagues
(OrganizationPortal.share_tickets), and only public messages. Anything else is 404, so
nobody learns that another customer's ticket or file exists.
"""

from __future__ import annotations

import uuid

from django.db.models import Q, QuerySet
from django.http import Http404

from heedful.accounts.models import User
from heedful.api.access import api_visible_tickets, contact_of, visible_messages
from heedful.customers.models import Contact
from heedful.portal.models import OrganizationPortal
from heedful.tickets.models import Attachment, Message, Ticket, parse_ref


def portal_contact(user: User) -> Contact | None:
    """The contact a signed-in customer acts as (None for staff and strangers)."""
    return contact_of(user) if user.is_authenticated and user.is_active else None


def shares_tickets(contact: Contact) -> bool:
    if contact.organization_id is None:
        return False
    return OrganizationPortal.objects.filter(
        organization_id=contact.organization_id, share_tickets=True
    ).exists()


def portal_tickets(user: User, contact: Contact) -> QuerySet[Ticket]:
    own = api_visible_tickets(user)
    if not shares_tickets(contact):
        return own
    return Ticket.objects.filter(
        Q(id__in=own.values("id")) | Q(organization_id=contact.organization_id)
    )


def get_portal_ticket(user: User, contact: Contact, ref: str) -> Ticket:
    number = parse_ref(ref) if len(ref) < 40 else None
    if number is None:
        raise Http404("No such ticket")
    ticket = (
        portal_tickets(user, contact)
        .select_related("requester", "organization")
        .filter(number=number)
        .first()
    )
    if ticket is None:
        raise Http404("No such ticket")
    return ticket


def portal_messages(user: User, ticket: Ticket) -> QuerySet[Message]:
    """Public messages only: internal notes never reach a customer."""
    return visible_messages(user, ticket).filter(is_public=True)


def get_portal_attachment(user: User, contact: Contact, public_id: uuid.UUID) -> Attachment:
    found = (
        Attachment.objects.select_related("message")
        .filter(public_id=public_id, message__is_public=True)
        .first()
    )
    if found is None:
        raise Http404("No such attachment")
    if not portal_tickets(user, contact).filter(pk=found.message.ticket_id).exists():
        raise Http404("No such attachment")
    return found
