"""``heedful mail listen``: an SMTP or LMTP listener (aiosmtpd) for direct delivery.

A message is acknowledged with 250 only once it is committed (a ticket exists or it is
a known duplicate); otherwise the sending server gets a 451 and retries later, so a
message is never lost between the MTA and the database.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from django.db import connections

from heedful.mail.actions import IngestResult, Outcome, ingest_raw
from heedful.mail.models import Source

logger = logging.getLogger(__name__)
ACCEPTED = "250 2.0.0 Message accepted"
RETRY_LATER = "451 4.3.0 Temporary failure, please retry"


def _ingest(raw: bytes, recipients: list[str]) -> IngestResult:
    try:
        return ingest_raw(
            raw, source=Source.SMTP, mailbox=",".join(recipients), envelope_recipients=recipients
        )
    finally:
        connections.close_all()  # this worker thread's connections only


class IngestHandler:
    def __init__(self, *, lmtp: bool = False) -> None:
        self.lmtp = lmtp

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        recipients = [str(r) for r in envelope.rcpt_tos]
        try:
            result = await asyncio.to_thread(_ingest, raw, recipients)
            stored = result.ticket is not None or result.outcome == Outcome.DUPLICATE
            status = ACCEPTED if stored else RETRY_LATER
        except Exception:
            logger.exception("mail: SMTP delivery from %s failed", envelope.mail_from)
            status = RETRY_LATER
        # LMTP answers DATA once per recipient (RFC 2033); the message is stored once.
        return "\r\n".join([status] * max(len(recipients), 1)) if self.lmtp else status


class IngestController(Controller):
    def __init__(self, *, host: str, port: int, lmtp: bool = False, **kwargs: Any) -> None:
        self.lmtp = lmtp
        super().__init__(
            IngestHandler(lmtp=lmtp),
            hostname=host,
            port=port,
            data_size_limit=settings.MAIL_MAX_BYTES,
            **kwargs,
        )

    def factory(self) -> SMTP:
        server_class = LMTP if self.lmtp else SMTP
        return server_class(self.handler, **self.SMTP_kwargs)
