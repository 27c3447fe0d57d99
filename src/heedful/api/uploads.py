"""Files for the API: upload first (``POST /attachments`` answers an id), then name the
ids in ``attachments`` when creating a ticket or adding a message, as with Zendesk's
upload tokens. The JSON endpoints stay JSON, and a retried create (Idempotency-Key)
never uploads twice. The writers are here because nothing else writes uploads.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from ninja.errors import HttpError

from heedful.accounts.models import User
from heedful.api.models import Upload
from heedful.lib.errors import ActionError

# How long an upload waits to be used; older ones are deleted by the next upload.
UPLOAD_TTL = timedelta(hours=24)
MAX_ATTACHMENTS_PER_MESSAGE = 10
_STALE_BATCH = 100


def max_file_bytes() -> int:
    return int(settings.API_MAX_ATTACHMENT_BYTES)


def max_total_bytes() -> int:
    return int(settings.API_MAX_ATTACHMENTS_TOTAL_BYTES)


def check_upload_size(size: int, filename: str) -> None:
    limit = max_file_bytes()
    if size > limit:
        # 413 with the API's error shape (heedful.api.errors turns HttpError into it).
        raise HttpError(413, f"{filename[:100]} is {size} bytes; the limit is {limit} bytes a file")


def do_create_upload(owner: User, upload: UploadedFile) -> Upload:
    filename = (upload.name or "attachment").replace("\x00", "")[-255:] or "attachment"
    size = upload.size or 0
    check_upload_size(size, filename)
    _delete_stale_uploads()
    return Upload.objects.create(
        owner=owner,
        file=upload,
        filename=filename,
        content_type=(upload.content_type or "application/octet-stream")[:100],
        size=size,
    )


def _delete_stale_uploads() -> None:
    cutoff = timezone.now() - UPLOAD_TTL
    stale = list(Upload.objects.filter(created_at__lt=cutoff).order_by("created_at")[:_STALE_BATCH])
    for upload in stale:
        upload.file.delete(save=False)
    Upload.objects.filter(pk__in=[u.pk for u in stale]).delete()


def do_take_uploads(owner: User, ids: Sequence[uuid.UUID]) -> list[UploadedFile]:
    """The owner's uploads with these ids as files for the ticket actions, removed from
    the waiting uploads in the caller's transaction (their stored files are deleted
    after the commit: the attachment keeps its own copy). Unknown, someone else's or
    expired ids are a 422 naming the entry; too many bytes together a 413."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return []
    if len(ids) > MAX_ATTACHMENTS_PER_MESSAGE:
        raise ActionError(
            f"Attach at most {MAX_ATTACHMENTS_PER_MESSAGE} files.", field="attachments"
        )
    cutoff = timezone.now() - UPLOAD_TTL
    found = {
        u.public_id: u
        for u in Upload.objects.select_for_update().filter(
            owner=owner, public_id__in=ids, created_at__gte=cutoff
        )
    }
    for index, public_id in enumerate(ids):
        if public_id not in found:
            raise ActionError(
                "No upload of yours has this id (uploads are kept 24 hours and used once).",
                field=f"attachments.{index}",
            )
    uploads = [found[i] for i in ids]
    total, limit = sum(u.size for u in uploads), max_total_bytes()
    if total > limit:
        raise HttpError(413, f"The files are {total} bytes together; the limit is {limit} bytes")
    Upload.objects.filter(pk__in=[u.pk for u in uploads]).delete()
    names = [u.file.name for u in uploads]
    transaction.on_commit(lambda: _delete_files(names))
    return [
        UploadedFile(
            file=u.file.open("rb"), name=u.filename, content_type=u.content_type, size=u.size
        )
        for u in uploads
    ]


@contextmanager
def taken_uploads(owner: User, ids: Sequence[uuid.UUID]) -> Iterator[list[UploadedFile]]:
    """:func:`do_take_uploads`, closing the files once the action has stored them."""
    files = do_take_uploads(owner, ids)
    try:
        yield files
    finally:
        for upload in files:
            upload.close()


def _delete_files(names: list[str]) -> None:
    storage = Upload._meta.get_field("file").storage
    for name in names:
        storage.delete(name)
