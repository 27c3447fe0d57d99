"""Per-address and per-IP limits on what anonymous visitors may ask for (sign-in links,
web-form tickets), counted in the Django cache: shared by every app server when
REDIS_URL is set, per process with the local-memory default."""

from __future__ import annotations

import hashlib
import ipaddress
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

WINDOW_SECONDS = 3600


@dataclass(frozen=True)
class Refusal:
    """Why a request was refused and when the visitor may try again."""

    reason: str
    retry_after: int

    @property
    def minutes(self) -> int:
        return max(1, -(-self.retry_after // 60))


def client_ip(request: HttpRequest) -> str | None:
    """The visitor's address: REMOTE_ADDR, or the last hop of HEEDFUL_CLIENT_IP_HEADER
    (the one our own proxy wrote; earlier entries can be forged by the client)."""
    raw = str(request.META.get("REMOTE_ADDR") or "")
    header = settings.CLIENT_IP_HEADER
    if header:
        forwarded = str(request.META.get("HTTP_" + header.upper().replace("-", "_"), ""))
        if forwarded.strip():
            raw = forwarded.split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def _count(key: str) -> int:
    # add() is a no-op when the key exists; incr() is atomic in Redis and locmem.
    cache.add(key, 0, timeout=WINDOW_SECONDS + 5)
    try:
        return int(cache.incr(key))
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS + 5)
        return 1


def hit(scope: str, *, address: str, ip: str | None) -> Refusal | None:
    """Count one attempt at ``scope`` for the address and the IP; a Refusal when either
    is over its hourly limit. Refused attempts count too, so hammering never helps."""
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    retry_after = max(1, int((window + 1) * WINDOW_SECONDS - now))
    digest = hashlib.sha256(address.strip().lower().encode()).hexdigest()[:32]
    by_address = _count(f"heedful:portal-rate:{scope}:addr:{digest}:{window}")
    by_ip = _count(f"heedful:portal-rate:{scope}:ip:{ip or 'unknown'}:{window}")
    if by_address > settings.PORTAL_RATE_PER_ADDRESS:
        return Refusal("Too many requests for this email address.", retry_after)
    if by_ip > settings.PORTAL_RATE_PER_IP:
        return Refusal("Too many requests from your network.", retry_after)
    return None
