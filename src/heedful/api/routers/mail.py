"""/mail/raw: hand Heedful one email as raw RFC 5322 bytes (a fourth way in, beside
import, the SMTP/LMTP listener and IMAP). It goes through the same pipeline: the raw
bytes are stored first, then parsed and threaded; the same Message-ID twice is one
message (the second call answers ``duplicate`` with the same ticket)."""

from __future__ import annotations

from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.responses import Status

from heedful.api.access import require_staff
from heedful.api.auth import WRITE_AUTH, caller_of
from heedful.api.errors import COMMON_ERROR_STATUSES, ErrorOut, error_response
from heedful.mail.actions import Outcome, ingest_raw
from heedful.mail.models import Source
from heedful.tickets import actions as ticket_actions

router = Router(tags=["mail"])
ERRORS: dict[Any, Any] = {frozenset({*COMMON_ERROR_STATUSES, 415}): ErrorOut}
MEDIA_TYPE = "message/rfc822"
# Also accepted: what generic HTTP clients send for "some bytes".
MEDIA_TYPES = (MEDIA_TYPE, "application/octet-stream")
_BYTES: dict[str, Any] = {"schema": {"type": "string", "format": "binary"}}

RAW_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "One email exactly as received (RFC 5322), headers and body.",
        "content": {media_type: _BYTES for media_type in MEDIA_TYPES},
    }
}


class RawMailOut(Schema):
    outcome: Literal["created", "threaded", "duplicate", "failed"] = Field(
        description="created: a new ticket; threaded: added to an existing one; "
        "duplicate: this Message-ID was received before (nothing new was stored); "
        "failed: unreadable, kept as a ticket with the raw source attached."
    )
    ticket: str = Field(description="The ticket's ref, e.g. HD-1042.")
    mail_id: str = Field(description="The stored email's id.")
    message_id: str = Field(description='The Message-ID header ("" when there was none).')
    warnings: list[str]


@router.post(
    "/raw", response={201: RawMailOut, 503: ErrorOut, **ERRORS}, auth=WRITE_AUTH,
    openapi_extra=RAW_BODY,
)  # fmt: skip
def ingest_raw_mail(request: HttpRequest) -> Status[Any] | HttpResponse:
    """Ingest one raw email (``Content-Type: message/rfc822`` or ``application/octet-stream``);
    staff with a write token."""
    user = caller_of(request).user
    require_staff(user, "hand in email")
    ticket_actions.check_full_agent(user, "hand in email")
    media_type = (request.content_type or "").split(";")[0].strip().lower()
    if media_type not in MEDIA_TYPES:
        return error_response(
            415, f"Send the email as Content-Type: {MEDIA_TYPE}.", fields={"body": "media type"}
        )
    try:
        raw = request.body
    except RequestDataTooBig:
        return _too_large()
    if len(raw) > settings.MAIL_MAX_BYTES:
        return _too_large()
    if not raw.strip():
        return error_response(422, "The email is empty.", fields={"body": "empty"})
    result = ingest_raw(raw, source=Source.API, mailbox=f"api:{user.username}")
    if result.ticket is None:
        # Not even the unreadable-mail ticket could be written (the database is
        # unavailable): the raw row, if stored, is finished by `heedful mail retry`.
        return error_response(503, "The email could not be stored now; try again later.")
    return Status(
        201,
        RawMailOut(
            outcome=Outcome(result.outcome).value,  # type: ignore[arg-type]
            ticket=result.ticket.ref,
            mail_id=str(result.mail.public_id),
            message_id=result.mail.message_id,
            warnings=[str(w) for w in result.mail.warnings or []],
        ),
    )


def _too_large() -> HttpResponse:
    limit = settings.MAIL_MAX_BYTES
    return error_response(413, f"The email is larger than the limit of {limit} bytes.")
