"""What the reminders write on a ticket's timeline, and how the timeline says it.

Event details are plain JSON with the names already in them, so the timeline needs no
query to show them; ``field`` stays empty, so replaying the log ignores these events.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from heedful.reminders.models import FollowUp
from heedful.tickets.models import EventKind, TicketEvent

FOLLOW_UP_EVENTS = (
    EventKind.FOLLOW_UP_SET,
    EventKind.FOLLOW_UP_DUE,
    EventKind.FOLLOW_UP_DONE,
    EventKind.FOLLOW_UP_CANCELLED,
)
CHECK_EVENTS = (
    EventKind.SOLVED_CHECK_SENT,
    EventKind.SOLVED_CONFIRMED,
    EventKind.SOLVED_DENIED,
)
REMINDER_EVENTS = FOLLOW_UP_EVENTS + CHECK_EVENTS


def follow_up_details(follow_up: FollowUp) -> dict[str, Any]:
    return {
        "follow_up": str(follow_up.public_id),
        "agent": follow_up.agent.display_name,
        "due_at": follow_up.due_at.isoformat(),
        "note": follow_up.note,
    }


def format_due(value: datetime) -> str:
    return timezone.localtime(value).strftime("%a %d %b %Y, %H:%M")


def _due_text(details: dict[str, Any]) -> str:
    try:
        return format_due(datetime.fromisoformat(str(details.get("due_at"))))
    except ValueError:
        return "a later date"


def describe_reminder_event(event: TicketEvent) -> str:
    """The timeline's words for a reminder event (the template shows the actor first)."""
    details = event.after if isinstance(event.after, dict) else {}
    note = f": “{details['note']}”" if details.get("note") else ""
    agent = details.get("agent", "a colleague")
    texts = {
        EventKind.FOLLOW_UP_SET: f"set a follow-up for {agent} on {_due_text(details)}{note}",
        EventKind.FOLLOW_UP_DUE: f"follow-up due for {agent}{note}",
        EventKind.FOLLOW_UP_DONE: f"completed the follow-up for {agent}",
        EventKind.FOLLOW_UP_CANCELLED: f"cancelled the follow-up for {agent}",
        EventKind.SOLVED_CHECK_SENT: "asked the customer “Did this solve it?” by email",
        EventKind.SOLVED_CONFIRMED: "confirmed that this is solved",
        EventKind.SOLVED_DENIED: "says this is not solved",
    }
    return texts.get(EventKind(event.kind), str(event.get_kind_display()))
