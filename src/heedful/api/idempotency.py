"""``Idempotency-Key`` on creates: a retried request gets the first response back and
never makes a second object.

The key, the caller and the response are stored in the same transaction as the
object, so a crash leaves either both or neither. A retry whose body differs from
the first request's is refused (422), since answering it with the first object would
hide a bug in the client.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from ninja import Header, Schema
from ninja.responses import NinjaJSONEncoder, Status

from heedful.api.actions import do_remember_response, find_remembered_response
from heedful.api.auth import caller_of
from heedful.api.models import IdempotencyRecord
from heedful.lib.errors import ActionError

HEADER = "Idempotency-Key"
_KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"


def idempotency_header() -> Any:
    """The header parameter every create endpoint declares, so the schema documents it:
    ``idempotency_key: str | None = idempotency_header()``."""
    return Header(
        None,
        alias=HEADER,
        pattern=_KEY_PATTERN,
        description=(
            "Any unique string (1-255 visible ASCII characters, e.g. a UUID). Retrying a "
            "create with the same key returns the first response and creates nothing new."
        ),
    )


def run_idempotent(
    request: HttpRequest, key: str | None, status: int, create: Callable[[], Schema]
) -> Status[Schema] | HttpResponse:
    """Run ``create`` (which writes through actions and returns the response body)
    at most once per key and caller."""
    if key is None:
        with transaction.atomic():
            return Status(status, create())
    if not re.fullmatch(_KEY_PATTERN, key):
        raise ActionError("Use 1 to 255 visible ASCII characters.", field=HEADER)
    caller = caller_of(request).key
    fingerprint = _fingerprint(request)
    remembered = find_remembered_response(caller, key)
    if remembered is not None:
        return _replay(remembered, fingerprint)
    try:
        with transaction.atomic():
            body = create()
            do_remember_response(
                caller=caller,
                key=key,
                fingerprint=fingerprint,
                status_code=status,
                body=_as_rendered(body),
            )
    except IntegrityError:
        # A concurrent request with the same key committed first; ours rolled back.
        remembered = find_remembered_response(caller, key)
        if remembered is None:
            raise
        return _replay(remembered, fingerprint)
    return Status(status, body)


def _as_rendered(body: Schema) -> str:
    """The body exactly as ninja renders it, so a replay is byte-for-byte the first."""
    return json.dumps(body.model_dump(), cls=NinjaJSONEncoder)


def _fingerprint(request: HttpRequest) -> str:
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        body = request.body.decode(errors="replace")
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    raw = f"{request.method}\n{request.path}\n{canonical}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> HttpResponse:
    if record.fingerprint != fingerprint:
        raise ActionError(
            f"This {HEADER} was used with a different request; use a new key for a new request.",
            field=HEADER,
            code="idempotency_key_reused",
        )
    response = HttpResponse(
        record.response_body,
        status=record.status_code,
        content_type="application/json",
    )
    response["Idempotent-Replayed"] = "true"
    return response
