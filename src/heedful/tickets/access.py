"""The one way to fetch a ticket, contact or organization for a person.

Outsiders get 404 (they must not learn that an object exists); people who may see
an object but not change it are stopped later by the actions with ActionForbidden.
"""

from __future__ import annotations

import uuid

from django.db.models import Q, QuerySet
from django.http import Http404

from heedful.accounts.models import Role, User
from heedful.customers.models import Contact, ContactQuerySet, Organization
from heedful.tickets.models import Ticket, parse_ref


def visible_tickets(user: User) -> QuerySet[Ticket]:
    """Full agents see every ticket; light agents those they are looped into or their
    teams own; everyone else (customers, inactive users) sees none here."""
    tickets = Ticket.objects.all()
    if not user.is_authenticated or not user.is_staff_member:
        return tickets.none()
    if user.is_full_agent:
        return tickets
    # Two cheap index lookups instead of an OR across a join, which would scan.
    looped = Ticket.collaborators.through.objects.filter(user_id=user.pk).values("ticket_id")
    team_ids = list(user.teams.values_list("id", flat=True))
    return tickets.filter(Q(id__in=looped) | Q(team_id__in=team_ids))


def get_ticket_for_user(user: User, ref: str) -> Ticket:
    number = parse_ref(ref)
    if number is None:
        raise Http404("No such ticket")
    queryset = visible_tickets(user).select_related("requester", "organization", "assignee", "team")
    try:
        return queryset.get(number=number)
    except Ticket.DoesNotExist:
        raise Http404("No such ticket") from None


def visible_contacts(user: User) -> ContactQuerySet:
    if not user.is_authenticated or not user.is_staff_member:
        return Contact.objects.none()
    if user.is_full_agent:
        return Contact.objects.all()
    return Contact.objects.filter(id__in=visible_tickets(user).values("requester_id"))


def visible_organizations(user: User) -> QuerySet[Organization]:
    if not user.is_authenticated or not user.is_staff_member:
        return Organization.objects.none()
    if user.is_full_agent:
        return Organization.objects.all()
    return Organization.objects.filter(id__in=visible_tickets(user).values("organization_id"))


def _parse_uuid(public_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(public_id)
    except ValueError:
        raise Http404("Not found") from None


def get_contact_for_user(user: User, public_id: str) -> Contact:
    try:
        return visible_contacts(user).get(public_id=_parse_uuid(public_id))
    except Contact.DoesNotExist:
        raise Http404("Not found") from None


def get_organization_for_user(user: User, public_id: str) -> Organization:
    try:
        return visible_organizations(user).get(public_id=_parse_uuid(public_id))
    except Organization.DoesNotExist:
        raise Http404("Not found") from None


def is_customer(user: User) -> bool:
    return user.is_authenticated and user.role == Role.CUSTOMER
