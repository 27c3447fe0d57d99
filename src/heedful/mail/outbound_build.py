"""The email an outbox row stands for, built the same way on every attempt."""

from __future__ import annotations

from email.utils import format_datetime

from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.utils.html import escape, linebreaks

from heedful.mail.models import OutboundEmail, OutboundKind
from heedful.tickets.models import Attachment, Message


def build_email(
    row: OutboundEmail, connection: BaseEmailBackend | None = None
) -> EmailMultiAlternatives:
    headers = {
        "Message-ID": f"<{row.message_id}>",
        # The decision time, so every attempt is byte-for-byte the same email.
        "Date": format_datetime(row.created_at),
    }
    if row.reply_to:
        headers["Reply-To"] = row.reply_to
    if row.in_reply_to:
        headers["In-Reply-To"] = row.in_reply_to
    if row.references:
        headers["References"] = row.references
    if row.kind == OutboundKind.AUTO_ACK:
        # RFC 3834: other auto-responders must not answer this one (no mail loops).
        headers["Auto-Submitted"] = "auto-replied"
        headers["X-Auto-Response-Suppress"] = "All"
    message = _ticket_message(row)
    text, html = _bodies(row, message)
    email = EmailMultiAlternatives(
        subject=row.subject,
        body=text,
        from_email=row.from_address,
        to=list(row.to),
        cc=list(row.cc),
        headers=headers,
        connection=connection,
    )
    if html:
        email.attach_alternative(html, "text/html")
    if message is not None:
        for attachment in Attachment.objects.filter(message=message).order_by("id"):
            with attachment.file.open("rb") as handle:
                email.attach(attachment.filename, handle.read(), attachment.content_type)
    return email


def _ticket_message(row: OutboundEmail) -> Message | None:
    return row.ticket_message if row.ticket_message_id is not None else None


def _bodies(row: OutboundEmail, message: Message | None) -> tuple[str, str]:
    signature = row.signature.strip()
    if message is None:
        text = row.body_text
        html = ""
    else:
        text = message.body_text
        html = message.body_html  # sanitized when the message was written
    if signature:
        text = f"{text}\n\n-- \n{signature}\n"
        if html:
            html = f'{html}\n<div class="signature">{linebreaks(escape(signature))}</div>'
    return text, html
