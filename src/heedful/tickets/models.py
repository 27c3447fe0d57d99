"""Tickets, their messages and attachments, tags, and the append-only event log.

Nothing here writes business state on its own: every change goes through
heedful.tickets.actions, which also records one TicketEvent per change.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone


class Status(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    PENDING = "pending", "Pending customer"
    ON_HOLD = "on_hold", "On hold"
    SOLVED = "solved", "Solved"
    CLOSED = "closed", "Closed"


UNSOLVED_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)
SOLVED_STATUSES = (Status.SOLVED, Status.CLOSED)


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    WEB = "web", "Web form"
    PORTAL = "portal", "Customer portal"
    API = "api", "API"
    TWITTER = "twitter", "Twitter"
    PHONE = "phone", "Phone"
    AGENT = "agent", "Created by an agent"


class Sequence(models.Model):
    """Named counters (e.g. ticket numbers), incremented atomically inside a transaction."""

    name = models.CharField(max_length=50, primary_key=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class Tag(models.Model):
    name = models.SlugField(max_length=50, unique=True, allow_unicode=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Phase(models.TextChoices):
    UNSOLVED = "unsolved", "Unsolved"
    SOLVED = "solved", "Solved"


# The waiting_key of tickets nobody waits on: after every real time, so they sort last.
NOBODY_WAITS = datetime(9999, 12, 31, tzinfo=UTC)
# The due_key of tickets with no running SLA clock: last in the "due soonest" sort.
NOTHING_DUE = NOBODY_WAITS
# Inbox sort columns: (index name part, column).
SORT_COLUMNS = (
    ("waiting", "waiting_key"), ("created", "created_at"), ("updated", "updated_at"),
    ("due", "due_key"),
)  # fmt: skip


def _sort_indexes(name: str, leading: list[str], condition: Q | None = None) -> list[models.Index]:
    return [
        models.Index(
            fields=[*leading, column, "id"], name=f"ticket_{name}_{part}_idx", condition=condition
        )
        for part, column in SORT_COLUMNS
    ]


class Ticket(models.Model):
    number = models.PositiveBigIntegerField(unique=True, editable=False)
    subject = models.CharField(max_length=300)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(max_length=20, choices=Priority.choices, default=Priority.NORMAL)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.WEB)
    requester = models.ForeignKey(
        "customers.Contact", on_delete=models.PROTECT, related_name="tickets"
    )
    organization = models.ForeignKey(
        "customers.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    tags: models.ManyToManyField[Tag, TicketTag] = models.ManyToManyField(
        Tag, through="TicketTag", blank=True, related_name="tickets"
    )
    # Staff looped into the ticket (light agents from other departments, R11).
    collaborators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="looped_tickets"
    )
    custom_fields = models.JSONField(default=dict, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Denormalised timestamps, kept by the actions in the same transaction as the change.
    first_response_at = models.DateTimeField(null=True, blank=True)
    last_customer_message_at = models.DateTimeField(null=True, blank=True)
    last_agent_message_at = models.DateTimeField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    reopened_count = models.PositiveIntegerField(default=0)
    # When the customer started waiting for us; None while nobody waits on us.
    waiting_since = models.DateTimeField(null=True, blank=True)
    message_count = models.PositiveIntegerField(default=0)
    # SLA due times of the clocks that run now, None for a clock that does not run
    # (paused, achieved, stopped, or no target). Only heedful.sla.actions writes them, in
    # the transaction that rebuilds the ticket's clocks. next_due_at is the nearest of
    # the four: "breaching next" and "due soonest" read it through an index.
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    next_update_due_at = models.DateTimeField(null=True, blank=True)
    unblock_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    next_due_at = models.DateTimeField(null=True, blank=True)

    # Computed by the database, so no writer can forget them. "phase" turns the four
    # unsolved statuses into one value: an equality that an index can range-scan in sort
    # order (``status IN (...)`` makes both SQLite and PostgreSQL sort every match).
    # "waiting_key" is waiting_since with "nobody waits" as the far future, so the
    # "oldest waiting" sort (NULLs last) is one index range on both databases.
    phase = models.GeneratedField(
        expression=Case(
            When(status__in=UNSOLVED_STATUSES, then=Value("unsolved")),
            default=Value("solved"),
        ),
        output_field=models.CharField(max_length=10, choices=Phase.choices),
        db_persist=True,
    )
    waiting_key = models.GeneratedField(
        expression=Coalesce(F("waiting_since"), Value(NOBODY_WAITS)),
        output_field=models.DateTimeField(),
        db_persist=True,
    )
    # next_due_at with "nothing due" as the far future: the "due soonest" sort, like
    # waiting_key, is one index range whose NULLs come last on both databases.
    due_key = models.GeneratedField(
        expression=Coalesce(F("next_due_at"), Value(NOTHING_DUE)),
        output_field=models.DateTimeField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        # Every inbox list (view x filter x sort, see tickets/inbox.py) is one range scan
        # of one of these in sort order: equality on the leading columns, then the sort
        # column, then id as the tie-breaker of keyset pagination. The tag filter has none
        # of its own (tags live in another table): see tickets/inbox.py.
        indexes = [
            *_sort_indexes("phase", ["phase"]),
            *_sort_indexes("status", ["status"]),
            *_sort_indexes("assignee", ["assignee", "phase"]),
            *_sort_indexes("team", ["team", "phase"]),
            *_sort_indexes("org", ["organization", "phase"]),
            *_sort_indexes("priority", ["priority", "phase"]),
            # The API's lists, which need no status (heedful.api.ticket_query): every
            # ticket, a requester's (a customer token's own) and an organization's. Also
            # the customer 360 lists, newest first.
            *_sort_indexes("all", []),
            *_sort_indexes("requester", ["requester"]),
            *_sort_indexes("organy", ["organization"]),
            models.Index(fields=["solved_at"], name="ticket_solved_at_idx"),
            # "Unassigned": ``assignee_id IS NULL`` is no equality to PostgreSQL, so the
            # (assignee, phase, ...) indexes give it no order there: it sorted every
            # unassigned ticket or walked another index in the hope of meeting them early
            # (26-190 ms at 1M). These hold only that view's tickets, in each sort order.
            *_sort_indexes(
                "unassigned", [], condition=Q(assignee__isnull=True, phase=Phase.UNSOLVED)
            ),
            # A requester's open tickets ("N open", ticket and customer pages) counted from
            # the index alone: PostgreSQL ANDed the foreign key's index with a scan of every
            # unsolved ticket, 8-13 ms for a requester with 4,000 tickets.
            models.Index(fields=["requester", "status"], name="ticket_requester_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.subject}"

    @property
    def ref(self) -> str:
        return format_ref(self.number)

    @property
    def is_solved(self) -> bool:
        return self.status in SOLVED_STATUSES


def format_ref(number: int) -> str:
    return f"{settings.TICKET_REF_PREFIX}-{number}"


def parse_ref(ref: str) -> int | None:
    """``"HD-1042"`` (any case, or just ``"1042"``) -> 1042; None when it is not a ref."""
    text = ref.strip().upper()
    prefix = f"{settings.TICKET_REF_PREFIX}-"
    if text.startswith(prefix):
        text = text[len(prefix) :]
    return int(text) if text.isdigit() and len(text) < 18 else None


def _tag_sort_indexes() -> list[models.Index]:
    return [
        models.Index(fields=["tag", "phase", column, "ticket"], name=f"tickettag_{part}_idx")
        for part, column in SORT_COLUMNS
    ]


class TicketTag(models.Model):
    """A tag on a ticket, with copies of the ticket's phase and sort keys.

    The copies give a common tag's inbox list an index in sort order: walking the view's
    ticket index and probing each ticket's tags read 51 / (the tag's share) rows a page,
    and far more where the tag is rare in that part of the order (84 ms for a deep page
    at 1M on PostgreSQL). The database keeps them (heedful.tickets.sort_keys: triggers on
    both tables), so no writer, bulk update or SQL script can leave them stale.
    """

    # No index of their own: (ticket, tag) and (tag, phase, ...) below lead with them.
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, db_index=False)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, db_index=False)
    # The ticket's, written only by the triggers (NULL for an instant on SQLite, whose
    # triggers run after the insert).
    phase = models.CharField(max_length=10, choices=Phase.choices, null=True, editable=False)
    waiting_key = models.DateTimeField(null=True, editable=False)
    created_at = models.DateTimeField(null=True, editable=False)
    updated_at = models.DateTimeField(null=True, editable=False)
    due_key = models.DateTimeField(null=True, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "tag"], name="tickettag_unique")]
        indexes = _tag_sort_indexes()

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.tag_id}"


class Direction(models.TextChoices):
    INBOUND = "inbound", "From the customer"
    OUTBOUND = "outbound", "From us"


class Message(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=10, choices=Direction.choices)
    # False for internal notes, which customers never see.
    is_public = models.BooleanField(default=True)
    # A public reply that unblocks the customer before the root cause is fixed (R2): it
    # achieves the SLA's time-to-unblock clock.
    is_workaround = models.BooleanField(default=False, db_default=False)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_contact = models.ForeignKey(
        "customers.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body_text = models.TextField()
    body_html = models.TextField(help_text="Sanitized HTML, safe to display.")
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.WEB)
    # The message's id on its channel (an email Message-ID, a tweet id), for de-duplication.
    external_id = models.CharField(max_length=300, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at", "id"], name="message_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.body_text[:40]}"

    @property
    def author_name(self) -> str:
        if self.author_user is not None:
            return self.author_user.display_name
        if self.author_contact is not None:
            return self.author_contact.name
        return "Unknown"


class Attachment(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m/")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.filename


class EventKind(models.TextChoices):
    CREATED = "created", "Ticket created"
    MESSAGE_ADDED = "message_added", "Message added"
    STATUS_CHANGED = "status_changed", "Status changed"
    PRIORITY_CHANGED = "priority_changed", "Priority changed"
    ASSIGNEE_CHANGED = "assignee_changed", "Assignee changed"
    TEAM_CHANGED = "team_changed", "Team changed"
    TAG_ADDED = "tag_added", "Tag added"
    TAG_REMOVED = "tag_removed", "Tag removed"
    FIELD_CHANGED = "field_changed", "Field changed"
    SUBJECT_CHANGED = "subject_changed", "Subject changed"
    COLLABORATOR_ADDED = "collaborator_added", "Looped in"
    # Follow-up reminders and "did this solve it?" checks (heedful.reminders, R9).
    FOLLOW_UP_SET = "follow_up_set", "Follow-up set"
    FOLLOW_UP_DUE = "follow_up_due", "Follow-up due"
    FOLLOW_UP_DONE = "follow_up_done", "Follow-up done"
    FOLLOW_UP_CANCELLED = "follow_up_cancelled", "Follow-up cancelled"
    SOLVED_CHECK_SENT = "solved_check_sent", "Asked the customer: did this solve it?"
    SOLVED_CONFIRMED = "solved_confirmed", "The customer confirmed it is solved"
    SOLVED_DENIED = "solved_denied", "The customer says this is not solved"


class AppendOnlyQuerySet(models.QuerySet["TicketEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("The ticket event log is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("The ticket event log is append-only")


class TicketEvent(models.Model):
    """One row per change to a ticket; never updated or deleted (R6)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_contact = models.ForeignKey(
        "customers.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    field = models.CharField(max_length=100, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[AppendOnlyQuerySet] = AppendOnlyQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at", "id"], name="event_ticket_idx"),
            models.Index(fields=["kind", "created_at"], name="event_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("The ticket event log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("The ticket event log is append-only")

    @property
    def actor_name(self) -> str:
        if self.actor_user is not None:
            return self.actor_user.display_name
        if self.actor_contact is not None:
            return self.actor_contact.name
        return "System"
