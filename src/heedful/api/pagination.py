"""Keyset ("seek") pages for the API's lists: a page costs the same however deep it is.

Cursors are the opaque strings of heedful.tickets.inbox (base64 of a sort value and
a row key); a cursor that was not made here is refused with 422, never a 500.
"""

from __future__ import annotations

from typing import TypeVar

from django.db import models
from django.db.models import Q, QuerySet

from heedful.tickets.inbox import decode_cursor, encode_cursor

M = TypeVar("M", bound=models.Model)

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100


def page_by_id(rows: QuerySet[M], cursor: str | None, limit: int) -> tuple[list[M], str | None]:
    """Oldest first by row key: for directories (contacts, tags...) that change slowly."""
    if cursor:
        _, after = decode_cursor(cursor)
        rows = rows.filter(pk__gt=after)
    page = list(rows.order_by("pk")[: limit + 1])
    if len(page) <= limit:
        return page, None
    page = page[:limit]
    return page, encode_cursor(None, page[-1].pk)


def page_by_time(
    rows: QuerySet[M], cursor: str | None, limit: int, column: str = "created_at"
) -> tuple[list[M], str | None]:
    """Oldest first by (``column``, key): for a ticket's messages and events."""
    if cursor:
        when, after = decode_cursor(cursor)
        if when is None:
            rows = rows.none()
        else:
            rows = rows.filter(Q(**{f"{column}__gt": when}) | Q(**{column: when, "pk__gt": after}))
    page = list(rows.order_by(column, "pk")[: limit + 1])
    if len(page) <= limit:
        return page, None
    page = page[:limit]
    last = page[-1]
    return page, encode_cursor(getattr(last, column), last.pk)
