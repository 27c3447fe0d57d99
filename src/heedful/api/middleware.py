"""Around the API: refuse oversized bodies before they are read, and give the answers
Django makes itself under /api/ (no such address, wrong method, CSRF failure) the
API's one error shape."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from heedful.api.errors import error_response

API_PREFIX = "/api/"
UPLOAD_PATH = "/api/v1/attachments"
MULTIPART_OVERHEAD_BYTES = 64 * 1024

_MESSAGES = {
    404: "No such API address; see /api/v1/docs.",
    405: "This method is not allowed here.",
    403: "Forbidden.",
    400: "Bad request.",
}


class ApiErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        refused = _check_body_size(request)
        if refused is not None:
            return refused
        response = self.get_response(request)
        if 400 <= response.status_code < 500 and not _is_json(response):
            return _reshape(response)
        return response


def _check_body_size(request: HttpRequest) -> HttpResponse | None:
    raw = request.META.get("CONTENT_LENGTH") or "0"
    try:
        length = int(raw)
    except ValueError:
        return error_response(400, "The Content-Length header is not a number.")
    limit = settings.API_MAX_BODY_BYTES
    if request.path == UPLOAD_PATH:
        # A file upload: the per-file limit, plus room for the multipart framing.
        limit = settings.API_MAX_ATTACHMENT_BYTES + MULTIPART_OVERHEAD_BYTES
    if length > limit:
        return error_response(
            413, f"The request body is {length} bytes; the limit is {limit} bytes."
        )
    return None


def _is_json(response: HttpResponseBase) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


def _reshape(response: HttpResponseBase) -> HttpResponse:
    status = response.status_code
    reshaped = error_response(status, _MESSAGES.get(status, "Request refused."))
    for header in ("Allow", "Retry-After", "WWW-Authenticate"):
        if header in response:
            reshaped[header] = response[header]
    return reshaped
