"""The one error shape of the API: ``{"error": {"code", "message", "fields"}}``.

Every 4xx the API sends has it: the handlers below cover what the endpoints raise
(actions' errors, 404s, ninja's validation, auth and throttling), and
heedful.api.middleware covers what Django answers before or around ninja (unknown
addresses, wrong methods, oversized bodies).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from heedful.lib.errors import ActionError, ActionForbidden
from heedful.tickets.inbox import BadInboxQuery

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
}

# The statuses every operation may answer with, documented in the schema.
COMMON_ERROR_STATUSES = frozenset({400, 401, 403, 404, 413, 422, 429})


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, str]


class ErrorOut(Schema):
    error: ErrorDetail


def error_payload(code: str, message: str, fields: Mapping[str, str] | None = None) -> bytes:
    body = {"error": {"code": code, "message": message, "fields": dict(fields or {})}}
    return json.dumps(body).encode()


def error_response(
    status: int, message: str, *, code: str = "", fields: Mapping[str, str] | None = None
) -> HttpResponse:
    return HttpResponse(
        error_payload(code or CODES.get(status, "error"), message, fields),
        status=status,
        content_type="application/json",
    )


def _field_name(loc: tuple[Any, ...]) -> str:
    """ninja's ("body", "payload", "tags", 0) -> "tags.0"; ("query", "limit") -> "limit"."""
    parts = list(loc)
    if parts and parts[0] == "body":
        parts = parts[2:] if len(parts) > 2 else parts[1:]
    elif parts:
        parts = parts[1:]
    return ".".join(str(p) for p in parts) or "body"


def _validation_fields(errors: list[dict[str, Any]]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for error in errors:
        name = _field_name(tuple(error.get("loc", ())))
        text = "Unknown field." if error.get("type") == "extra_forbidden" else error.get("msg", "")
        fields.setdefault(name, str(text).removeprefix("Value error, "))
    return fields


def _validation_message(fields: dict[str, str]) -> str:
    unknown = [name for name, text in fields.items() if text == "Unknown field."]
    if unknown:
        return f"Unknown field{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}."
    name, text = next(iter(fields.items()))
    return f"{name}: {text}" if len(fields) == 1 else f"{len(fields)} fields are invalid."


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ValidationError)
    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields = _validation_fields(exc.errors) or {"body": "Invalid request."}
        return error_response(422, _validation_message(fields), fields=fields)

    @api.exception_handler(ActionForbidden)
    def on_forbidden(request: HttpRequest, exc: ActionForbidden) -> HttpResponse:
        return error_response(403, exc.message)

    @api.exception_handler(ActionError)
    def on_action_error(request: HttpRequest, exc: ActionError) -> HttpResponse:
        fields = {exc.field: exc.message} if exc.field else {}
        code = exc.code if exc.code != "invalid" else ""
        return error_response(422, exc.message, code=code, fields=fields)

    @api.exception_handler(BadInboxQuery)
    def on_bad_query(request: HttpRequest, exc: BadInboxQuery) -> HttpResponse:
        return error_response(422, f"Bad list query: {exc}.")

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(404, "Not found.")

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = error_response(
            401, "Send a valid API token: Authorization: Bearer <token>.", code="unauthorized"
        )
        response["WWW-Authenticate"] = 'Bearer realm="heedful"'
        return response

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return error_response(exc.status_code, _sentence(exc.message))


def _sentence(text: str) -> str:
    text = text.strip() or "Request refused"
    return text if text.endswith(".") else text + "."
