"""What the API itself has to remember: the first response to each Idempotency-Key."""

from __future__ import annotations

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
