"""Signed one-click links: a public id signed with a timestamp, so a customer can act
from an email without signing in.

The token cannot be forged or pointed at another object (each use has its own salt),
and stops working after ``max_age``. It carries no decision: what the click means (a
rating, "yes"/"no") is part of the URL, so using a link twice just repeats the answer.
Uses django.core.signing (the project's SECRET_KEY); no models.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.core import signing


class LinkRefused(Exception):
    """``code`` is "invalid" (tampered, truncated), "expired" or "unknown" (set by callers
    whose object no longer exists), "closed" (no longer open for answers)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def sign_public_id(public_id: uuid.UUID, *, salt: str) -> str:
    return signing.dumps(str(public_id), salt=salt, compress=False)


def read_public_id(token: str, *, salt: str, max_age: timedelta, what: str = "link") -> uuid.UUID:
    """The public id a token stands for; LinkRefused when tampered or expired."""
    try:
        value = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkRefused("expired", f"This {what} has expired.") from None
    except signing.BadSignature:
        raise LinkRefused("invalid", f"This {what} is not valid.") from None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise LinkRefused("invalid", f"This {what} is not valid.") from None
