"""Who is calling: a personal API token (``Authorization: Bearer hf_…``) or, for the
interactive docs page in a browser, the signed-in session (with its CSRF check).

A read-only token may call every GET; the write endpoints take ``WRITE_AUTH``,
which answers 403 to such a token.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from django.http import HttpRequest
from ninja.errors import AuthorizationError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.security.session import SessionAuth

from heedful.accounts.actions import do_touch_api_token
from heedful.accounts.models import ApiToken, User, hash_token_secret
from heedful.api.generation import GenerationCache


@dataclass(frozen=True)
class Caller:
    user: User
    token: ApiToken | None

    @property
    def key(self) -> str:
        """Identifies the caller for rate limits and idempotency keys."""
        if self.token is not None:
            return f"token:{self.token.public_id}"
        return f"session:{self.user.public_id}"


class TokenAuth(HttpBearer):
    def __init__(self, *, write: bool = False) -> None:
        super().__init__()
        self.write = write

    def authenticate(self, request: HttpRequest, token: str) -> Caller | None:
        api_token = _find_active_token(token.strip())
        if api_token is None:
            return None
        if self.write and not api_token.can_write:
            raise AuthorizationError(
                message="This token is read-only; create a token with the write scope."
            )
        # On the shared instance, so that the process writes it once a minute, not on
        # every request; the request gets its own copies.
        do_touch_api_token(api_token)
        user = copy.copy(api_token.user)
        mine = copy.copy(api_token)
        mine.user = user
        return Caller(user, mine)


# The live tokens this process has seen, with their users, by the hash of their secret.
# Reading one was the dearest statement of an API request after the write itself (the
# ORM compiling a join; docs/performance-history.md, "API create: the token and the
# requester"): the settings generation (one raw SELECT) tells when any token or user row
# changed (triggers, migration api.0004), so a revoke, a scope change or a deactivation
# on any connection is seen by the next request. Only tokens found live are kept.
_live_tokens: GenerationCache[dict[str, ApiToken]] = GenerationCache(dict)


def _find_active_token(secret: str) -> ApiToken | None:
    # The generation is read before the token, as GenerationCache.get() needs: a
    # change committed after that read gives a new generation, and this dict is dropped.
    tokens = _live_tokens.get()
    key = hash_token_secret(secret)
    token = tokens.get(key)
    if token is None:
        token = ApiToken.find_active(secret)
        if token is not None:
            tokens[key] = token
    return token


class BrowserSessionAuth(SessionAuth):
    """The workspace's session, so the docs page can try requests; unsafe methods
    also need the CSRF token, as in the rest of the web app."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Caller | None:
        user = request.user
        if user.is_authenticated and isinstance(user, User) and user.is_active:
            return Caller(user, None)
        return None


READ_AUTH: list[APIKeyCookie | HttpBearer] = [TokenAuth(), BrowserSessionAuth()]
WRITE_AUTH: list[APIKeyCookie | HttpBearer] = [TokenAuth(write=True), BrowserSessionAuth()]


def caller_of(request: HttpRequest) -> Caller:
    caller = getattr(request, "auth", None)
    assert isinstance(caller, Caller), "endpoint without authentication"
    return caller
