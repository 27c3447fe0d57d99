"""/contacts: the people we serve (staff only; light agents see their tickets' people)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from heedful.accounts.models import User
from heedful.api.auth import WRITE_AUTH, caller_of
from heedful.api.errors import COMMON_ERROR_STATUSES, ErrorOut
from heedful.api.fields import Cursor, Email, absent
from heedful.api.idempotency import idempotency_header, run_idempotent
from heedful.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, page_by_id
from heedful.api.schemas import OrganizationRef, organization_ref
from heedful.customers.actions import check_manage_customers, do_create_contact, do_update_contact
from heedful.customers.models import Contact, Organization
from heedful.lib.errors import ActionError
from heedful.tickets.access import get_contact_for_user, visible_contacts, visible_organizations

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


Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00]*$")]
Handle = Annotated[str, Field(max_length=100, pattern=r"^[^\x00]*$")]
Phone = Annotated[str, Field(max_length=50, pattern=r"^[^\x00]*$")]


class ContactCreateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: Name
    email: Email | None = Field(None, description="Unique, whatever the case.")
    handle: Handle = Field(
        "", description="A handle on another channel, for contacts without email."
    )
    phone: Phone = ""
    organization: uuid.UUID | None = Field(None, description="The organization's id.")


class ContactUpdateIn(Schema):
    """Send only what changes; ``email`` and ``organization`` may be null to clear them."""

    model_config = ConfigDict(extra="forbid")

    name: Name = absent()
    email: Email | None = None
    handle: Handle = absent()
    phone: Phone = absent()
    organization: uuid.UUID | None = None


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
        contacts = contacts.with_email(query.email)
    if query.organization:
        contacts = contacts.filter(organization__public_id=query.organization)
    rows, next_cursor = page_by_id(contacts, query.cursor, query.limit)
    return ContactPage(items=[contact_out(c) for c in rows], next_cursor=next_cursor)


@router.get("/{contact_id}", response={200: ContactOut, **ERRORS})
def get_contact(request: HttpRequest, contact_id: str) -> ContactOut:
    return contact_out(get_contact_for_user(caller_of(request).user, contact_id))


@router.post("", response={201: ContactOut, **ERRORS}, auth=WRITE_AUTH)
def create_contact(
    request: HttpRequest,
    payload: ContactCreateIn,
    idempotency_key: str | None = idempotency_header(),
) -> Status[Any] | HttpResponse:
    """Agents only. An email another contact has (any case) is refused: 422, fields.email."""
    user = caller_of(request).user
    check_manage_customers(user)

    def create() -> ContactOut:
        contact = do_create_contact(
            actor=user,
            name=payload.name,
            email=payload.email,
            handle=payload.handle,
            phone=payload.phone,
            organization=_organization(user, payload.organization),
        )
        return contact_out(contact)

    return run_idempotent(request, idempotency_key, 201, create)


@router.patch("/{contact_id}", response={200: ContactOut, **ERRORS}, auth=WRITE_AUTH)
def update_contact(request: HttpRequest, contact_id: str, payload: ContactUpdateIn) -> ContactOut:
    """Agents only; only what you send changes."""
    user = caller_of(request).user
    contact = get_contact_for_user(user, contact_id)
    changes = {name: getattr(payload, name) for name in payload.model_fields_set}
    if "organization" in changes:
        changes["organization"] = _organization(user, payload.organization)
    return contact_out(do_update_contact(contact, actor=user, **changes))


def _organization(user: User, public_id: uuid.UUID | None) -> Organization | None:
    if public_id is None:
        return None
    found = visible_organizations(user).filter(public_id=public_id).first()
    if found is None:
        raise ActionError("No organization has this id.", field="organization")
    return found
