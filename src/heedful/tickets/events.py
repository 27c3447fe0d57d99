"""Writing the ticket event log, and replaying it.

Every action records what changed as before/after values that are plain JSON (ids
are public references or primary keys of settings-type objects). Replaying the log
of a ticket from its ``created`` event must reproduce the ticket's current state;
a test holds us to that.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from heedful.accounts.models import User
from heedful.customers.models import Contact
from heedful.tickets.models import EventKind, Message, Ticket, TicketEvent

Actor = User | Contact | None

# Ticket fields whose changes are recorded as events and restored by replay.
TRACKED_FIELDS = ("subject", "status", "priority", "assignee_id", "team_id", "requester_id")


def record_event(
    ticket: Ticket,
    kind: EventKind,
    actor: Actor,
    *,
    field: str = "",
    before: Any = None,
    after: Any = None,
    message: Message | None = None,
    at: datetime,
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        actor_user=actor if isinstance(actor, User) else None,
        actor_contact=actor if isinstance(actor, Contact) else None,
        field=field,
        before=before,
        after=after,
        message=message,
        created_at=at,
    )


def snapshot(ticket: Ticket) -> dict[str, Any]:
    """The replayable state of a ticket, as stored in the ``created`` event."""
    tags = ticket.tags.values_list("name", flat=True)
    return _state(ticket, tags, ticket.collaborators.values_list("id", flat=True))


def new_ticket_snapshot(ticket: Ticket, tags: Iterable[str]) -> dict[str, Any]:
    """``snapshot`` of a ticket being created, without reading it back (two queries
    less per new ticket): its tags are ``tags`` and nobody is looped in yet."""
    return _state(ticket, tags, [])


def _state(ticket: Ticket, tags: Iterable[str], collaborator_ids: Iterable[int]) -> dict[str, Any]:
    state: dict[str, Any] = {name: getattr(ticket, name) for name in TRACKED_FIELDS}
    state["tags"] = sorted(tags)
    state["custom_fields"] = dict(ticket.custom_fields)
    state["collaborator_ids"] = sorted(collaborator_ids)
    return state


def replay(events: Iterable[TicketEvent]) -> dict[str, Any]:
    """Fold a ticket's events, oldest first, into the state they describe."""
    state: dict[str, Any] = {}
    for event in events:
        if event.kind == EventKind.CREATED:
            state = dict(event.after or {})
            state["tags"] = list(state["tags"])
            state["custom_fields"] = dict(state["custom_fields"])
            state["collaborator_ids"] = list(state["collaborator_ids"])
        elif event.kind == EventKind.TAG_ADDED:
            state["tags"] = sorted({*state["tags"], event.after})
        elif event.kind == EventKind.TAG_REMOVED:
            state["tags"] = sorted(set(state["tags"]) - {event.before})
        elif event.kind == EventKind.COLLABORATOR_ADDED:
            state["collaborator_ids"] = sorted({*state["collaborator_ids"], event.after})
        elif event.kind == EventKind.FIELD_CHANGED:
            fields = state["custom_fields"]
            if event.after is None:
                fields.pop(event.field, None)
            else:
                fields[event.field] = event.after
        elif event.field:
            state[event.field] = event.after
    return state
