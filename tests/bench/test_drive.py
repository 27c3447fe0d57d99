"""The heavy-use drive of the memory benchmark: it sends the number of requests asked
for, mixes pages, search and the API, follows the inbox's next-page links and counts
failed requests, against a stand-in server that records what it gets."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from heedful.accounts.models import User
from heedful.bench.drive import Client, drive
from heedful.bench.fixtures import Fixtures
from heedful.tickets.models import Ticket

NEXT_PAGE = '<a class="btn btn-small" href="/inbox/open/?sort=newest&amp;cursor=abc" id="next-page"'


class _Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[tuple[str, str, str]] = []
    fail_search = False

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        auth = "token" if self.headers.get("Authorization") == "Bearer secret" else ""
        cookie = "cookie" if self.headers.get("Cookie") == "sessionid=s" else ""
        self.seen.append((self.command, self.path, auth or cookie))
        body = NEXT_PAGE.encode() if self.path.startswith("/inbox/") else b"ok"
        status = 500 if self.fail_search and self.path.startswith("/search/") else 200
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def port() -> Iterator[int]:
    _Recorder.seen = []
    _Recorder.fail_search = False
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def _client(port: int) -> Client:
    fixtures = Fixtures(User(username="alice"), {"status": "pending"}, {"tag": "rare"}, Ticket())
    return Client(port, "sessionid=s", "secret", fixtures, "dave@acme.example", (1001, 2000))


def test_it_sends_the_requests_asked_for_with_every_kind(port: int) -> None:
    result = drive(_client(port), 120, threads=4, seed=1)
    seen = _Recorder.seen
    assert result["drive_errors"] == 0
    # Each thread finishes the action it is in: an inbox action can add 3 pages.
    assert 120 <= result["drive_requests"] == len(seen) <= 120 + 4 * 3
    paths = [path for _, path, _ in seen]
    assert any(p.startswith("/tickets/HD-") for p in paths)
    assert any(p.startswith("/search/?q=") for p in paths)
    assert ("POST", "/api/v1/tickets", "token") in seen
    assert any(p.startswith("/api/v1/tickets?status=") for p in paths)
    assert "/inbox/open/?sort=newest&cursor=abc" in paths  # the next-page link, unescaped
    assert any("status=pending" in p for p in paths) and any("tag=rare" in p for p in paths)
    # Pages with the session cookie, the API with the token, nothing without either.
    assert {who for _, path, who in seen if path.startswith("/api/")} == {"token"}
    assert {who for _, path, who in seen if not path.startswith("/api/")} == {"cookie"}


def test_it_counts_failed_requests(port: int) -> None:
    _Recorder.fail_search = True
    client = _client(port)
    result = drive(client, 60, threads=2, seed=2)
    searches = sum(path.startswith("/search/") for _, path, _ in _Recorder.seen)
    assert searches > 0
    assert result["drive_errors"] == searches == len(client.errors)
    assert all(error.endswith("HTTP 500") for error in client.errors)
