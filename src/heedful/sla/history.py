"""A ticket's event log, read as the clock engine's moments."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from heedful.sla.clocks import Facts, Moment, Signal
from heedful.tickets.models import EventKind, Ticket, TicketEvent

# The ticket fields whose changes matter to clocks and policy matching.
_FACT_FIELDS = {"status": "status", "priority": "priority", "team_id": "team_id"}


def _signal(event: Mapping[str, Any]) -> Signal:
    after = event["after"] or {}
    if event["kind"] != EventKind.MESSAGE_ADDED or not after.get("public"):
        return Signal.NONE
    if event["actor_contact_id"] is not None:
        return Signal.CUSTOMER_MESSAGE
    if event["actor_user_id"] is None:
        # Automatic messages (acknowledgements) answer nobody.
        return Signal.NONE
    # Recorded by the reply action when the agent ticks "this unblocks the customer".
    return Signal.WORKAROUND if after.get("workaround") else Signal.AGENT_REPLY


def _apply(facts: Facts, event: Mapping[str, Any]) -> Facts:
    kind = event["kind"]
    if kind == EventKind.TAG_ADDED:
        return replace(facts, tags=facts.tags | {event["after"]})
    if kind == EventKind.TAG_REMOVED:
        return replace(facts, tags=facts.tags - {event["before"]})
    name = _FACT_FIELDS.get(event["field"])
    if name is not None:
        return replace(facts, **{name: event["after"]})
    return facts


# What the clocks read of each event.
_EVENT_FIELDS = (
    "kind", "field", "before", "after", "actor_user_id", "actor_contact_id", "created_at",
)  # fmt: skip


def ticket_moments(ticket: Ticket) -> list[Moment]:
    """One moment per logged change, oldest first, with the facts after it."""
    events = (
        TicketEvent.objects.filter(ticket=ticket)
        .order_by("created_at", "id")
        .values(*_EVENT_FIELDS)
    )
    return moments_from_events(ticket, events)


def moments_of_events(ticket: Ticket, events: Iterable[TicketEvent]) -> list[Moment]:
    """:func:`ticket_moments` from the ticket's events already loaded (the ticket page
    reads them for its timeline), oldest first."""
    rows = ({name: getattr(event, name) for name in _EVENT_FIELDS} for event in events)
    return moments_from_events(ticket, rows)


def moments_by_ticket(tickets: Iterable[Ticket]) -> dict[int, list[Moment]]:
    """:func:`ticket_moments` of many tickets in one query (organizations selected
    by the caller), by ticket id."""
    by_id = {ticket.pk: ticket for ticket in tickets}
    events = (
        TicketEvent.objects.filter(ticket_id__in=list(by_id))
        .order_by("ticket_id", "created_at", "id")
        .values("ticket_id", *_EVENT_FIELDS)
    )
    grouped: dict[int, list[dict[str, Any]]] = {ticket_id: [] for ticket_id in by_id}
    for event in events:
        grouped[event["ticket_id"]].append(event)
    return {
        ticket_id: moments_from_events(by_id[ticket_id], found)
        for ticket_id, found in grouped.items()
    }


def moments_from_events(ticket: Ticket, events: Iterable[Mapping[str, Any]]) -> list[Moment]:
    """The moments of ``ticket`` from its events, oldest first."""
    organization = ticket.organization
    moments: list[Moment] = []
    facts: Facts | None = None
    for event in events:
        if event["kind"] == EventKind.CREATED:
            state = event["after"] or {}
            facts = Facts(
                status=state.get("status", ticket.status),
                priority=state.get("priority", ticket.priority),
                channel=ticket.channel,
                team_id=state.get("team_id"),
                tags=frozenset(state.get("tags", ())),
                # Not in the log: the organization's segment and plan as they are now.
                segment=organization.segment if organization is not None else "",
                plan=organization.plan if organization is not None else "",
            )
        elif facts is None:
            continue
        else:
            facts = _apply(facts, event)
        moments.append(Moment(at=event["created_at"], facts=facts, signal=_signal(event)))
    return moments
