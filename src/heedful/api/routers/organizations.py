"""/organizations: the companies our contacts belong to (staff only)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from heedful.api.auth import WRITE_AUTH, caller_of
from heedful.api.errors import COMMON_ERROR_STATUSES, ErrorOut
from heedful.api.fields import Cursor, absent
from heedful.api.idempotency import idempotency_header, run_idempotent
from heedful.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, page_by_id
from heedful.api.schemas import UserRef, user_ref
from heedful.customers.actions import (
    check_manage_customers,
    do_create_organization,
    do_update_organization,
)
from heedful.customers.models import Organization
from heedful.portal.actions import do_set_ticket_sharing
from heedful.tickets.access import get_organization_for_user, visible_organizations

router = Router(tags=["organizations"])
ERRORS: dict[Any, Any] = {COMMON_ERROR_STATUSES: ErrorOut}


class OrganizationOut(Schema):
    id: uuid.UUID
    name: str
    domains: list[str]
    segment: str
    plan: str
    owner: UserRef | None
    share_tickets: bool = Field(
        description="Colleagues see and answer each other's tickets in the customer portal."
    )
    created_at: datetime


class OrganizationPage(Schema):
    items: list[OrganizationOut]
    next_cursor: str | None


class PageQuery(Schema):
    cursor: Cursor | None = None
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


Name = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00]*$")]
Short = Annotated[str, Field(max_length=50, pattern=r"^[^\x00]*$")]
Domain = Annotated[str, Field(min_length=1, max_length=253, pattern=r"^[^\x00\s]*$")]
Notes = Annotated[str, Field(max_length=10_000, pattern=r"^[^\x00]*$")]


class OrganizationCreateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: Name
    domains: list[Domain] = Field(
        default_factory=list,
        max_length=20,
        description="Mail domains, unique across organizations.",
    )
    segment: Short = ""
    plan: Short = ""
    notes: Notes = ""
    share_tickets: bool = False


class OrganizationUpdateIn(Schema):
    """Send only what changes."""

    model_config = ConfigDict(extra="forbid")

    name: Name = absent()
    domains: list[Domain] = absent("The complete new list.", max_length=20)
    segment: Short = absent()
    plan: Short = absent()
    notes: Notes = absent()
    share_tickets: bool = absent()


def _shares_tickets(org: Organization) -> bool:
    try:
        return bool(org.portal.share_tickets)
    except ObjectDoesNotExist:
        return False


def organization_out(org: Organization) -> OrganizationOut:
    return OrganizationOut(
        id=org.public_id,
        name=org.name,
        domains=[str(d) for d in org.domains or []],
        segment=org.segment,
        plan=org.plan,
        owner=user_ref(org.owner),
        share_tickets=_shares_tickets(org),
        created_at=org.created_at,
    )


@router.get("", response={200: OrganizationPage, **ERRORS})
def list_organizations(request: HttpRequest, query: Query[PageQuery]) -> OrganizationPage:
    """Oldest first. Customers see none."""
    orgs = visible_organizations(caller_of(request).user).select_related("owner", "portal")
    rows, next_cursor = page_by_id(orgs, query.cursor, query.limit)
    return OrganizationPage(items=[organization_out(o) for o in rows], next_cursor=next_cursor)


@router.get("/{organization_id}", response={200: OrganizationOut, **ERRORS})
def get_organization(request: HttpRequest, organization_id: str) -> OrganizationOut:
    org = get_organization_for_user(caller_of(request).user, organization_id)
    return organization_out(org)


@router.post("", response={201: OrganizationOut, **ERRORS}, auth=WRITE_AUTH)
def create_organization(
    request: HttpRequest,
    payload: OrganizationCreateIn,
    idempotency_key: str | None = idempotency_header(),
) -> Status[Any] | HttpResponse:
    """Agents only. A domain another organization has is refused: 422, fields.domains."""
    user = caller_of(request).user
    check_manage_customers(user)

    def create() -> OrganizationOut:
        org = do_create_organization(
            actor=user,
            name=payload.name,
            domains=payload.domains,
            segment=payload.segment,
            plan=payload.plan,
            notes=payload.notes,
        )
        if payload.share_tickets:
            do_set_ticket_sharing(org, True, actor=user)
        return _fresh(org)

    return run_idempotent(request, idempotency_key, 201, create)


@router.patch("/{organization_id}", response={200: OrganizationOut, **ERRORS}, auth=WRITE_AUTH)
def update_organization(
    request: HttpRequest, organization_id: str, payload: OrganizationUpdateIn
) -> OrganizationOut:
    """Agents only; only what you send changes, all or nothing."""
    user = caller_of(request).user
    org = get_organization_for_user(user, organization_id)
    sent = payload.model_fields_set
    with transaction.atomic():
        changes = {name: getattr(payload, name) for name in sent - {"share_tickets"}}
        do_update_organization(org, actor=user, **changes)
        if "share_tickets" in sent:
            do_set_ticket_sharing(org, payload.share_tickets, actor=user)
    return _fresh(org)


def _fresh(org: Organization) -> OrganizationOut:
    return organization_out(Organization.objects.select_related("owner", "portal").get(pk=org.pk))
