"""One POST to a receiver, with a hard timeout and no redirects, reduced to what the
delivery log keeps: status, latency, the first kilobyte of the answer, or the error."""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import IO, Any

EXCERPT_BYTES = 1024
USER_AGENT = "Heedful-Webhooks/1"


@dataclass(frozen=True)
class PostResult:
    status_code: int | None
    latency_ms: int
    excerpt: str = ""
    error: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect would turn the POST into a GET without the body (or leak it to
    # another host): a 3xx is reported as the receiver's answer, i.e. a failure.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def _excerpt(stream: IO[bytes] | None) -> str:
    if stream is None:
        return ""
    try:
        raw = stream.read(EXCERPT_BYTES)
    except (OSError, http.client.HTTPException):
        return ""
    return raw.decode("utf-8", errors="replace")[:EXCERPT_BYTES]


def post_json(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> PostResult:
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("User-Agent", USER_AGENT)
    for name, value in headers.items():
        request.add_header(name, value)
    started = time.monotonic()

    def elapsed() -> int:
        return round((time.monotonic() - started) * 1000)

    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return PostResult(response.status, elapsed(), _excerpt(response))
    except urllib.error.HTTPError as exc:  # 3xx, 4xx, 5xx: the receiver answered
        with exc:
            return PostResult(exc.code, elapsed(), _excerpt(exc.fp))
    except TimeoutError:
        return PostResult(None, elapsed(), error=f"Timed out after {timeout:g} s.")
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            return PostResult(None, elapsed(), error=f"Timed out after {timeout:g} s.")
        return PostResult(None, elapsed(), error=_reason(exc.reason))
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return PostResult(None, elapsed(), error=_reason(exc))


def _reason(reason: object) -> str:
    if isinstance(reason, OSError) and reason.strerror:
        text = reason.strerror
    else:
        text = str(reason) or type(reason).__name__
    return text[:300]
