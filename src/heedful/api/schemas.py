"""Shapes the API returns, and the functions that fill them from model objects.

Public identifiers only: tickets by ref, people and teams by UUID or username,
never a database primary key (event values that hold keys are translated).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Literal

from django.conf import settings
from ninja import Field, Schema

from heedful.accounts.models import Team, User
from heedful.customers.models import Contact, Organization
from heedful.tickets.access import is_customer
from heedful.tickets.models import (
    Channel,
    Direction,
    EventKind,
    Message,
    Priority,
    Status,
    Ticket,
    TicketEvent,
)


class ContactRef(Schema):
    id: uuid.UUID
    name: str
    email: str | None


class OrganizationRef(Schema):
    id: uuid.UUID
    name: str


class UserRef(Schema):
    username: str
    name: str


class TeamRef(Schema):
    id: uuid.UUID
    name: str


class AgentName(Schema):
    name: str


class _TicketBase(Schema):
    """What staff and the ticket's customer both see."""

    ref: str
    subject: str
    status: Status
    priority: Priority
    channel: Channel
    requester: ContactRef
    organization: OrganizationRef | None
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    solved_at: datetime | None


class CustomerTicketOut(_TicketBase):
    """A ticket as a customer's token sees it: what requesters see in Zendesk's and
    Freshdesk's end-user APIs and in the portal (its state, and who answers by name), not
    the desk's workings: no tags, team, custom fields, username of the agent, SLA due
    times, waiting time or message count (which counts internal notes)."""

    assignee: AgentName | None


class TicketOut(_TicketBase):
    """A ticket as staff see it: also its tags, team, custom fields and the due times of
    its running SLA clocks."""

    assignee: UserRef | None
    team: TeamRef | None
    tags: list[str]
    custom_fields: dict[str, Any]
    message_count: int
    waiting_since: datetime | None
    first_response_due_at: datetime | None = Field(
        description="When the running first-response SLA clock falls due; null when none runs."
    )
    next_update_due_at: datetime | None = Field(
        description="When the customer is owed the next update; null when no such clock runs."
    )
    unblock_due_at: datetime | None = Field(
        description="When the time-to-unblock clock falls due; null when it does not run."
    )
    resolution_due_at: datetime | None = Field(
        description="When the resolution clock falls due; null when it does not run."
    )


class TicketPage(Schema):
    items: list[TicketOut | CustomerTicketOut]
    next_cursor: str | None


class ActorOut(Schema):
    type: Literal["user", "contact", "system"]
    id: str | None
    name: str


class AttachmentOut(Schema):
    id: uuid.UUID
    filename: str
    content_type: str
    size: int
    download_url: str = Field(description="GET it with your token: the file as a download.")


class MessageOut(Schema):
    id: uuid.UUID
    direction: Direction
    public: bool
    is_workaround: bool = Field(description="This reply unblocked the customer (R2).")
    author: ActorOut
    body_text: str
    body_html: str
    channel: Channel
    created_at: datetime
    attachments: list[AttachmentOut]


class MessagePage(Schema):
    items: list[MessageOut]
    next_cursor: str | None


class EventOut(Schema):
    kind: EventKind
    actor: ActorOut
    field: str
    before: Any
    after: Any
    message_id: uuid.UUID | None
    created_at: datetime


class EventPage(Schema):
    items: list[EventOut]
    next_cursor: str | None


def contact_ref(contact: Contact) -> ContactRef:
    return ContactRef(id=contact.public_id, name=contact.name, email=contact.email)


def organization_ref(org: Organization | None) -> OrganizationRef | None:
    return None if org is None else OrganizationRef(id=org.public_id, name=org.name)


def user_ref(user: User | None) -> UserRef | None:
    return None if user is None else UserRef(username=user.username, name=user.display_name)


def team_ref(team: Team | None) -> TeamRef | None:
    return None if team is None else TeamRef(id=team.public_id, name=team.name)


def ticket_out(ticket: Ticket, *, tags: Sequence[str] | None = None) -> TicketOut:
    """The staff view of a ticket. ``tags`` saves a query when the caller prefetched them."""
    if tags is None:
        tags = sorted(ticket.tags.values_list("name", flat=True))
    return TicketOut(
        **_shared_ticket_fields(ticket),
        assignee=user_ref(ticket.assignee),
        team=team_ref(ticket.team),
        tags=list(tags),
        custom_fields=dict(ticket.custom_fields),
        message_count=ticket.message_count,
        waiting_since=ticket.waiting_since,
        first_response_due_at=ticket.first_response_due_at,
        next_update_due_at=ticket.next_update_due_at,
        unblock_due_at=ticket.unblock_due_at,
        resolution_due_at=ticket.resolution_due_at,
    )


def ticket_out_for(
    user: User, ticket: Ticket, *, tags: Sequence[str] | None = None
) -> TicketOut | CustomerTicketOut:
    """The ticket as ``user`` may see it: a customer gets CustomerTicketOut."""
    if is_customer(user):
        assignee = None if ticket.assignee is None else AgentName(name=ticket.assignee.display_name)
        return CustomerTicketOut(**_shared_ticket_fields(ticket), assignee=assignee)
    return ticket_out(ticket, tags=tags)


def _shared_ticket_fields(ticket: Ticket) -> dict[str, Any]:
    return {
        "ref": ticket.ref,
        "subject": ticket.subject,
        "status": Status(ticket.status),
        "priority": Priority(ticket.priority),
        "channel": Channel(ticket.channel),
        "requester": contact_ref(ticket.requester),
        "organization": organization_ref(ticket.organization),
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "first_response_at": ticket.first_response_at,
        "solved_at": ticket.solved_at,
    }


def prefetched_tags(ticket: Ticket) -> list[str]:
    return sorted(tag.name for tag in ticket.tags.all())


def actor_out(user: User | None, contact: Contact | None, *, for_customer: bool) -> ActorOut:
    if user is not None:
        # Customers see who answered, not the agent's username.
        username = None if for_customer else user.username
        return ActorOut(type="user", id=username, name=user.display_name)
    if contact is not None:
        return ActorOut(type="contact", id=str(contact.public_id), name=contact.name)
    return ActorOut(type="system", id=None, name="System")


def message_out(message: Message, *, for_customer: bool) -> MessageOut:
    return MessageOut(
        id=message.public_id,
        direction=Direction(message.direction),
        public=message.is_public,
        is_workaround=message.is_workaround,
        author=actor_out(message.author_user, message.author_contact, for_customer=for_customer),
        body_text=message.body_text,
        body_html=message.body_html,
        channel=Channel(message.channel),
        created_at=message.created_at,
        attachments=[
            AttachmentOut(
                id=a.public_id,
                filename=a.filename,
                content_type=a.content_type,
                size=a.size,
                download_url=f"{settings.BASE_URL}/api/v1/attachments/{a.public_id}",
            )
            for a in message.attachments.all()
        ],
    )


class _PublicIds:
    """Primary keys found in event values -> public identifiers, one query per type."""

    def __init__(self, events: Sequence[TicketEvent]) -> None:
        users: set[int] = set()
        teams: set[int] = set()
        contacts: set[int] = set()
        for event in events:
            for field, value in _key_values(event):
                bucket = {"assignee_id": users, "team_id": teams, "requester_id": contacts}.get(
                    field, users
                )
                bucket.update(v for v in value if isinstance(v, int))
        self.users = dict(User.objects.filter(pk__in=users).values_list("pk", "username"))
        self.teams = {
            pk: str(pid)
            for pk, pid in Team.objects.filter(pk__in=teams).values_list("pk", "public_id")
        }
        self.contacts = {
            pk: str(pid)
            for pk, pid in Contact.objects.filter(pk__in=contacts).values_list("pk", "public_id")
        }

    def translate(self, field: str, value: Any) -> Any:
        if value is None:
            return None
        table = {"assignee_id": self.users, "team_id": self.teams, "requester_id": self.contacts}
        return table.get(field, self.users).get(value)


def _key_values(event: TicketEvent) -> Iterable[tuple[str, list[Any]]]:
    if event.kind == EventKind.CREATED and isinstance(event.after, dict):
        for field in ("assignee_id", "team_id", "requester_id"):
            yield field, [event.after.get(field)]
        yield "collaborators", list(event.after.get("collaborator_ids") or [])
    elif event.field in ("assignee_id", "team_id", "requester_id", "collaborators"):
        yield event.field, [event.before, event.after]


_PUBLIC_FIELD_NAMES = {"assignee_id": "assignee", "team_id": "team", "requester_id": "requester"}


def _created_state(after: dict[str, Any], ids: _PublicIds, *, for_customer: bool) -> dict[str, Any]:
    if for_customer:
        return {k: after.get(k) for k in ("subject", "status", "priority")}
    state = {
        _PUBLIC_FIELD_NAMES.get(k, k): ids.translate(k, v) if k in _PUBLIC_FIELD_NAMES else v
        for k, v in after.items()
        if k != "collaborator_ids"
    }
    state["collaborators"] = [
        ids.translate("collaborators", pk) for pk in after.get("collaborator_ids") or []
    ]
    return state


def events_out(events: Sequence[TicketEvent], *, for_customer: bool) -> list[EventOut]:
    ids = _PublicIds(events)
    result = []
    for event in events:
        before, after = event.before, event.after
        if event.kind == EventKind.CREATED and isinstance(after, dict):
            after = _created_state(after, ids, for_customer=for_customer)
        elif event.field in (*_PUBLIC_FIELD_NAMES, "collaborators"):
            before = ids.translate(event.field, before)
            after = ids.translate(event.field, after)
        result.append(
            EventOut(
                kind=EventKind(event.kind),
                actor=actor_out(event.actor_user, event.actor_contact, for_customer=for_customer),
                field=_PUBLIC_FIELD_NAMES.get(event.field, event.field),
                before=before,
                after=after,
                message_id=event.message.public_id if event.message is not None else None,
                created_at=event.created_at,
            )
        )
    return result
