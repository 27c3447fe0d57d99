"""How a delivery is signed: HMAC-SHA256 over ``"<timestamp>.<body>"`` with the
subscription's secret, sent as ``Heedful-Signature: t=<unix seconds>,v1=<hex>``.

The timestamp is inside the signed text so a receiver can refuse old, replayed
requests (docs/webhooks.md shows the check). No Django here: receivers' code in the
docs mirrors it line for line.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "Heedful-Signature"
EVENT_ID_HEADER = "Heedful-Event-Id"
EVENT_KIND_HEADER = "Heedful-Event-Kind"
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"
