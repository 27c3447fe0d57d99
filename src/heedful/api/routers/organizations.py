"""/organizations: the companies our contacts belong to (staff only)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from heedful.api.auth import caller_of
from heedful.api.errors import COMMON_ERROR_STATUSES, ErrorOut
from heedful.api.fields import Cursor
from heedful.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, page_by_id
from heedful.api.schemas import UserRef, user_ref
from heedful.customers.models import Organization
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
    created_at: datetime


class OrganizationPage(Schema):
    items: list[OrganizationOut]
    next_cursor: str | None


class PageQuery(Schema):
    cursor: Cursor | None = None
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


def organization_out(org: Organization) -> OrganizationOut:
    return OrganizationOut(
        id=org.public_id,
        name=org.name,
        domains=[str(d) for d in org.domains or []],
        segment=org.segment,
        plan=org.plan,
        owner=user_ref(org.owner),
        created_at=org.created_at,
    )


@router.get("", response={200: OrganizationPage, **ERRORS})
def list_organizations(request: HttpRequest, query: Query[PageQuery]) -> OrganizationPage:
    """Oldest first. Customers see none."""
    orgs = visible_organizations(caller_of(request).user).select_related("owner")
    rows, next_cursor = page_by_id(orgs, query.cursor, query.limit)
    return OrganizationPage(items=[organization_out(o) for o in rows], next_cursor=next_cursor)


@router.get("/{organization_id}", response={200: OrganizationOut, **ERRORS})
def get_organization(request: HttpRequest, organization_id: str) -> OrganizationOut:
    org = get_organization_for_user(caller_of(request).user, organization_id)
    return organization_out(org)
