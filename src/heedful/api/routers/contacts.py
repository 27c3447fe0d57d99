"""/contacts: the people we serve (staff only; light agents see their tickets' people)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from heedful.api.auth import caller_of
from heedful.api.errors import COMMON_ERROR_STATUSES, ErrorOut
from heedful.api.fields import Cursor, Email
from heedful.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, page_by_id
from heedful.api.schemas import OrganizationRef, organization_ref
from heedful.customers.models import Contact
from heedful.tickets.access import get_contact_for_user, visible_contacts

router = Router(tags=["contacts"])
ERRORS: dict[Any, Any] = {COMMON_ERROR_STATUSES: ErrorOut}


class ContactOut(Schema):
    id: uuid.UUID
    name: str
    email: str | None
    handle: str
    phone: str
    organization: OrganizationRef | None
    last_contact_at: datetime | None
    created_at: datetime


class ContactPage(Schema):
    items: list[ContactOut]
    next_cursor: str | None


class ContactListQuery(Schema):
    email: Email | None = Field(None, description="Exact address, any case.")
    organization: uuid.UUID | None = None
    cursor: Cursor | None = None
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


def contact_out(contact: Contact) -> ContactOut:
    return ContactOut(
        id=contact.public_id,
        name=contact.name,
        email=contact.email,
        handle=contact.handle,
        phone=contact.phone,
        organization=organization_ref(contact.organization),
        last_contact_at=contact.last_contact_at,
        created_at=contact.created_at,
    )


@router.get("", response={200: ContactPage, **ERRORS})
def list_contacts(request: HttpRequest, query: Query[ContactListQuery]) -> ContactPage:
    """Oldest first. Customers see none."""
    contacts = visible_contacts(caller_of(request).user).select_related("organization")
    if query.email:
        contacts = contacts.filter(email__iexact=query.email)
    if query.organization:
        contacts = contacts.filter(organization__public_id=query.organization)
    rows, next_cursor = page_by_id(contacts, query.cursor, query.limit)
    return ContactPage(items=[contact_out(c) for c in rows], next_cursor=next_cursor)


@router.get("/{contact_id}", response={200: ContactOut, **ERRORS})
def get_contact(request: HttpRequest, contact_id: str) -> ContactOut:
    return contact_out(get_contact_for_user(caller_of(request).user, contact_id))
