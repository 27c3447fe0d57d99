"""What the API itself has to remember: the first response to each Idempotency-Key, and
files uploaded before the ticket or message that carries them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class IdempotencyRecord(models.Model):
    """The response a create returned for one key of one caller.

    ``caller`` is ``token:<public id>`` or ``session:<user public id>``: the same key
    sent by two callers names two different requests.
    """

    caller = models.CharField(max_length=60)
    key = models.CharField(max_length=255)
    # SHA-256 of the method, path and canonical JSON body: a retry must send the same.
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    # The rendered JSON, as text so a replay is byte-for-byte the first response
    # (a jsonb column would reorder the keys).
    response_body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["caller", "key"], name="idempotency_caller_key_unique")
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self) -> str:
        return f"{self.caller} {self.key}"


class Upload(models.Model):
    """A file sent to ``POST /attachments``, waiting to be attached to a new ticket or
    message by its id (like Zendesk's upload tokens). Only its owner may use it, once;
    unused uploads are deleted after a day (heedful.api.tasks)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    file = models.FileField(upload_to="uploads/%Y/%m/")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="api_upload_created_idx")]

    def __str__(self) -> str:
        return self.filename
