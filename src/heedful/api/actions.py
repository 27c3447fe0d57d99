"""Writers of the API's own state: remembered responses to Idempotency-Keys."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from heedful.api.models import IdempotencyRecord

# How long a key is remembered; a retry after that creates a new object.
IDEMPOTENCY_TTL = timedelta(hours=24)


def do_remember_response(
    *, caller: str, key: str, fingerprint: str, status_code: int, body: str
) -> IdempotencyRecord:
    """Store the first response to a key. Call it inside the transaction that made the
    object: if two requests race with one key, the unique constraint fails one of them
    and its transaction (with its object) rolls back."""
    IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - IDEMPOTENCY_TTL).delete()
    return IdempotencyRecord.objects.create(
        caller=caller,
        key=key,
        fingerprint=fingerprint,
        status_code=status_code,
        response_body=body,
    )


def find_remembered_response(caller: str, key: str) -> IdempotencyRecord | None:
    cutoff = timezone.now() - IDEMPOTENCY_TTL
    return IdempotencyRecord.objects.filter(caller=caller, key=key, created_at__gte=cutoff).first()
