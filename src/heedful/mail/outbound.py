"""Deciding to send an email: one outbox row, written in the caller's transaction.

The reply path calls :func:`queue_reply_email` inside ``do_add_message``; the inbound
pipeline calls :func:`heedful.mail.outbound_ack.queue_auto_ack` for a new ticket. Either
way the row fixes everything an attempt needs (recipients, subject, Message-ID, thread
headers, sending mailbox), so every retry sends the same email, and the send itself is
enqueued only after the commit (``transaction.on_commit``): a rolled-back reply sends
nothing.
"""

from __future__ import annotations

import uuid
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import formataddr, getaddresses, parseaddr
from typing import Literal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from heedful.customers.models import Contact
from heedful.mail.contacts import our_addresses
from heedful.mail.models import (
    Direction,
    Mailbox,
    MailFollower,
    MailMessage,
    MailReference,
    OutboundEmail,
    OutboundKind,
)
from heedful.mail.threading import message_key
from heedful.tickets.models import Message, Ticket

# References keeps the thread's root and its latest ids: enough for every client to
# thread, short enough for every server's header limits.
MAX_REFERENCES = 20


def queue_reply_email(message: Message) -> OutboundEmail | None:
    """Email a public agent reply to the requester (and the ticket's mail followers in
    Cc). Nothing is sent when the requester has no email address."""
    ticket = Ticket.objects.select_related("requester").get(pk=message.ticket_id)
    requester = ticket.requester
    if not requester.email:
        return None
    return create_outbound(
        ticket,
        kind=OutboundKind.REPLY,
        key=f"reply:{message.public_id}",
        to=[formataddr((requester.name, requester.email))],
        cc=_follower_addresses(ticket, exclude=requester.email),
        subject=reply_subject(ticket),
        message=message,
    )


def create_outbound(
    ticket: Ticket,
    *,
    kind: str,
    key: str,
    to: list[str],
    subject: str,
    cc: list[str] | None = None,
    message: Message | None = None,
    body_text: str = "",
    mailbox: Mailbox | Literal["auto"] | None = "auto",
) -> OutboundEmail | None:
    """The outbox row, or None when ``key`` was already decided (idempotent)."""
    if OutboundEmail.objects.filter(idempotency_key=key).exists():
        return None
    if mailbox == "auto":
        mailbox = sending_mailbox(ticket)
    from_address = _from_address(mailbox)
    in_reply_to, references = thread_headers(ticket)
    now = timezone.now()
    row = OutboundEmail(
        idempotency_key=key,
        kind=kind,
        ticket=ticket,
        ticket_message=message,
        mailbox=mailbox,
        message_id=new_message_id(from_address),
        from_address=from_address,
        reply_to=reply_to_address(ticket, from_address),
        recipient=parseaddr(to[0])[1].lower(),
        to=to,
        cc=cc or [],
        subject=subject[:400],
        body_text=body_text,
        signature=mailbox.signature if mailbox is not None else "",
        in_reply_to=in_reply_to,
        references=references,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # decided concurrently by another process
        return None
    # Our Message-ID leads back to the ticket from now on, even before it is sent.
    MailReference.objects.bulk_create(
        [MailReference(key=message_key(row.message_id), ticket=ticket)], ignore_conflicts=True
    )
    transaction.on_commit(lambda: enqueue_send(row.pk))
    return row


def enqueue_send(outbound_id: int) -> None:
    from heedful.mail.tasks import send_outbound_email  # the worker's entry point

    send_outbound_email.enqueue(outbound_id=outbound_id)


def new_message_id(from_address: str) -> str:
    """Without angle brackets, as MailMessage stores ids (the headers add them)."""
    domain = parseaddr(from_address)[1].rpartition("@")[2] or "heedful.localhost"
    # Random and short: the header stays on one line (long ones get folded).
    return f"{uuid.uuid4().hex}@{domain}"


def reply_subject(ticket: Ticket) -> str:
    """``Re: <subject> [HD-1042]``: the ref threads a reply even without its headers."""
    subject = ticket.subject.strip()
    if not subject.lower().startswith(("re:", "aw:", "sv:")):
        subject = f"Re: {subject}"
    tag = f"[{ticket.ref}]"
    return subject if tag.lower() in subject.lower() else f"{subject} {tag}"


def reply_to_address(ticket: Ticket, from_address: str) -> str:
    """``support+HD-1042@acme.com``: a reply threads by address even if a client drops
    In-Reply-To and the subject ref (HEEDFUL_MAIL_PLUS_ADDRESSING)."""
    name, address = parseaddr(from_address)
    if not settings.MAIL_PLUS_ADDRESSING or "@" not in address:
        return from_address
    local, _, domain = address.rpartition("@")
    return formataddr((name, f"{local.split('+', 1)[0]}+{ticket.ref}@{domain}"))


def _from_address(mailbox: Mailbox | None) -> str:
    if mailbox is None:
        return str(settings.DEFAULT_FROM_EMAIL)
    return formataddr((mailbox.name, mailbox.address)) if mailbox.name else mailbox.address


def sending_mailbox(ticket: Ticket, written_to: list[str] | None = None) -> Mailbox | None:
    """The mailbox the customer wrote to; else the team's; else the default one."""
    mailboxes = list(Mailbox.objects.all())
    if not mailboxes:
        return None
    if written_to is None:
        written_to = _addresses_written_to(ticket)
    plain = {_without_plus(a) for a in written_to}
    by_address = {m.address.lower(): m for m in mailboxes}
    for address in plain:
        if address in by_address:
            return by_address[address]
    for mailbox in mailboxes:
        if ticket.team_id is not None and mailbox.team_id == ticket.team_id:
            return mailbox
    return next((m for m in mailboxes if m.is_default), None)


def _without_plus(address: str) -> str:
    local, _, domain = address.lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def _addresses_written_to(ticket: Ticket) -> list[str]:
    latest = (
        MailMessage.objects.filter(ticket=ticket, direction=Direction.INBOUND)
        .order_by("-created_at", "-id")
        .only("raw", "mailbox")
        .first()
    )
    if latest is None:
        return []
    headers = BytesHeaderParser(policy=compat32).parsebytes(latest.raw_bytes)
    fields = [
        str(v)
        for h in ("To", "Cc", "Delivered-To", "X-Original-To")
        for v in headers.get_all(h) or []
    ]
    found = [email for _, email in getaddresses(fields) if "@" in email]
    return found + [a for a in latest.mailbox.split(",") if "@" in a]


def thread_headers(ticket: Ticket) -> tuple[str, str]:
    """(In-Reply-To, References): the customer's latest email, and the thread's ids."""
    rows = list(
        MailMessage.objects.filter(ticket=ticket)
        .exclude(message_id="")
        .order_by("created_at", "id")
        .values_list("message_id", "direction")
    )
    if not rows:
        return "", ""
    inbound = [mid for mid, direction in rows if direction == Direction.INBOUND]
    parent = inbound[-1] if inbound else rows[-1][0]
    ids = list(dict.fromkeys(mid for mid, _ in rows))
    if len(ids) > MAX_REFERENCES:
        ids = [ids[0], *ids[-(MAX_REFERENCES - 1) :]]
    return f"<{parent}>", " ".join(f"<{i}>" for i in ids)


def _follower_addresses(ticket: Ticket, *, exclude: str) -> list[str]:
    """The ticket's mail followers (people the customer copied, or who replied): they
    were on the conversation, so they stay on it. Our own addresses never are."""
    contact_ids = MailFollower.objects.filter(ticket=ticket).values_list("contact_id", flat=True)
    contacts = Contact.objects.filter(pk__in=contact_ids, email__isnull=False).order_by("id")
    people = [(c.name, c.email.lower()) for c in contacts if c.email]
    ours = our_addresses(email for _, email in people)
    return [
        formataddr((name, email))
        for name, email in people
        if email != exclude.lower() and email not in ours
    ]
