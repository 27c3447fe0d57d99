"""A ticket's timeline: its messages and its events merged in time order.

Loaded with a fixed number of queries whatever the ticket's length: messages with
their authors and attachments, events with their actors, then the people and teams
the events name (by id) fetched in one query each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.dates import MONTHS_3

from heedful.accounts.models import Team, User
from heedful.feedback.models import MessageSentiment
from heedful.reminders.events import REMINDER_EVENTS, describe_reminder_event
from heedful.tickets.models import (
    Attachment,
    Channel,
    EventKind,
    Message,
    Priority,
    Status,
    Ticket,
    TicketEvent,
)
from heedful.web.templatetags.workspace import ago, initials

# Events that the timeline shows as the message itself, not as a line of their own.
_HIDDEN_EVENTS = (EventKind.MESSAGE_ADDED,)
_USER_ID_EVENTS = (EventKind.ASSIGNEE_CHANGED, EventKind.COLLABORATOR_ADDED)


@dataclass
class TimelineEntry:
    kind: str  # "reply", "note" or "event"
    at: datetime
    actor: str
    message: Message | None = None
    text: str = ""
    inbound: bool = False
    sentiment: MessageSentiment | None = None  # inbound messages, once scored
    # Tie-breaker for entries at the same instant: creation, then messages, then changes.
    rank: int = 1
    # Ready to print: what ``at|date:'c'``, ``at|date:'Y-m-d H:i:s'``, ``at|date:"M j, H:i"``,
    # ``at|ago`` and ``actor|initials`` would give, without a filter call per message.
    at_iso: str = field(init=False)
    at_title: str = field(init=False)
    at_label: str = field(init=False)
    ago: str = field(init=False)
    initials: str = field(init=False)
    files: list[Attachment] = field(init=False)

    def __post_init__(self) -> None:
        local = timezone.localtime(self.at)
        self.at_iso = local.isoformat()
        self.at_title = local.strftime("%Y-%m-%d %H:%M:%S")
        month = MONTHS_3[local.month].title()
        self.at_label = f"{month} {local.day}, {local.hour:02d}:{local.minute:02d}"
        self.ago = ago(self.at)
        self.initials = initials(self.actor)
        self.files = list(self.message.attachments.all()) if self.message else []


def _label(choices: type[Status] | type[Priority], value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


class _Names:
    """People and teams named by id in events, each kind fetched in one query."""

    def __init__(self, events: list[TicketEvent]) -> None:
        user_ids: set[int] = set()
        team_ids: set[int] = set()
        for event in events:
            ids = {v for v in (event.before, event.after) if isinstance(v, int)}
            if event.kind in _USER_ID_EVENTS:
                user_ids |= ids
            elif event.kind == EventKind.TEAM_CHANGED:
                team_ids |= ids
        self.users = (
            {u.pk: u.display_name for u in User.objects.filter(pk__in=user_ids)} if user_ids else {}
        )
        self.teams = (
            dict(Team.objects.filter(pk__in=team_ids).values_list("pk", "name")) if team_ids else {}
        )

    def user(self, value: Any) -> str:
        return "nobody" if value is None else self.users.get(value, "a former colleague")

    def team(self, value: Any) -> str:
        return "no team" if value is None else self.teams.get(value, "a removed team")


def describe_event(event: TicketEvent, names: _Names, ticket: Ticket) -> str:
    """What happened, in words, without the actor (the template shows the actor)."""
    kind, before, after = event.kind, event.before, event.after
    if kind == EventKind.CREATED:
        return f"created the ticket via {_label_channel(ticket.channel)}"
    if kind == EventKind.STATUS_CHANGED:
        return f"changed the status from {_label(Status, before)} to {_label(Status, after)}"
    if kind == EventKind.PRIORITY_CHANGED:
        old, new = _label(Priority, before), _label(Priority, after)
        return f"changed the priority from {old} to {new}"
    if kind == EventKind.ASSIGNEE_CHANGED:
        if after is not None and after == event.actor_user_id:
            return "took the ticket"
        if after is None and before == event.actor_user_id:
            return "unassigned themselves"
        if after is None:
            return f"unassigned the ticket from {names.user(before)}"
        return f"assigned the ticket to {names.user(after)}"
    if kind == EventKind.TEAM_CHANGED:
        return f"moved the ticket from {names.team(before)} to {names.team(after)}"
    if kind == EventKind.TAG_ADDED:
        return f"added the tag {after}"
    if kind == EventKind.TAG_REMOVED:
        return f"removed the tag {before}"
    if kind == EventKind.SUBJECT_CHANGED:
        return f"changed the subject from “{before}” to “{after}”"
    if kind == EventKind.COLLABORATOR_ADDED:
        return f"looped in {names.user(after)}"
    if kind == EventKind.FIELD_CHANGED:
        if after is None:
            return f"removed the field {event.field}"
        return f"set the field {event.field} to {after}"
    if kind in REMINDER_EVENTS:
        return describe_reminder_event(event)
    return str(event.get_kind_display())


def _label_channel(value: str) -> str:
    try:
        return str(Channel(value).label).lower()
    except ValueError:
        return value


def _sentiment_of(message: Message) -> MessageSentiment | None:
    try:
        return message.sentiment
    except MessageSentiment.DoesNotExist:
        return None


@dataclass(frozen=True)
class SentimentTrend:
    """How the customer's tone moved over the ticket: first and latest scored message."""

    first: MessageSentiment
    latest: MessageSentiment
    scored: int
    mean: float

    @property
    def direction(self) -> str:
        change = self.latest.compound - self.first.compound
        if self.scored < 2 or abs(change) < 0.05:
            return "steady"
        return "improving" if change > 0 else "worsening"


def sentiment_trend(entries: list[TimelineEntry]) -> SentimentTrend | None:
    """From the timeline already loaded: no query."""
    scored = [e.sentiment for e in entries if e.inbound and e.sentiment is not None]
    if not scored:
        return None
    mean = sum(s.compound for s in scored) / len(scored)
    return SentimentTrend(scored[0], scored[-1], len(scored), mean)


def build_timeline(ticket: Ticket) -> list[TimelineEntry]:
    messages = list(
        Message.objects.filter(ticket=ticket)
        # The sentiment row rides along in the same query (a reverse one-to-one join).
        .select_related("author_user", "author_contact", "sentiment")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
    )
    events = list(
        TicketEvent.objects.filter(ticket=ticket)
        .exclude(kind__in=_HIDDEN_EVENTS)
        .select_related("actor_user", "actor_contact")
    )
    names = _Names(events)
    entries = [
        TimelineEntry(
            kind="reply" if message.is_public else "note",
            at=message.created_at,
            actor=message.author_name,
            message=message,
            inbound=message.author_contact_id is not None,
            sentiment=_sentiment_of(message),
        )
        for message in messages
    ]
    entries += [
        TimelineEntry(
            kind="event",
            at=event.created_at,
            actor=event.actor_name,
            text=describe_event(event, names, ticket),
            rank=0 if event.kind == EventKind.CREATED else 2,
        )
        for event in events
    ]
    # A reply that also changes the status shares its timestamp: the message comes first.
    entries.sort(key=lambda entry: (entry.at, entry.rank))
    return entries
