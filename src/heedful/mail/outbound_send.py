"""Sending one outbox row: at most once, retried with backoff, failures recorded.

1. Claim the row in a transaction: ``queued`` and due → ``sending`` (committed *before*
   the SMTP conversation). Another worker, or a retry, finds it ``sending`` and leaves it.
2. Talk to the mail server (Django's email backend; SMTP by default).
3. Success → ``sent`` and the stored copy (MailMessage) in one transaction. A temporary
   failure (4xx, connection refused or dropped, timeout) → back to ``queued`` with the
   next attempt 1, 2, 4, … times HEEDFUL_MAIL_RETRY_SECONDS later; a permanent one (5xx), or
   the last attempt → ``failed``, shown on the message in the ticket timeline.

A crash between 2 and 3 leaves the row ``sending``. The server may have accepted the
email, or not: nothing tells us which. Sending again could give the customer the same
email twice, so the row is never resent automatically: once it has been ``sending``
longer than HEEDFUL_MAIL_SENDING_TIMEOUT (far above EMAIL_TIMEOUT, so no live attempt is
still running) :func:`send_due_outbound` marks it ``unconfirmed`` and the timeline says
so. Should someone resend it by hand, its fixed Message-ID lets every mail client and
our own inbound pipeline recognise the copy as the same message.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone

from heedful.mail.models import (
    DeliveryStatus,
    Direction,
    MailMessage,
    OutboundEmail,
    OutboundState,
    Source,
    State,
)
from heedful.mail.outbound_build import build_email
from heedful.mail.threading import message_key

logger = logging.getLogger(__name__)

# Called after the mail server accepted the email and before it is recorded as sent.
# Tests set it to simulate a crash in exactly that gap.
after_send_hook: Callable[[OutboundEmail], None] | None = None


class SendFailure(Exception):
    def __init__(self, text: str, *, permanent: bool) -> None:
        super().__init__(text)
        self.permanent = permanent


def send_outbound(outbound_id: int, *, now: datetime | None = None) -> str:
    """Attempt one row if it is due; returns its state afterwards."""
    row = _claim(outbound_id, now or timezone.now())
    if row is None:
        current = OutboundEmail.objects.filter(pk=outbound_id).values_list("state", flat=True)
        return current.first() or ""
    try:
        email = build_email(row, get_connection(fail_silently=False))
        raw = email.message().as_bytes()
        email.send(fail_silently=False)
    except Exception as exc:
        return _record_failure(row, classify(exc))
    if after_send_hook is not None:
        after_send_hook(row)
    _record_sent(row, raw)
    return OutboundState.SENT


def _claim(outbound_id: int, now: datetime) -> OutboundEmail | None:
    with transaction.atomic():
        row = (
            OutboundEmail.objects.select_for_update(of=("self",))
            .select_related("ticket_message", "ticket")
            .filter(pk=outbound_id, state=OutboundState.QUEUED, next_attempt_at__lte=now)
            .first()
        )
        if row is None:
            return None
        row.state = OutboundState.SENDING
        row.attempts += 1
        row.sending_started_at = timezone.now()
        row.updated_at = row.sending_started_at
        row.save(update_fields=["state", "attempts", "sending_started_at", "updated_at"])
    return row


def classify(exc: BaseException) -> SendFailure:
    """Which failures are worth retrying: 4xx replies and network trouble are; 5xx not."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = [
            f"{parseaddr(address)[1] or address}: {code} {_text(message)}"
            for address, (code, message) in sorted(exc.recipients.items())
        ]
        codes = [code for code, _ in exc.recipients.values()]
        return SendFailure("; ".join(replies), permanent=all(code >= 500 for code in codes))
    if isinstance(exc, smtplib.SMTPResponseException):
        text = f"{exc.smtp_code} {_text(exc.smtp_error)}"
        return SendFailure(text, permanent=500 <= exc.smtp_code < 600)
    if isinstance(exc, smtplib.SMTPServerDisconnected | OSError):
        return SendFailure(f"connection failed: {exc}", permanent=False)
    # Anything else is a bug or a broken configuration: retried, logged, then failed.
    logger.exception("mail: unexpected error while sending", exc_info=exc)
    return SendFailure(f"{type(exc).__name__}: {exc}", permanent=False)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=settings.MAIL_RETRY_SECONDS * 2 ** max(attempts - 1, 0))


def _record_failure(row: OutboundEmail, failure: SendFailure) -> str:
    now = timezone.now()
    last = row.attempts >= settings.MAIL_SEND_ATTEMPTS
    if failure.permanent or last:
        row.state = OutboundState.FAILED
        row.last_error = (
            str(failure)
            if failure.permanent
            else f"gave up after {row.attempts} attempts: {failure}"
        )
    else:
        row.state = OutboundState.QUEUED
        row.last_error = str(failure)
        row.next_attempt_at = now + backoff(row.attempts)
    row.updated_at = now
    row.save(update_fields=["state", "last_error", "next_attempt_at", "updated_at"])
    logger.warning(
        "mail: sending %s (%s) failed on attempt %d: %s", row.public_id, row.message_id,
        row.attempts, row.last_error,
    )  # fmt: skip
    if row.state == OutboundState.QUEUED:
        schedule_retry(row)
    return row.state


def schedule_retry(row: OutboundEmail) -> None:
    """With a backend that can defer (the database one), the retry is a task due at
    ``next_attempt_at``; otherwise :func:`send_due_outbound` picks it up."""
    from heedful.mail.tasks import send_outbound_email

    if send_outbound_email.get_backend().supports_defer:
        send_outbound_email.using(run_after=row.next_attempt_at).enqueue(outbound_id=row.pk)


@transaction.atomic
def _record_sent(row: OutboundEmail, raw: bytes) -> None:
    now = timezone.now()
    mail, _ = MailMessage.objects.get_or_create(
        key=message_key(row.message_id),
        defaults={
            "message_id": row.message_id,
            "direction": Direction.OUTBOUND,
            "source": Source.OUTBOUND,
            "mailbox": row.mailbox.address if row.mailbox is not None else "",
            "raw": MailMessage.compress(raw),
            "raw_size": len(raw),
            "subject": row.subject[:300],
            "from_address": row.from_address[:254],
            "sent_at": now,
            "ticket_id": row.ticket_id,
            "ticket_message_id": row.ticket_message_id,
            "state": State.PROCESSED,
            "delivery_status": DeliveryStatus.SENT,
        },
    )
    row.state = OutboundState.SENT
    row.sent_at = now
    row.mail = mail
    row.last_error = ""
    row.updated_at = now
    row.save(update_fields=["state", "sent_at", "mail", "last_error", "updated_at"])


def send_due_outbound(*, now: datetime | None = None) -> dict[str, int]:
    """The sweep for the scheduler (every minute): sends queued rows that are due (a
    retry, or a send whose enqueue was lost when a process died right after commit),
    and marks rows stuck in ``sending`` as ``unconfirmed``. Returns counts by outcome."""
    now = now or timezone.now()
    counts = {"unconfirmed": _mark_unconfirmed(now)}
    due = OutboundEmail.objects.filter(state=OutboundState.QUEUED, next_attempt_at__lte=now)
    for outbound_id in due.order_by("next_attempt_at", "id").values_list("pk", flat=True)[:500]:
        state = send_outbound(outbound_id, now=now)
        counts[state] = counts.get(state, 0) + 1
    return counts


def _mark_unconfirmed(now: datetime) -> int:
    cutoff = now - timedelta(seconds=settings.MAIL_SENDING_TIMEOUT)
    stuck = OutboundEmail.objects.filter(state=OutboundState.SENDING, sending_started_at__lt=cutoff)
    count = stuck.update(
        state=OutboundState.UNCONFIRMED,
        last_error=(
            "the sender stopped while handing this email to the mail server; it may or "
            "may not have been delivered, and it is not sent again automatically"
        ),
        updated_at=now,
    )
    if count:
        logger.warning("mail: %d outgoing emails marked unconfirmed after a crash", count)
    return count
