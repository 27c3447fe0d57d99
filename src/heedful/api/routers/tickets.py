"""/tickets: list (filters, keyset pages), create, read by ref, update."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from heedful.accounts.models import Team, User
from heedful.api.access import contact_by_email, contact_of, get_api_ticket, require_staff
from heedful.api.auth import WRITE_AUTH, caller_of
from heedful.api.errors import COMMON_ERROR_STATUSES, ErrorOut
from heedful.api.fields import (
    Body,
    BodyHtml,
    Cursor,
    CustomFields,
    Email,
    Subject,
    TagName,
    Username,
    absent,
)
from heedful.api.idempotency import idempotency_header, run_idempotent
from heedful.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from heedful.api.schemas import (
    CustomerTicketOut,
    TicketOut,
    TicketPage,
    prefetched_tags,
    ticket_out,
    ticket_out_for,
)
from heedful.api.ticket_query import TicketFilter, ticket_page
from heedful.api.uploads import MAX_ATTACHMENTS_PER_MESSAGE, taken_uploads
from heedful.customers.models import Contact
from heedful.lib.errors import ActionError, ActionForbidden
from heedful.tickets import actions
from heedful.tickets.access import visible_contacts
from heedful.tickets.models import Channel, Priority, Ticket
from heedful.tickets.models import Status as TicketStatus

router = Router(tags=["tickets"])
ERRORS: dict[Any, Any] = {COMMON_ERROR_STATUSES: ErrorOut}

# Fields a customer may send when opening a ticket; the rest are for staff.
CUSTOMER_CREATE_FIELDS = {"subject", "body", "body_html", "attachments"}


class TicketListQuery(Schema):
    status: TicketStatus | None = None
    priority: Priority | None = None
    assignee: Username | None = Field(None, description='A username, or "none" for unassigned.')
    team: uuid.UUID | None = None
    tag: TagName | None = None
    organization: uuid.UUID | None = None
    requester: uuid.UUID | None = Field(None, description="A contact's id.")
    sort: Literal["newest", "oldest", "updated", "waiting", "due"] = Field(
        "newest",
        description="due (staff only): the nearest SLA due time first; no running clock last.",
    )
    cursor: Cursor | None = Field(None, description="next_cursor of the previous page.")
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class TicketCreateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    subject: Subject
    body: Body = Field(description="The first message, plain text.")
    body_html: BodyHtml | None = Field(None, description="Optional HTML; it is sanitized.")
    requester_id: uuid.UUID | None = Field(None, description="Staff: the contact's id.")
    requester_email: Email | None = Field(None, description="Staff: or the contact's email.")
    priority: Priority = Priority.NORMAL
    assignee: Username | None = None
    team: uuid.UUID | None = None
    tags: list[TagName] = Field(default_factory=list, max_length=50)
    custom_fields: CustomFields = Field(default_factory=dict)
    attachments: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=MAX_ATTACHMENTS_PER_MESSAGE,
        description="Ids from POST /attachments: the first message's files.",
    )


class TicketUpdateIn(Schema):
    """Send only what changes; ``assignee`` and ``team`` may be null to clear them."""

    model_config = ConfigDict(extra="forbid")

    subject: Subject = absent()
    status: TicketStatus = absent()
    priority: Priority = absent()
    assignee: Username | None = None
    team: uuid.UUID | None = None
    tags: list[TagName] = absent("The complete new set.", max_length=50)


@router.get("", response={200: TicketPage, **ERRORS})
def list_tickets(request: HttpRequest, query: Query[TicketListQuery]) -> TicketPage:
    """Tickets the caller may see (a customer: their own), newest first by default."""
    user = caller_of(request).user
    filters = TicketFilter(
        status=query.status,
        priority=query.priority,
        assignee=query.assignee,
        team=query.team,
        tag=query.tag,
        organization=query.organization,
        requester=query.requester,
    )
    rows, next_cursor = ticket_page(
        user, filters, sort=query.sort, cursor=query.cursor, limit=query.limit
    )
    items = [ticket_out_for(user, t, tags=prefetched_tags(t)) for t in rows]
    return TicketPage(items=items, next_cursor=next_cursor)


@router.post("", response={201: TicketOut | CustomerTicketOut, **ERRORS}, auth=WRITE_AUTH)
def create_ticket(
    request: HttpRequest,
    payload: TicketCreateIn,
    idempotency_key: str | None = idempotency_header(),
) -> Status[Any] | HttpResponse:
    user = caller_of(request).user

    def create() -> TicketOut | CustomerTicketOut:
        with taken_uploads(user, payload.attachments) as files:
            ticket = _create_ticket(user, payload, files)
        # The action's own instance is current (the first message's counters and the
        # SLA due times included) and holds its related objects; its tags are the ones
        # sent: no second read of the row or its tags.
        return ticket_out_for(user, ticket, tags=sorted(actions.normalise_tags(payload.tags)))

    if idempotency_key is None and not payload.attachments:
        # Nothing to write in step with the ticket: the action's transaction is the only
        # one, so the look-ups above it run before it takes SQLite's write lock, and it
        # needs no savepoint.
        return Status(201, create())
    return run_idempotent(request, idempotency_key, 201, create)


_RELATED = ("requester", "organization", "assignee", "team")


def _create_ticket(user: User, payload: TicketCreateIn, files: list[UploadedFile]) -> Ticket:
    contact = contact_of(user)
    if contact is not None:
        extra = sorted(payload.model_fields_set - CUSTOMER_CREATE_FIELDS)
        if extra:
            raise ActionForbidden(f"Customers cannot set {', '.join(extra)}.")
        return actions.do_create_ticket(
            actor=contact,
            requester=contact,
            subject=payload.subject,
            body_text=payload.body,
            body_html=payload.body_html,
            channel=Channel.API,
            attachments=files,
        )
    require_staff(user, "open tickets")
    actions.check_full_agent(user, "open tickets")  # before looking up anything for them
    return actions.do_create_ticket(
        actor=user,
        requester=_requester(user, payload),
        subject=payload.subject,
        body_text=payload.body,
        body_html=payload.body_html,
        channel=Channel.API,
        priority=payload.priority,
        assignee=_assignee(payload.assignee),
        team=_team(payload.team),
        tags=payload.tags,
        custom_fields=payload.custom_fields,
        attachments=files,
    )


def _requester(user: User, payload: TicketCreateIn) -> Contact:
    # The new ticket copies the requester's organization: fetch it in the same query.
    contacts = visible_contacts(user).select_related("organization")
    if payload.requester_id is not None:
        found = contacts.filter(public_id=payload.requester_id).first()
        if found is None:
            raise ActionError("No contact has this id.", field="requester_id")
        return found
    if payload.requester_email:
        found = contact_by_email(contacts, payload.requester_email)
        if found is None:
            raise ActionError("No contact has this email.", field="requester_email")
        return found
    raise ActionError("Give requester_id or requester_email.", field="requester_id")


def _assignee(username: str | None) -> User | None:
    if username is None:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None or not user.is_staff_member:
        raise ActionError(f"No colleague has the username {username!r}.", field="assignee")
    return user


def _team(public_id: uuid.UUID | None) -> Team | None:
    if public_id is None:
        return None
    team = Team.objects.filter(public_id=public_id).first()
    if team is None:
        raise ActionError("No team has this id.", field="team")
    return team


@router.get("/{ref}", response={200: TicketOut | CustomerTicketOut, **ERRORS})
def get_ticket(request: HttpRequest, ref: str) -> TicketOut | CustomerTicketOut:
    """Staff get the SLA due times; a customer's token does not."""
    user = caller_of(request).user
    return ticket_out_for(user, get_api_ticket(user, ref))


@router.patch("/{ref}", response={200: TicketOut, **ERRORS}, auth=WRITE_AUTH)
def update_ticket(request: HttpRequest, ref: str, payload: TicketUpdateIn) -> TicketOut:
    """Change subject, status, priority, assignee, team or tags; all or nothing."""
    user = caller_of(request).user
    ticket = get_api_ticket(user, ref)
    require_staff(user, "change tickets")
    _apply_update(ticket, payload, user)
    return ticket_out(Ticket.objects.select_related(*_RELATED).get(pk=ticket.pk))


def _apply_update(ticket: Ticket, payload: TicketUpdateIn, actor: User) -> None:
    sent = payload.model_fields_set
    with transaction.atomic():
        if "subject" in sent:
            actions.do_change_subject(ticket, payload.subject, actor=actor)
        if "status" in sent:
            actions.do_change_status(ticket, payload.status, actor=actor)
        if "priority" in sent:
            actions.do_change_priority(ticket, payload.priority, actor=actor)
        if "assignee" in sent:
            actions.do_assign_ticket(ticket, _assignee(payload.assignee), actor=actor)
        if "team" in sent:
            actions.do_change_team(ticket, _team(payload.team), actor=actor)
        if "tags" in sent:
            actions.do_set_tags(ticket, payload.tags, actor=actor)
