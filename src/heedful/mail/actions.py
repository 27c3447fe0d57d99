"""The one ingest pipeline every way in (import, SMTP/LMTP, IMAP, API) goes through.

1. Store the raw bytes (compressed) in their own transaction, keyed by Message-ID:
   a second delivery of the same message stops here (unique constraint, race included).
2. Parse, thread and write the ticket message in a second transaction that first claims
   the stored row, so a crash between 1 and 2 is finished by the next delivery.
3. If 2 fails for any reason, the message still becomes a ticket with its raw source
   attached and a visible warning (a poison message never blocks the queue).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from heedful.customers.models import Contact
from heedful.mail.body import Body, StoredFile, build_body
from heedful.mail.contacts import contact_for, contacts_for, our_addresses, unknown_sender
from heedful.mail.identity import identify, message_key
from heedful.mail.models import (
    DeliveryStatus,
    Direction,
    FollowerSource,
    FollowUp,
    MailFollower,
    MailMessage,
    MailReference,
    Source,
    State,
)
from heedful.mail.outbound_ack import queue_auto_ack
from heedful.mail.parsing import Address, ParsedEmail, parse_email
from heedful.mail.prepare import Prepared
from heedful.mail.quoting import Folded
from heedful.mail.threading import find_thread, own_keys
from heedful.tickets import actions as ticket_actions
from heedful.tickets.models import Attachment, Channel, Message, Status, Ticket

logger = logging.getLogger(__name__)


class Outcome(models.TextChoices):
    CREATED = "created", "New ticket"
    THREADED = "threaded", "Added to a ticket"
    DUPLICATE = "duplicate", "Already received"
    FAILED = "failed", "Kept as an unreadable-mail ticket"


class AlreadyProcessed(Exception):
    """Another worker processed this stored message first."""


@dataclass(frozen=True)
class IngestResult:
    outcome: Outcome
    mail: MailMessage
    ticket: Ticket | None


def ingest_raw(
    raw: bytes,
    *,
    source: str,
    mailbox: str = "",
    envelope_recipients: Sequence[str] = (),
    prepared: Prepared | None = None,
) -> IngestResult:
    """``prepared``: ``prepare(raw)``, when a batch import computed it already."""
    key, message_id = identify(raw)
    mail = MailMessage.objects.filter(key=key).defer("raw").first()
    if mail is None:
        try:
            with transaction.atomic():
                mail = MailMessage.objects.create(
                    key=key,
                    message_id=message_id,
                    direction=Direction.INBOUND,
                    source=source,
                    mailbox=mailbox[:200],
                    raw=MailMessage.compress(raw),
                    raw_size=len(raw),
                )
        except IntegrityError:  # the same message, delivered concurrently
            mail = MailMessage.objects.defer("raw").get(key=key)
    live = source != Source.IMPORT
    return ingest_stored(mail, raw, live=live, recipients=envelope_recipients, prepared=prepared)


def ingest_stored(
    mail: MailMessage,
    raw: bytes,
    *,
    live: bool,
    recipients: Sequence[str] = (),
    prepared: Prepared | None = None,
) -> IngestResult:
    """Steps 2-3 for a message whose raw bytes are committed already (``mail``)."""
    if mail.state != State.RECEIVED:
        return IngestResult(Outcome.DUPLICATE, mail, _ticket_of(mail))
    return _process(mail, raw, live=live, recipients=recipients, prepared=prepared)


def _ticket_of(mail: MailMessage) -> Ticket | None:
    if mail.ticket_id is None:
        return None
    if MailMessage.ticket.is_cached(mail):  # processed a moment ago (a batch's duplicate)
        return mail.ticket
    return Ticket.objects.filter(pk=mail.ticket_id).first()


def _process(
    mail: MailMessage,
    raw: bytes,
    *,
    live: bool,
    recipients: Sequence[str],
    prepared: Prepared | None = None,
) -> IngestResult:
    parsed: ParsedEmail | None = None
    unprocessed = _processed_values(mail)
    try:
        parsed = prepared.parsed if prepared is not None else parse_email(raw)
        parsed.envelope = [r.lower() for r in recipients]
        parsed.recipients += parsed.envelope
        with transaction.atomic():
            folded = prepared.folded if prepared is not None else None
            # Claimed at the end, by _finish's conditional update (one query, not two).
            outcome, ticket = _deliver(mail, parsed, live=live, folded=folded)
        return IngestResult(outcome, mail, ticket)
    except AlreadyProcessed:  # another worker finished it meanwhile: all of ours rolled back
        mail.refresh_from_db(fields=_PROCESSED_FIELDS)
        return IngestResult(Outcome.DUPLICATE, mail, _ticket_of(mail))
    except Exception as exc:
        # Rolled back: so are the values _finish set (a batch's duplicate reads this object).
        for name, value in unprocessed.items():
            setattr(mail, name, value)
        logger.exception(
            "mail: could not process message %s (Message-ID %r); keeping it as a ticket",
            mail.public_id,
            mail.message_id,
        )
        return _keep_failed(mail, parsed, exc)


def _message_time(parsed: ParsedEmail, live: bool) -> datetime:
    """Live mail counts from when it reached us; imported history keeps its Date."""
    now = timezone.now()
    if live or parsed.date is None:
        return now
    if parsed.date.year < 1990 or parsed.date > now + timedelta(days=1):
        return now
    return parsed.date


def _deliver(
    mail: MailMessage, parsed: ParsedEmail, *, live: bool, folded: Folded | None
) -> tuple[Outcome, Ticket]:
    _lock_conversation(mail, parsed)
    at = _message_time(parsed, live)
    body = build_body(parsed, folded)
    mail.warnings = [*parsed.warnings, *body.warnings]
    if parsed.bounce is not None:
        bounced = _bounced_ticket(mail, parsed, at)
        if bounced is not None:
            return Outcome.THREADED, bounced
    sender, copied = _people(parsed)
    match = find_thread(parsed, sender)
    ticket = match.ticket
    previous = None
    closed = ticket is not None and ticket.status == Status.CLOSED
    if closed and settings.MAIL_REPLY_TO_CLOSED == "follow_up":
        previous, ticket = ticket, _open_follow_up(ticket)  # type: ignore[arg-type]
    if ticket is None:
        ticket, message = _create_ticket(parsed, sender, body, at)
        outcome = Outcome.CREATED
        if previous is not None:
            FollowUp.objects.create(ticket=ticket, previous=previous, created_at=at)
    else:
        locked = match.locked and previous is None  # not the follow-up: read unlocked
        message = _add_reply(ticket, sender, parsed, body, at, locked=locked)
        outcome = Outcome.THREADED
    _save_files(message, body.files)
    _remember(mail, parsed, ticket, at, match.known)
    _add_followers(ticket, sender, copied, at)
    _finish(mail, parsed, body, ticket, message, State.PROCESSED)
    if outcome == Outcome.CREATED and live:
        # Acknowledge a new ticket (not imported history; never automated mail).
        queue_auto_ack(ticket, mail, written_to=parsed.recipients)
    return outcome, ticket


def _lock_conversation(mail: MailMessage, parsed: ParsedEmail) -> None:
    """PostgreSQL: wait for any other transaction handling a message of this conversation
    (one sharing a key: its Message-ID, a reference, the Thread-Index) to commit.

    Without it, a reply and its parent processed at once (two SMTP deliveries, two import
    writers) would each miss the other's uncommitted references and open two tickets.
    Transaction-scoped advisory locks on the keys, taken in sorted order before any
    write (so never in a cycle with the row locks taken later), make such transactions
    run one after the other. SQLite needs none: its writers are serialised already."""
    if connection.vendor != "postgresql":
        return
    keys = own_keys(parsed, mail.key)
    if parsed.message_id:
        keys.append(message_key(parsed.message_id))
    # The first 64 bits of the SHA-256 key, as PostgreSQL's signed bigint.
    numbers = sorted({int(key[:16], 16) - 2**63 for key in keys})
    with connection.cursor() as cursor:
        # unnest() yields the array in its (sorted) order, so the locks come in that order.
        cursor.execute("SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k", [numbers])


def _open_follow_up(closed: Ticket) -> Ticket | None:
    """The follow-up already opened for this closed ticket, unless it is closed too."""
    latest = FollowUp.objects.filter(previous=closed).order_by("-created_at", "-id").first()
    if latest is None or latest.ticket.status == Status.CLOSED:
        return None
    return latest.ticket


def _create_ticket(
    parsed: ParsedEmail, sender: Contact, body: Body, at: datetime
) -> tuple[Ticket, Message]:
    return ticket_actions.do_create_inbound_ticket(
        requester=sender,
        subject=parsed.subject or "(no subject)",
        body_text=body.text,
        body_html=body.html,
        channel=Channel.EMAIL,
        tags=["automated"] if parsed.automated else [],
        external_id=parsed.message_id[:300],
        at=at,
    )


def _add_reply(
    ticket: Ticket, sender: Contact, parsed: ParsedEmail, body: Body, at: datetime, *, locked: bool
) -> Message:
    # The author may be a follower from another organization (someone copied on the
    # thread): email threading already vouched for them.
    return ticket_actions.do_add_inbound_message(
        ticket,
        author=sender,
        body_text=body.text,
        body_html=body.html,
        channel=Channel.EMAIL,
        external_id=parsed.message_id[:300],
        at=at,
        read_in_transaction=True,  # by threading (or the follow-up lookup)
        locked=locked,
    )


def _save_files(message: Message, files: list[StoredFile]) -> None:
    for stored in files:
        Attachment.objects.create(
            public_id=stored.public_id,
            message=message,
            file=stored.upload,
            filename=(stored.upload.name or "attachment")[:255],
            content_type=stored.content_type or "application/octet-stream",
            size=stored.upload.size,
        )


def _remember(
    mail: MailMessage, parsed: ParsedEmail, ticket: Ticket, at: datetime, known: frozenset[str]
) -> None:
    keys = own_keys(parsed, mail.key, known)
    MailReference.objects.bulk_create(
        [MailReference(key=k, ticket=ticket, created_at=at) for k in keys], ignore_conflicts=True
    )


def _people(parsed: ParsedEmail) -> tuple[Contact, list[Contact]]:
    """The sender's contact and those of the customer-side people in To/Cc (not our own
    addresses, not plus addresses), found or created in one batch."""
    copied = [a for a in [*parsed.to, *parsed.cc] if a.email and a.email != parsed.sender.email]
    ours = our_addresses(a.email for a in copied) | set(parsed.envelope)
    wanted = [a for a in copied if a.email not in ours and "+" not in a.email.split("@", 1)[0]]
    found = contacts_for([parsed.sender, *wanted])
    sender = found.get(parsed.sender.email.lower()) if parsed.sender.email else None
    others = {a.email.lower() for a in wanted} - {parsed.sender.email.lower()}
    return sender or unknown_sender(), [c for e, c in found.items() if e in others]


def _add_followers(ticket: Ticket, sender: Contact, copied: list[Contact], at: datetime) -> None:
    """The replier and the people copied follow the ticket (one insert for all)."""
    followers: dict[int, str] = {}
    if sender.pk != ticket.requester_id and sender.email:
        followers[sender.pk] = FollowerSource.REPLIED
    for contact in copied:
        if contact.pk != ticket.requester_id:
            followers.setdefault(contact.pk, FollowerSource.CC)
    if followers:
        MailFollower.objects.bulk_create(
            [
                MailFollower(ticket=ticket, contact_id=pk, source=source, created_at=at)
                for pk, source in followers.items()
            ],
            ignore_conflicts=True,
        )


def _finish(
    mail: MailMessage,
    parsed: ParsedEmail | None,
    body: Body | None,
    ticket: Ticket | None,
    message: Message | None,
    state: str,
) -> None:
    if parsed is not None:
        mail.subject = parsed.subject[:300]
        mail.from_address = parsed.sender.email[:254]
        mail.sent_at = parsed.date
        mail.automated = parsed.automated[:80]
        mail.is_bounce = parsed.bounce is not None
    mail.folded_text = body.folded if body is not None else ""
    mail.ticket = ticket
    mail.ticket_message = message
    mail.state = state
    mail.updated_at = timezone.now()
    # Never the raw bytes again: they were stored (and committed) first. Only a row
    # still "received" is updated: that claims it (a concurrent worker's update waits for
    # our commit, then finds nothing to update and rolls its own work back).
    values = _processed_values(mail)
    if not MailMessage.objects.filter(pk=mail.pk, state=State.RECEIVED).update(**values):
        raise AlreadyProcessed(mail.pk)


def _processed_values(mail: MailMessage) -> dict[str, Any]:
    """What processing sets, by column (reading ``ticket_id`` is never a query)."""
    return {column: getattr(mail, column) for column in _PROCESSED_COLUMNS}


_PROCESSED_FIELDS = [
    "subject",
    "from_address",
    "sent_at",
    "automated",
    "is_bounce",
    "folded_text",
    "warnings",
    "ticket",
    "ticket_message",
    "state",
    "updated_at",
]
_PROCESSED_COLUMNS = [
    f"{name}_id" if name in ("ticket", "ticket_message") else name for name in _PROCESSED_FIELDS
]


def _bounced_ticket(mail: MailMessage, parsed: ParsedEmail, at: datetime) -> Ticket | None:
    """A bounce of mail we sent: mark that message failed, note it on its ticket."""
    assert parsed.bounce is not None
    keys = [message_key(i) for i in parsed.bounce.original_message_ids]
    sent = (
        MailMessage.objects.select_for_update()
        .filter(key__in=keys, direction=Direction.OUTBOUND, ticket__isnull=False)
        .first()
    )
    if sent is None or sent.ticket_id is None:
        return None
    error = " ".join(filter(None, [parsed.bounce.status, parsed.bounce.diagnostic]))
    sent.delivery_status = DeliveryStatus.FAILED
    sent.delivery_error = error or "bounced"
    sent.updated_at = at
    sent.save(update_fields=["delivery_status", "delivery_error", "updated_at"])
    ticket = Ticket.objects.get(pk=sent.ticket_id)
    recipients = ", ".join(parsed.bounce.recipients) or "the recipient"
    note = ticket_actions.do_add_inbound_message(
        ticket,
        author=None,
        body_text=f"Delivery of our email to {recipients} failed: {error or 'bounced'}.",
        body_html=None,
        is_public=False,
        channel=Channel.EMAIL,
        external_id=parsed.message_id[:300],
        at=at,
    )
    _finish(mail, parsed, None, ticket, note, State.PROCESSED)
    return note.ticket  # as the action left it


def _keep_failed(mail: MailMessage, parsed: ParsedEmail | None, error: Exception) -> IngestResult:
    warning = f"could not be processed: {type(error).__name__}: {error}"[:500]
    try:
        with transaction.atomic():
            claimed = MailMessage.objects.select_for_update().get(pk=mail.pk)
            if claimed.state != State.RECEIVED:
                return IngestResult(Outcome.DUPLICATE, claimed, _ticket_of(claimed))
            ticket, message = _failed_ticket(claimed, parsed, warning)
            claimed.warnings = [*(parsed.warnings if parsed else []), warning]
            _finish(claimed, parsed, None, ticket, message, State.FAILED)
        return IngestResult(Outcome.FAILED, claimed, ticket)
    except Exception:
        # Even the fallback failed (e.g. the database is down): the raw row stays
        # "received" and the next delivery or `heedful mail retry` finishes it.
        logger.exception("mail: could not keep message %s as a ticket", mail.public_id)
        mail.refresh_from_db()
        return IngestResult(Outcome.FAILED, mail, None)


def _failed_ticket(
    mail: MailMessage, parsed: ParsedEmail | None, warning: str
) -> tuple[Ticket, Message]:
    sender: Contact
    try:
        sender = contact_for(parsed.sender if parsed else Address("", ""))
    except Exception:
        sender = unknown_sender()
    subject = (parsed.subject if parsed else "") or mail.message_id or "no subject"
    ticket, message = ticket_actions.do_create_inbound_ticket(
        requester=sender,
        subject=f"Unreadable email: {subject}"[:300],
        body_text=(
            f"Warning: this email {warning}. Its original source is attached "
            "and can be downloaded from this ticket."
        ),
        body_html=None,
        channel=Channel.EMAIL,
        tags=["mail-parse-failed"],
        external_id=mail.message_id[:300],
        at=timezone.now(),
    )
    original = ContentFile(mail.raw_bytes, name="original.eml")
    _save_files(message, [StoredFile(mail.public_id, original, "message/rfc822")])
    return ticket, message


def retry_received(older_than: timedelta = timedelta(minutes=5)) -> list[IngestResult]:
    """Finish messages stored raw but never processed (the process died in between)."""
    cutoff = timezone.now() - older_than
    pending = MailMessage.objects.filter(state=State.RECEIVED, created_at__lt=cutoff)
    return [
        _process(mail, mail.raw_bytes, live=mail.source != Source.IMPORT, recipients=())
        for mail in pending.order_by("created_at", "id")
    ]


@transaction.atomic
def do_record_outbound(message: Message, raw: bytes, *, message_id: str) -> MailMessage:
    """Record an email we sent (for the outbound sender), so replies and bounces find it."""
    key = message_key(message_id)
    mail = MailMessage.objects.create(
        key=key,
        message_id=message_id,
        direction=Direction.OUTBOUND,
        source=Source.OUTBOUND,
        raw=MailMessage.compress(raw),
        raw_size=len(raw),
        ticket_id=message.ticket_id,
        ticket_message=message,
        state=State.PROCESSED,
        delivery_status=DeliveryStatus.SENT,
    )
    MailReference.objects.bulk_create(
        [MailReference(key=key, ticket_id=message.ticket_id)], ignore_conflicts=True
    )
    return mail
