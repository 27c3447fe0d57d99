"""Who is calling: a personal API token (``Authorization: Bearer hf_…``) or, for the
interactive docs page in a browser, the signed-in session (with its CSRF check).

A read-only token may call every GET; the write endpoints take ``WRITE_AUTH``,
which answers 403 to such a token.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from ninja.errors import AuthorizationError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.security.session import SessionAuth

from heedful.accounts.actions import do_touch_api_token
from heedful.accounts.models import ApiToken, User


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
        api_token = ApiToken.find_active(token.strip())
        if api_token is None:
            return None
        if self.write and not api_token.can_write:
            raise AuthorizationError(
                message="This token is read-only; create a token with the write scope."
            )
        do_touch_api_token(api_token)
        return Caller(api_token.user, api_token)


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
