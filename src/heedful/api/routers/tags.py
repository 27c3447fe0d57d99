"""/tags: the tag names in use (staff only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from heedful.api.access import require_staff
from heedful.api.auth import caller_of
from heedful.api.errors import COMMON_ERROR_STATUSES, ErrorOut
from heedful.api.fields import Cursor
from heedful.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, page_by_id
from heedful.tickets.models import Tag

router = Router(tags=["tags"])
ERRORS: dict[Any, Any] = {COMMON_ERROR_STATUSES: ErrorOut}


class TagOut(Schema):
    name: str
    created_at: datetime


class TagPage(Schema):
    items: list[TagOut]
    next_cursor: str | None


class PageQuery(Schema):
    cursor: Cursor | None = None
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


@router.get("", response={200: TagPage, **ERRORS})
def list_tags(request: HttpRequest, query: Query[PageQuery]) -> TagPage:
    require_staff(caller_of(request).user, "list tags")
    rows, next_cursor = page_by_id(Tag.objects.all(), query.cursor, query.limit)
    items = [TagOut(name=t.name, created_at=t.created_at) for t in rows]
    return TagPage(items=items, next_cursor=next_cursor)
