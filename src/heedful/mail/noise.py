"""Mail no auto-reply may ever answer: auto-replies, bulk and list mail, bounces.

Answering a robot starts a mail loop; answering a bounce mails a dead address. The
reasons found here are stored on each message so outbound auto-replies can refuse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import Message
from email.parser import HeaderParser
from email.policy import compat32

from heedful.mail.headers import header_text, message_ids

_BOUNCE_SENDERS = ("mailer-daemon", "postmaster")
_AUTO_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Auto-Reply")
_BULK_PRECEDENCE = ("bulk", "list", "junk", "auto_reply")
_SUPPRESS = ("all", "oof", "autoreply")


@dataclass(frozen=True)
class Bounce:
    """A delivery-status report (RFC 3464) or a bounce recognised by its sender."""

    original_message_ids: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    status: str = ""  # e.g. "5.1.1"
    diagnostic: str = ""
    permanent: bool = True


def automated_reason(msg: Message, sender: str) -> str:
    """Why this message must never get an auto-reply, or "" for mail from a person."""
    auto_submitted = header_text(msg, "Auto-Submitted").lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return f"auto-submitted: {auto_submitted[:40]}"
    precedence = header_text(msg, "Precedence").lower()
    if precedence in _BULK_PRECEDENCE:
        return f"precedence: {precedence}"
    for name in _AUTO_HEADERS:
        if header_text(msg, name):
            return name.lower()
    suppress = {p.strip().lower() for p in header_text(msg, "X-Auto-Response-Suppress").split(",")}
    if suppress & set(_SUPPRESS):
        return "x-auto-response-suppress"
    if header_text(msg, "List-Id") or header_text(msg, "List-Unsubscribe"):
        return "mailing list"
    if header_text(msg, "Return-Path").strip() == "<>":
        return "null sender"
    if sender.split("@", 1)[0] in _BOUNCE_SENDERS:
        return "bounce"
    return ""


def find_bounce(msg: Message, sender: str) -> Bounce | None:
    is_report = (
        msg.get_content_type() == "multipart/report"
        and str(msg.get_param("report-type", "")).lower() == "delivery-status"
    )
    if not is_report and sender.split("@", 1)[0] not in _BOUNCE_SENDERS:
        return None
    recipients: list[str] = []
    statuses: list[str] = []
    diagnostics: list[str] = []
    original_ids: list[str] = []
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            _read_status(part, recipients, statuses, diagnostics)
        elif ctype in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            original_ids += _original_ids(part)
    failed = header_text(msg, "X-Failed-Recipients")
    recipients += [r.strip().lower() for r in failed.split(",") if "@" in r]
    if not original_ids:
        original_ids = _ids_in_text(msg)
    status = statuses[0] if statuses else ""
    return Bounce(
        original_message_ids=list(dict.fromkeys(original_ids)),
        recipients=list(dict.fromkeys(recipients)),
        status=status,
        diagnostic=diagnostics[0][:500] if diagnostics else "",
        permanent=not status.startswith("4"),
    )


def _read_status(
    part: Message, recipients: list[str], statuses: list[str], diagnostics: list[str]
) -> None:
    blocks = part.get_payload() if part.is_multipart() else []
    for block in blocks if isinstance(blocks, list) else []:
        if not isinstance(block, Message):
            continue
        recipient = header_text(block, "Final-Recipient") or header_text(
            block, "Original-Recipient"
        )
        if recipient:
            recipients.append(recipient.split(";", 1)[-1].strip().strip("<>").lower())
        status = header_text(block, "Status")
        if status:
            statuses.append(status.split()[0])
        diagnostic = header_text(block, "Diagnostic-Code")
        if diagnostic:
            diagnostics.append(" ".join(diagnostic.split(";", 1)[-1].split()))


def _original_ids(part: Message) -> list[str]:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return message_ids(header_text(payload[0], "Message-ID"))
    if isinstance(payload, str):
        headers = HeaderParser(policy=compat32).parsestr(payload, headersonly=True)
        return message_ids(str(headers.get("Message-ID", "")))
    return []


_MESSAGE_ID_LINE = re.compile(r"^\s*Message-ID:\s*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)


def _ids_in_text(msg: Message) -> list[str]:
    """Bounces that quote the original as plain text: find its Message-ID line."""
    found: list[str] = []
    for part in msg.walk():
        if part.get_content_type() != "text/plain":
            continue
        try:
            payload = part.get_payload(decode=True)
        except Exception:
            continue
        if isinstance(payload, bytes):
            text = payload.decode("utf-8", "replace")
            found += [m.strip("<>") for m in _MESSAGE_ID_LINE.findall(text)]
    own = set(message_ids(header_text(msg, "Message-ID")))
    return [f for f in found if f not in own]
