"""A ticket's timeline: its messages and its events merged in time order.

Loaded with a fixed number of queries whatever the ticket's length: messages with
their authors and attachments, then the people and teams the events name (by id)
fetched in one query each, and the mail the page shows (heedful.mail.ticket_page).
The events are read by the caller (:func:`load_events`): the SLA clocks read the same log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString

from heedful.accounts.models import Team, User
from heedful.customers.models import Contact
from heedful.feedback.models import MessageSentiment
from heedful.mail.ticket_page import Delivery, PanelEmail, TicketMail, ticket_mail
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
    folded: SafeString | None = None  # a customer email's quoted text, ready to print
    delivery: Delivery | None = None  # how an agent's reply went out by email
    # Tie-breaker for entries at the same instant: creation, then messages, then changes.
    rank: int = 1
    # Ready to print: what ``at|date:'c'``, ``at|date:'Y-m-d H:i:s'``, ``at|date:"M j, H:i"``,
    # ``at|ago`` and ``actor|initials`` would give, without a filter call per message.
    at_iso: str = field(init=False)
    at_title: str = field(init=False)
    at_label: str = field(init=False)
    ago: str = field(init=False)
    initials: str = field(init=False)
    files: list[Attachment] = field(default_factory=list)

    def __post_init__(self) -> None:
        local = timezone.localtime(self.at)
        self.at_iso = local.isoformat()
        self.at_title = local.strftime("%Y-%m-%d %H:%M:%S")
        month = MONTHS_3[local.month].title()
        self.at_label = f"{month} {local.day}, {local.hour:02d}:{local.minute:02d}"
        self.ago = ago(self.at)
        self.initials = initials(self.actor)


def _label(choices: type[Status] | type[Priority], value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


@dataclass(frozen=True)
class KnownNames:
    """Names the page has read already (the agents and teams of its selects), by id."""

    users: dict[int, str] = field(default_factory=dict)
    teams: dict[int, str] = field(default_factory=dict)
    contacts: dict[int, str] = field(default_factory=dict)


class _Names:
    """Who wrote each message and did each change, and the people and teams the events
    name, by id: those not known already are fetched in one query per kind (most are
    the desk's agents and the requester, which the page has read already)."""

    def __init__(
        self, messages: Sequence[Message], events: list[TicketEvent], known: KnownNames
    ) -> None:
        user_ids = {m.author_user_id for m in messages} | {e.actor_user_id for e in events}
        contact_ids = {m.author_contact_id for m in messages}
        contact_ids |= {e.actor_contact_id for e in events}
        team_ids: set[int] = set()
        for event in events:
            ids = {v for v in (event.before, event.after) if isinstance(v, int)}
            if event.kind in _USER_ID_EVENTS:
                user_ids |= ids
            elif event.kind == EventKind.TEAM_CHANGED:
                team_ids |= ids
        users = user_ids - known.users.keys() - {None}
        contacts = contact_ids - known.contacts.keys() - {None}
        teams = team_ids - known.teams.keys()
        people = User.objects.filter(pk__in=users).only("username", "first_name", "last_name")
        self.users = known.users | ({u.pk: u.display_name for u in people} if users else {})
        self.contacts = known.contacts | (
            dict(Contact.objects.filter(pk__in=contacts).values_list("pk", "name"))
            if contacts
            else {}
        )
        self.teams = known.teams | (
            dict(Team.objects.filter(pk__in=teams).values_list("pk", "name")) if teams else {}
        )

    def author(self, user_id: int | None, contact_id: int | None, nobody: str) -> str:
        """What ``Message.author_name`` and ``TicketEvent.actor_name`` say."""
        if user_id is not None:
            return self.users.get(user_id, nobody)
        if contact_id is not None:
            return self.contacts.get(contact_id, nobody)
        return nobody

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


def load_events(ticket: Ticket) -> list[TicketEvent]:
    """The ticket's whole event log, oldest first: the timeline shows some of it, the
    SLA clocks read all of it (one query for both; the actors' names come from _Names)."""
    return list(TicketEvent.objects.filter(ticket=ticket).order_by("created_at", "id"))


@dataclass
class Timeline:
    entries: list[TimelineEntry]
    emails: list[PanelEmail]  # the "Emails" panel


def build_timeline(
    ticket: Ticket, events: list[TicketEvent], known: KnownNames | None = None
) -> Timeline:
    messages = list(
        Message.objects.filter(ticket=ticket)
        # The sentiment row rides along in the same query (a reverse one-to-one join);
        # the authors' names come from _Names.
        .select_related("sentiment")
        # Most threads have no file: then no statement asks for their attachments.
        .annotate(has_files=Exists(Attachment.objects.filter(message=OuterRef("pk"))))
    )
    with_files = [message for message in messages if message.has_files]
    prefetch_related_objects(
        with_files, Prefetch("attachments", queryset=Attachment.objects.order_by("id"))
    )
    files = {message.pk: list(message.attachments.all()) for message in with_files}
    shown = [event for event in events if event.kind not in _HIDDEN_EVENTS]
    known = known or KnownNames()
    requester = {ticket.requester_id: ticket.requester.name}
    names = _Names(messages, shown, replace(known, contacts=known.contacts | requester))
    mail = ticket_mail(ticket, messages)
    entries = [
        _message_entry(message, names, mail, files.get(message.pk, [])) for message in messages
    ]
    entries += [
        TimelineEntry(
            kind="event",
            at=event.created_at,
            actor=names.author(event.actor_user_id, event.actor_contact_id, "System"),
            text=describe_event(event, names, ticket),
            rank=0 if event.kind == EventKind.CREATED else 2,
        )
        for event in shown
    ]
    # A reply that also changes the status shares its timestamp: the message comes first.
    entries.sort(key=lambda entry: (entry.at, entry.rank))
    return Timeline(entries, mail.emails)


def _message_entry(
    message: Message, names: _Names, mail: TicketMail, files: list[Attachment]
) -> TimelineEntry:
    inbound = message.author_contact_id is not None
    kind = "reply" if message.is_public else "note"
    return TimelineEntry(
        kind=kind,
        at=message.created_at,
        actor=names.author(message.author_user_id, message.author_contact_id, "Unknown"),
        message=message,
        inbound=inbound,
        sentiment=_sentiment_of(message),
        files=files,
        folded=mail.folded.get(message.pk) if inbound else None,
        delivery=mail.deliveries.get(message.pk) if kind == "reply" and not inbound else None,
    )
