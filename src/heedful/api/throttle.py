"""Per-caller rate limit: at most HEEDFUL_API_RATE_LIMIT requests a minute per token
(or per signed-in user), counted in the Django cache, so in Redis when REDIS_URL is
set and every app server shares the count. Over it: 429 with Retry-After."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from heedful.api.auth import Caller

WINDOW_SECONDS = 60


class CallerRateThrottle(BaseThrottle):
    """A fixed one-minute window per caller: one atomic increment per request."""

    def __init__(self) -> None:
        # ninja asks wait() right after a refusal on the same (shared) instance; two
        # threads refused in the same window compute the same value, so a race is harmless.
        self.retry_after: float | None = None

    def allow_request(self, request: HttpRequest) -> bool:
        caller = getattr(request, "auth", None)
        if not isinstance(caller, Caller):
            return True
        now = time.time()
        window = int(now // WINDOW_SECONDS)
        key = f"heedful:api-rate:{caller.key}:{window}"
        # add() is a no-op when the key exists; incr() is atomic in Redis and locmem.
        cache.add(key, 0, timeout=WINDOW_SECONDS + 5)
        try:
            count = cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, timeout=WINDOW_SECONDS + 5)
            count = 1
        if count <= settings.API_RATE_LIMIT_PER_MINUTE:
            return True
        self.retry_after = max(1.0, (window + 1) * WINDOW_SECONDS - now)
        return False

    def wait(self) -> float | None:
        return self.retry_after
