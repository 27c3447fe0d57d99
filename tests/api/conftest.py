"""API test helpers: tokens for the named users and a JSON client that sends them."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connections
from django.test import Client

from heedful.accounts.actions import do_create_api_token
from heedful.accounts.models import TokenScope, User
from heedful.customers.models import Contact


class ApiClient:
    """Calls /api/v1 with ``Authorization: Bearer <secret>`` and JSON bodies."""

    def __init__(self, secret: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
        **query: Any,
    ) -> Any:  # fmt: skip
        all_headers = {**self.headers, **(headers or {})}
        url = "/api/v1" + path
        kwargs: dict[str, Any] = {"headers": all_headers}
        if method == "get":
            return self.client.get(url, query, **kwargs)
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return getattr(self.client, method)(url, data, content_type="application/json", **kwargs)

    def get(self, path: str, **query: Any) -> Any:
        return self.request("get", path, **query)

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self.request("post", path, body if body is not None else {}, headers)

    def patch(self, path: str, body: Any = None) -> Any:
        return self.request("patch", path, body if body is not None else {})


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


@pytest.fixture
def api() -> Callable[..., ApiClient]:
    """``api(alice)`` (write token), ``api(alice, scope="read")``, ``api(dave)``, ``api(None)``."""

    def make(who: User | Contact | None, scope: str = TokenScope.WRITE) -> ApiClient:
        if who is None:
            return ApiClient(None)
        user = who.user if isinstance(who, Contact) else who
        assert user is not None
        _, secret = do_create_api_token(user, name="tests", scope=scope)
        return ApiClient(secret)

    return make


def error_of(response: Any) -> dict[str, Any]:
    """The error object of a response, after checking it has the one error shape."""
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert response["Content-Type"].startswith("application/json")
    return dict(body["error"])


def on_another_connection(change: Callable[[], object]) -> None:
    """Run ``change`` in a thread: its own database connection, committed when it ends."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            change()
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert not failures, failures
