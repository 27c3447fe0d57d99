"""/attachments: upload a file to attach to a new ticket or message, download a file."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.http import FileResponse, Http404, HttpRequest
from ninja import File, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from heedful.api.access import get_api_attachment
from heedful.api.auth import WRITE_AUTH, caller_of
from heedful.api.errors import COMMON_ERROR_STATUSES, ErrorOut
from heedful.api.uploads import UPLOAD_TTL, do_create_upload

router = Router(tags=["attachments"])
ERRORS: dict[Any, Any] = {COMMON_ERROR_STATUSES: ErrorOut}

_DOWNLOAD_RESPONSE = {
    "description": "The file, always as a download (Content-Disposition: attachment).",
    "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
}


class UploadOut(Schema):
    id: uuid.UUID
    filename: str
    content_type: str
    size: int
    expires_at: datetime


@router.post("", response={201: UploadOut, **ERRORS}, auth=WRITE_AUTH)
def upload_attachment(request: HttpRequest, file: File[UploadedFile]) -> Status[UploadOut]:
    """Upload one file (multipart/form-data, field ``file``). Name the answer's ``id`` in
    ``attachments`` when you create a ticket or add a message, within 24 hours."""
    upload = do_create_upload(caller_of(request).user, file)
    return Status(
        201,
        UploadOut(
            id=upload.public_id,
            filename=upload.filename,
            content_type=upload.content_type,
            size=upload.size,
            expires_at=upload.created_at + UPLOAD_TTL,
        ),
    )


@router.get(
    "/{attachment_id}",
    response={200: None, **ERRORS},
    openapi_extra={"responses": {200: _DOWNLOAD_RESPONSE}},
)
def download_attachment(request: HttpRequest, attachment_id: str) -> FileResponse:
    """Download a message's file. Staff: files of tickets they may see; customers: files
    of public messages on their own tickets."""
    found = get_api_attachment(caller_of(request).user, attachment_id)
    try:
        handle = found.file.open("rb")
    except OSError:
        raise Http404("The file is missing from storage") from None
    # Always a download, never rendered: an uploaded HTML or SVG must not run in our
    # origin. Django writes RFC 6266 filename* for names that are not ASCII.
    response = FileResponse(
        handle, as_attachment=True, filename=found.filename, content_type=found.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
