"""/tickets/{ref}/messages and /tickets/{ref}/events: a ticket's conversation and log."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from heedful.api.access import contact_of, get_api_ticket, visible_events, visible_messages
from heedful.api.auth import WRITE_AUTH, caller_of
from heedful.api.errors import COMMON_ERROR_STATUSES, ErrorOut
from heedful.api.fields import Body, BodyHtml, Cursor, absent
from heedful.api.idempotency import idempotency_header, run_idempotent
from heedful.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, page_by_time
from heedful.api.schemas import EventPage, MessageOut, MessagePage, events_out, message_out
from heedful.api.uploads import MAX_ATTACHMENTS_PER_MESSAGE, taken_uploads
from heedful.lib.errors import ActionError, ActionForbidden
from heedful.tickets import actions
from heedful.tickets.models import Channel, Message
from heedful.tickets.models import Status as TicketStatus

router = Router(tags=["messages"])
ERRORS: dict[Any, Any] = {COMMON_ERROR_STATUSES: ErrorOut}


class PageQuery(Schema):
    cursor: Cursor | None = Field(None, description="next_cursor of the previous page.")
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class MessageIn(Schema):
    model_config = ConfigDict(extra="forbid")

    body: Body = Field(description="Plain text.")
    body_html: BodyHtml | None = Field(None, description="Optional HTML; it is sanitized.")
    public: bool = Field(True, description="false: an internal note (staff only).")
    status: TicketStatus = absent("Staff: set the status with this reply.")
    is_workaround: bool = Field(
        False,
        description="Staff: this public reply unblocks the customer before the fix "
        "(achieves the SLA's time-to-unblock clock).",
    )
    attachments: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=MAX_ATTACHMENTS_PER_MESSAGE,
        description="Ids from POST /attachments: this message's files.",
    )


@router.get("/{ref}/messages", response={200: MessagePage, **ERRORS})
def list_messages(request: HttpRequest, ref: str, query: Query[PageQuery]) -> MessagePage:
    """Oldest first. Customers see public messages only."""
    user = caller_of(request).user
    ticket = get_api_ticket(user, ref)
    rows = visible_messages(user, ticket).select_related("author_user", "author_contact")
    page, next_cursor = page_by_time(
        rows.prefetch_related("attachments"), query.cursor, query.limit
    )
    for_customer = contact_of(user) is not None
    items = [message_out(m, for_customer=for_customer) for m in page]
    return MessagePage(items=items, next_cursor=next_cursor)


@router.post("/{ref}/messages", response={201: MessageOut, **ERRORS}, auth=WRITE_AUTH)
def add_message(
    request: HttpRequest,
    ref: str,
    payload: MessageIn,
    idempotency_key: str | None = idempotency_header(),
) -> Status[Any] | HttpResponse:
    """A public reply, or (staff) an internal note; an agent's reply may set the status."""
    user = caller_of(request).user
    ticket = get_api_ticket(user, ref)
    contact = contact_of(user)
    if contact is not None and "status" in payload.model_fields_set:
        raise ActionForbidden("Customers cannot set the status.")
    if payload.is_workaround and (contact is not None or not payload.public):
        raise ActionError(
            "Only an agent's public reply can unblock the customer.", field="is_workaround"
        )

    def create() -> MessageOut:
        with taken_uploads(user, payload.attachments) as files:
            message = _add(files)
        fresh = Message.objects.select_related("author_user", "author_contact").get(pk=message.pk)
        return message_out(fresh, for_customer=contact is not None)

    def _add(files: list[UploadedFile]) -> Message:
        return actions.do_add_message(
            ticket,
            author=contact or user,
            body_text=payload.body,
            body_html=payload.body_html,
            is_public=payload.public,
            channel=Channel.API,
            new_status=payload.status if "status" in payload.model_fields_set else None,
            workaround=payload.is_workaround,
            attachments=files,
        )

    return run_idempotent(request, idempotency_key, 201, create)


@router.get("/{ref}/events", response={200: EventPage, **ERRORS})
def list_events(request: HttpRequest, ref: str, query: Query[PageQuery]) -> EventPage:
    """The ticket's append-only event log, oldest first (customers: the public part)."""
    user = caller_of(request).user
    ticket = get_api_ticket(user, ref)
    rows = visible_events(user, ticket).select_related("actor_user", "actor_contact", "message")
    page, next_cursor = page_by_time(rows, query.cursor, query.limit)
    items = events_out(page, for_customer=contact_of(user) is not None)
    return EventPage(items=items, next_cursor=next_cursor)
