"""The only writers of tickets and messages.

Each ``do_*`` function runs in a transaction, keeps the denormalised timestamps in
step, records one event per change and schedules side effects with on_commit.
``check_*`` functions validate that an actor may do something and raise
ActionForbidden / ActionError otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone

from heedful.accounts.models import Notification, NotificationKind, Team, User
from heedful.customers.models import Contact
from heedful.feedback.actions import on_ticket_event as feedback_on_ticket_event
from heedful.lib.errors import ActionError, ActionForbidden
from heedful.lib.html import sanitize_html, text_to_html
from heedful.lib.mentions import find_mentions
from heedful.mail.outbound import queue_reply_email
from heedful.sla.actions import do_start_new_ticket_clocks, schedule_clock_recompute
from heedful.tickets import tasks
from heedful.tickets.events import Actor, new_ticket_snapshot
from heedful.tickets.events import record_event as log_event
from heedful.tickets.models import (
    SOLVED_STATUSES,
    UNSOLVED_STATUSES,
    Attachment,
    Channel,
    Direction,
    EventKind,
    Message,
    Priority,
    Status,
    Tag,
    Ticket,
    TicketEvent,
    TicketTag,
)
from heedful.tickets.models import (
    Sequence as NumberSequence,
)
from heedful.webhooks.emit import emit_ticket_event

FIRST_TICKET_NUMBER = 1001
# PostgreSQL only (migration tickets/0009); SQLite counts in the Sequence table.
TICKET_NUMBER_SEQUENCE = "tickets_ticket_number"
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


def record_event(ticket: Ticket, kind: EventKind, actor: Actor, **details: Any) -> TicketEvent:
    """Log one change. SLA clocks are a function of this log, so every change also
    schedules their recompute, once per ticket, after the transaction commits; and
    webhook subscribers hear of it after the commit too. Feedback hears of it too: a
    solve schedules the CSAT survey, a customer's message is scored for sentiment."""
    event = log_event(ticket, kind, actor, **details)
    schedule_clock_recompute(ticket.pk)
    emit_ticket_event(event)
    feedback_on_ticket_event(event)
    return event


def _next_ticket_number() -> int:
    if connection.vendor == "postgresql":
        # A sequence, not the counter row below: that row's write lock is held until
        # commit, so every create waited for the one before it to finish and flush its
        # commit (about 4 ms): 254 creates/s with one server process or two
        # (docs/performance-history.md, "Ticket numbers from a sequence"). nextval takes no
        # lock; a create that rolls back leaves a gap in the numbers.
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [TICKET_NUMBER_SEQUENCE])
            return int(cursor.fetchone()[0])
    # SQLite has one writer at a time anyway. An UPDATE takes the row's write lock until
    # commit, so two concurrent creates can never read the same value; RETURNING (SQLite
    # >= 3.35) reads it in the same statement.
    table = connection.ops.quote_name(NumberSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET value = value + 1 WHERE name = %s RETURNING value", ["ticket"]
        )
        row = cursor.fetchone()
    if row is not None:
        return int(row[0])
    NumberSequence.objects.create(name="ticket", value=FIRST_TICKET_NUMBER)
    return FIRST_TICKET_NUMBER


def ticket_numbers_used_up_to(last: int) -> None:
    """After a bulk load that numbered its own tickets: the next create takes ``last + 1``
    (or later, never an earlier number)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            position = f"(SELECT last_value FROM {TICKET_NUMBER_SEQUENCE})"
            cursor.execute(
                f"SELECT setval(%s, GREATEST(%s, {position}))", [TICKET_NUMBER_SEQUENCE, last]
            )
        return
    NumberSequence.objects.update_or_create(name="ticket", defaults={"value": last})


def _notify(
    recipient: User,
    kind: NotificationKind,
    ticket: Ticket,
    *,
    actor: User,
    text: str,
    message: Message | None = None,
) -> None:
    """In-app notification now; the email copy is sent by the worker after commit."""
    notification = Notification.objects.create(
        recipient=recipient, kind=kind, ticket=ticket, message=message, actor=actor, text=text
    )
    transaction.on_commit(lambda: tasks.email_notification.enqueue(notification_id=notification.pk))


def check_staff(actor: User) -> None:
    if not actor.is_staff_member:
        raise ActionForbidden("Only staff members can do this.")


def check_full_agent(actor: User, what: str = "change tickets") -> None:
    if not actor.is_full_agent:
        raise ActionForbidden(f"Light agents cannot {what}; add an internal note instead.")


@transaction.atomic
def do_create_ticket(
    *,
    actor: User | Contact,
    requester: Contact,
    subject: str,
    body_text: str,
    body_html: str | None = None,
    channel: str = Channel.WEB,
    priority: str = Priority.NORMAL,
    assignee: User | None = None,
    team: Team | None = None,
    tags: Iterable[str] = (),
    custom_fields: dict[str, Any] | None = None,
    external_id: str = "",
    created_at: datetime | None = None,
    attachments: Sequence[UploadedFile] = (),
) -> Ticket:
    """Open a ticket with its first message. A ticket written by the customer waits on us;
    one an agent opens on the customer's behalf starts with our outbound message.
    ``attachments`` are the first message's files (portal, web form, API)."""
    if isinstance(actor, User):
        check_full_agent(actor, "open tickets")
    if priority not in Priority.values:
        raise ActionError(f"Unknown priority {priority!r}.", field="priority")
    if assignee is not None and not assignee.is_full_agent:
        raise ActionError("Tickets can only be assigned to full agents.", field="assignee")
    ticket, _ = _open_ticket(
        Ticket(
            status=Status.NEW if isinstance(actor, Contact) else Status.OPEN,
            priority=priority,
            channel=channel,
            requester=requester,
            assignee=assignee,
            team=team,
            custom_fields=dict(custom_fields or {}),
        ),
        actor=actor,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        tags=tags,
        external_id=external_id,
        at=created_at or timezone.now(),
        attachments=attachments,
    )
    return ticket


# No savepoint, as do_add_inbound_message: the mail pipeline runs it inside its own
# transaction and rolls all of it back on any error.
@transaction.atomic(savepoint=False)
def do_create_inbound_ticket(
    *,
    requester: Contact,
    subject: str,
    body_text: str,
    body_html: str | None,
    channel: str,
    tags: Iterable[str],
    external_id: str,
    at: datetime,
) -> tuple[Ticket, Message]:
    """Open a ticket that a channel delivered (an email): the requester wrote its first
    message, which comes back with it (the caller needs it; reading it back would be
    one more query)."""
    ticket = Ticket(status=Status.NEW, channel=channel, requester=requester)
    return _open_ticket(
        ticket,
        actor=requester,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        tags=tags,
        external_id=external_id,
        at=at,
    )


def _open_ticket(
    ticket: Ticket,
    *,
    actor: User | Contact,
    subject: str,
    body_text: str,
    body_html: str | None,
    tags: Iterable[str],
    external_id: str,
    at: datetime,
    attachments: Sequence[UploadedFile] = (),
) -> tuple[Ticket, Message]:
    """Insert ``ticket`` (its status, channel, requester and assignment set) with its
    first message."""
    subject = subject.strip()
    if not subject:
        raise ActionError("A ticket needs a subject.", field="subject")
    ticket.number = _next_ticket_number()
    ticket.subject = subject[:300]
    requester = ticket.requester
    if Contact._meta.get_field("organization").is_cached(requester):
        ticket.organization = requester.organization  # the API's response shows it
    else:
        ticket.organization_id = requester.organization_id  # not read just for its id
    ticket.created_at = ticket.updated_at = at
    # Its first message counted before the insert: one INSERT, no UPDATE after it.
    _count_message(ticket, actor, is_public=True, at=at)
    ticket.save(force_insert=True)
    names = normalise_tags(tags)
    for name in names:
        TicketTag.objects.create(ticket=ticket, tag=Tag.objects.get_or_create(name=name)[0])
    snapshot = new_ticket_snapshot(ticket, names)
    events = [record_event(ticket, EventKind.CREATED, actor, after=snapshot, at=at)]
    message = _add_message(
        ticket,
        author=actor,
        body_text=body_text,
        body_html=body_html,
        is_public=True,
        channel=ticket.channel,
        external_id=external_id,
        at=at,
        attachments=attachments,
        events=events,
        counted=True,
    )
    # Its SLA clocks now, from the two events in memory, rather than read back after
    # the commit in a transaction of their own (docs/performance-history.md, "API under
    # load").
    due_fields = do_start_new_ticket_clocks(ticket, events)
    if due_fields:
        ticket.save(update_fields=due_fields)
    return ticket, message


def check_add_message(ticket: Ticket, author: User | Contact, *, is_public: bool) -> None:
    if isinstance(author, Contact):
        if author.pk != ticket.requester_id and (
            author.organization_id is None or author.organization_id != ticket.organization_id
        ):
            raise ActionForbidden("This contact cannot write on this ticket.")
        if not is_public:
            raise ActionForbidden("Customers cannot write internal notes.")
        return
    check_staff(author)
    if is_public:
        check_full_agent(author, "reply to customers")


@transaction.atomic
def do_add_message(
    ticket: Ticket,
    *,
    author: User | Contact,
    body_text: str,
    body_html: str | None = None,
    is_public: bool = True,
    channel: str | None = None,
    attachments: Sequence[UploadedFile] = (),
    external_id: str = "",
    created_at: datetime | None = None,
    new_status: str | None = None,
    workaround: bool = False,
) -> Message:
    """Add a public reply or an internal note; an agent's reply may also set the status,
    and say that it unblocks the customer (a workaround)."""
    check_add_message(ticket, author, is_public=is_public)
    if workaround and not (is_public and isinstance(author, User)):
        raise ActionError(
            "Only an agent's public reply can unblock the customer.", field="workaround"
        )
    if new_status is not None:
        assert isinstance(author, User)
        check_change_status(author, new_status)
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    at = created_at or timezone.now()
    message = _add_message(
        ticket,
        author=author,
        body_text=body_text,
        body_html=body_html,
        is_public=is_public,
        channel=channel or (Channel.AGENT if isinstance(author, User) else ticket.channel),
        external_id=external_id,
        attachments=attachments,
        at=at,
        workaround=workaround,
    )
    if new_status is not None and new_status != ticket.status:
        assert isinstance(author, User)
        do_change_status(ticket, new_status, actor=author, at=at)
    if is_public and isinstance(author, User) and created_at is None:
        # A live reply goes to the customer by email (the worker sends it after commit);
        # backdated history (imports, demo data) is never emailed.
        queue_reply_email(message)
    return message


# No savepoint: its callers (the mail pipeline) run it inside their own transaction and
# roll all of it back on any error; a savepoint would be two more queries per message.
@transaction.atomic(savepoint=False)
def do_add_inbound_message(
    ticket: Ticket,
    *,
    author: Contact | None,
    body_text: str,
    body_html: str | None,
    channel: str,
    external_id: str,
    at: datetime,
    is_public: bool = True,
    read_in_transaction: bool = False,
    locked: bool = False,
) -> Message:
    """Add a message that a channel delivered and already vouched for: a customer's
    email that threading matched to this ticket (its author may be a follower from
    another organization, someone copied on the thread, which ``check_add_message``
    would refuse), or a system note (``author=None``, e.g. a bounce). No email is sent:
    the message came in. ``at`` never goes before the ticket's creation.
    ``read_in_transaction``: the caller read ``ticket`` in the current transaction;
    ``locked``: with ``SELECT ... FOR UPDATE`` (what it read is current and stays so)."""
    if locked or (read_in_transaction and not connection.features.has_select_for_update):
        # SQLite: the transaction took the write lock of the whole database when it
        # began (BEGIN IMMEDIATE), so what it read is current and stays so; reading it
        # again would be one more query per email.
        current = ticket
    else:
        current = Ticket.objects.select_for_update().get(pk=ticket.pk)
    return _add_message(
        current,
        author=author,
        body_text=body_text,
        body_html=body_html,
        is_public=is_public,
        channel=channel,
        external_id=external_id,
        at=max(at, current.created_at),
    )


def _add_message(
    ticket: Ticket,
    *,
    author: Actor,
    body_text: str,
    body_html: str | None,
    is_public: bool,
    channel: str,
    external_id: str,
    at: datetime,
    attachments: Sequence[UploadedFile] = (),
    workaround: bool = False,
    events: list[TicketEvent] | None = None,
    counted: bool = False,
) -> Message:
    """``counted``: the caller applied ``_count_message`` to ``ticket`` and saves it."""
    body_text = body_text.strip()
    if not body_text and not attachments:
        raise ActionError("The message is empty.", field="body")
    for upload in attachments:
        if (upload.size or 0) > MAX_ATTACHMENT_BYTES:
            raise ActionError(f"{upload.name} is larger than 20 MB.", field="attachments")
    from_customer = isinstance(author, Contact)
    message = Message.objects.create(
        ticket=ticket,
        direction=Direction.INBOUND if from_customer else Direction.OUTBOUND,
        is_public=is_public,
        author_user=author if isinstance(author, User) else None,
        author_contact=author if isinstance(author, Contact) else None,
        body_text=body_text,
        body_html=sanitize_html(body_html) if body_html else text_to_html(body_text),
        channel=channel,
        external_id=external_id,
        created_at=at,
        is_workaround=workaround,
    )
    for upload in attachments:
        Attachment.objects.create(
            message=message,
            file=upload,
            filename=(upload.name or "attachment")[:255],
            content_type=(upload.content_type or "application/octet-stream")[:100],
            size=upload.size or 0,
        )
    if not counted:
        fields = _count_message(ticket, author, is_public=is_public, at=at)
        ticket.save(update_fields=sorted(set(fields)))
    event = record_event(
        ticket,
        EventKind.MESSAGE_ADDED,
        author,
        after={"message": str(message.public_id), "public": is_public}
        | ({"workaround": True} if workaround else {}),
        message=message,
        at=at,
    )
    if events is not None:
        events.append(event)
    if not is_public and isinstance(author, User):
        _notify_mentions(ticket, message, author, at)
    return message


def _count_message(ticket: Ticket, author: Actor, *, is_public: bool, at: datetime) -> list[str]:
    """A new message's changes to its ticket (in memory; the caller saves the fields)."""
    fields = ["message_count", "updated_at"]
    ticket.message_count += 1
    ticket.updated_at = max(ticket.updated_at, at)
    if isinstance(author, Contact):
        fields += _on_customer_message(ticket, author, at)
    elif is_public and author is not None:
        fields += _on_agent_reply(ticket, at)
    return fields


def _on_customer_message(ticket: Ticket, author: Contact, at: datetime) -> list[str]:
    ticket.last_customer_message_at = at
    fields = ["last_customer_message_at"]
    if ticket.waiting_since is None:
        ticket.waiting_since = at
        fields.append("waiting_since")
    if ticket.status not in (Status.NEW, Status.OPEN) and ticket.message_count > 1:
        # The customer wrote back: a pending, on-hold or solved ticket needs us again.
        fields += _set_status(ticket, Status.OPEN, actor=author, at=at)
    Contact.objects.filter(pk=author.pk).update(last_contact_at=at)
    return fields


def _on_agent_reply(ticket: Ticket, at: datetime) -> list[str]:
    ticket.last_agent_message_at = at
    ticket.waiting_since = None
    fields = ["last_agent_message_at", "waiting_since"]
    if ticket.first_response_at is None and ticket.last_customer_message_at is not None:
        ticket.first_response_at = at
        fields.append("first_response_at")
    return fields


def _notify_mentions(ticket: Ticket, message: Message, author: User, at: datetime) -> None:
    usernames = find_mentions(message.body_text)
    if not usernames:
        return
    mentioned = User.objects.filter(username__in=usernames, is_active=True).exclude(pk=author.pk)
    for user in mentioned:
        if not user.is_staff_member:
            continue
        if not user.is_full_agent:
            # Mentioning a light agent loops them in, so they can read the ticket.
            _loop_in(ticket, user, actor=author, at=at)
        text = f"{author.display_name} mentioned you on {ticket.ref}"
        _notify(user, NotificationKind.MENTION, ticket, actor=author, text=text, message=message)


def check_change_status(actor: User, status: str) -> None:
    check_full_agent(actor, "change the status")
    if status not in Status.values:
        raise ActionError(f"Unknown status {status!r}.", field="status")


def _set_status(ticket: Ticket, status: str, *, actor: Actor, at: datetime) -> list[str]:
    """Change the status and its timestamps; the caller saves the returned fields."""
    before = ticket.status
    ticket.status = status
    fields = ["status"]
    if status in UNSOLVED_STATUSES and before in SOLVED_STATUSES:
        ticket.reopened_count += 1
        ticket.solved_at = None
        fields += ["reopened_count", "solved_at"]
    if status in (Status.SOLVED, Status.CLOSED):
        if ticket.solved_at is None:
            ticket.solved_at = at
        ticket.waiting_since = None
        fields += ["solved_at", "waiting_since"]
    elif status == Status.PENDING:
        ticket.waiting_since = None
        fields.append("waiting_since")
    record_event(
        ticket, EventKind.STATUS_CHANGED, actor, field="status", before=before, after=status, at=at
    )
    return fields


@transaction.atomic
def do_change_status(
    ticket: Ticket, status: str, *, actor: User, at: datetime | None = None
) -> None:
    check_change_status(actor, status)
    if status == ticket.status:
        return
    at = at or timezone.now()
    fields = _set_status(ticket, status, actor=actor, at=at)
    ticket.updated_at = at
    ticket.save(update_fields=[*set(fields), "updated_at"])


def _change_field(
    ticket: Ticket,
    field: str,
    value: Any,
    kind: EventKind,
    actor: User,
    at: datetime | None = None,
) -> bool:
    before = getattr(ticket, field)
    if before == value:
        return False
    at = at or timezone.now()
    setattr(ticket, field, value)
    ticket.updated_at = at
    ticket.save(update_fields=[field, "updated_at"])
    record_event(ticket, kind, actor, field=field, before=before, after=value, at=at)
    return True


@transaction.atomic
def do_change_priority(ticket: Ticket, priority: str, *, actor: User) -> None:
    check_full_agent(actor, "change the priority")
    if priority not in Priority.values:
        raise ActionError(f"Unknown priority {priority!r}.", field="priority")
    _change_field(ticket, "priority", priority, EventKind.PRIORITY_CHANGED, actor)


@transaction.atomic
def do_change_subject(ticket: Ticket, subject: str, *, actor: User) -> None:
    check_full_agent(actor, "change the subject")
    subject = subject.strip()
    if not subject:
        raise ActionError("A ticket needs a subject.", field="subject")
    _change_field(ticket, "subject", subject[:300], EventKind.SUBJECT_CHANGED, actor)


@transaction.atomic
def do_assign_ticket(
    ticket: Ticket, assignee: User | None, *, actor: User, at: datetime | None = None
) -> None:
    """``at`` backdates the change (imports and demo data); otherwise it is now."""
    check_full_agent(actor, "assign tickets")
    if assignee is not None and not assignee.is_full_agent:
        raise ActionError("Tickets can only be assigned to full agents.", field="assignee")
    new_id = assignee.pk if assignee else None
    changed = _change_field(ticket, "assignee_id", new_id, EventKind.ASSIGNEE_CHANGED, actor, at=at)
    if changed and assignee is not None and assignee.pk != actor.pk:
        text = f"{actor.display_name} assigned {ticket.ref} to you"
        _notify(assignee, NotificationKind.ASSIGNED, ticket, actor=actor, text=text)


@transaction.atomic
def do_change_team(ticket: Ticket, team: Team | None, *, actor: User) -> None:
    check_full_agent(actor, "move tickets between teams")
    _change_field(ticket, "team_id", team.pk if team else None, EventKind.TEAM_CHANGED, actor)


def normalise_tags(names: Iterable[str]) -> list[str]:
    cleaned: dict[str, None] = {}
    for name in names:
        tag = "-".join(name.strip().lower().split())[:50]
        if tag:
            cleaned.setdefault(tag, None)
    return list(cleaned)


@transaction.atomic
def do_set_tags(ticket: Ticket, names: Iterable[str], *, actor: User) -> None:
    """Make the ticket's tags exactly ``names``, recording one event per tag added or removed."""
    check_full_agent(actor, "change tags")
    wanted = set(normalise_tags(names))
    current = {
        tt.tag.name: tt for tt in TicketTag.objects.filter(ticket=ticket).select_related("tag")
    }
    at = timezone.now()
    for name in sorted(set(current) - wanted):
        current[name].delete()
        record_event(ticket, EventKind.TAG_REMOVED, actor, field="tags", before=name, at=at)
    for name in sorted(wanted - set(current)):
        TicketTag.objects.create(ticket=ticket, tag=Tag.objects.get_or_create(name=name)[0])
        record_event(ticket, EventKind.TAG_ADDED, actor, field="tags", after=name, at=at)
    if wanted != set(current):
        ticket.updated_at = at
        ticket.save(update_fields=["updated_at"])


@transaction.atomic
def do_add_tag(ticket: Ticket, name: str, *, actor: User) -> None:
    current = list(ticket.tags.values_list("name", flat=True))
    do_set_tags(ticket, [*current, name], actor=actor)


@transaction.atomic
def do_set_custom_field(ticket: Ticket, key: str, value: Any, *, actor: User) -> None:
    """Set (or, with None, remove) one custom field."""
    check_full_agent(actor, "change fields")
    key = key.strip()
    if not key or len(key) > 100:
        raise ActionError("A field name must be 1 to 100 characters.", field="key")
    before = ticket.custom_fields.get(key)
    if before == value:
        return
    at = timezone.now()
    if value is None:
        ticket.custom_fields.pop(key, None)
    else:
        ticket.custom_fields[key] = value
    ticket.updated_at = at
    ticket.save(update_fields=["custom_fields", "updated_at"])
    record_event(
        ticket, EventKind.FIELD_CHANGED, actor, field=key, before=before, after=value, at=at
    )


def _loop_in(ticket: Ticket, user: User, *, actor: User, at: datetime) -> bool:
    if ticket.collaborators.filter(pk=user.pk).exists():
        return False
    ticket.collaborators.add(user)
    record_event(
        ticket, EventKind.COLLABORATOR_ADDED, actor, field="collaborators", after=user.pk, at=at
    )
    return True


@transaction.atomic
def do_loop_in(ticket: Ticket, user: User, *, actor: User) -> None:
    """Bring a colleague from any department into the ticket (R11)."""
    check_full_agent(actor, "loop people in")
    if not user.is_staff_member:
        raise ActionError("Only staff members can be looped in.", field="user")
    if _loop_in(ticket, user, actor=actor, at=timezone.now()) and user.pk != actor.pk:
        text = f"{actor.display_name} looped you into {ticket.ref}"
        _notify(user, NotificationKind.LOOPED_IN, ticket, actor=actor, text=text)


@dataclass(frozen=True)
class BulkChange:
    """What to do to every selected ticket; None means "leave as it is"."""

    status: str | None = None
    priority: str | None = None
    assignee: User | None = None
    unassign: bool = False
    team: Team | None = None
    add_tag: str | None = None


@transaction.atomic
def do_bulk_update(tickets: Iterable[Ticket], change: BulkChange, *, actor: User) -> int:
    """Apply one change to many tickets; all or nothing."""
    count = 0
    for ticket in tickets:
        if change.status is not None:
            do_change_status(ticket, change.status, actor=actor)
        if change.priority is not None:
            do_change_priority(ticket, change.priority, actor=actor)
        if change.assignee is not None or change.unassign:
            do_assign_ticket(ticket, change.assignee, actor=actor)
        if change.team is not None:
            do_change_team(ticket, change.team, actor=actor)
        if change.add_tag:
            do_add_tag(ticket, change.add_tag, actor=actor)
        count += 1
    return count
