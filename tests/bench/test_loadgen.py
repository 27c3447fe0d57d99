"""The load generator's open-loop mode: requests go out on schedule, and a server that
falls behind shows in the latency (measured from the due time, not from the send)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from heedful.bench.loadgen import run

SERVICE_SECONDS = 0.02


class _SlowHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # the name http.server calls
        time.sleep(SERVICE_SECONDS)
        self.send_response(200 if self.path == "/" else 404)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_it_keeps_the_rate_when_the_server_keeps_up(server_url: str) -> None:
    result = run(server_url, ("GET", {}, None), duration=1.0, connections=8, rate=50, late_ms=50)
    assert result["requests"] == 50
    assert result["errors"] == 0
    assert result["late"] == 0
    # 20 ms of service, sent on time: no queueing (the bound leaves room for a busy machine).
    assert SERVICE_SECONDS * 1e6 <= int(str(result["p50_us"])) < 5 * SERVICE_SECONDS * 1e6


def test_it_counts_the_wait_of_requests_a_slow_server_delays(server_url: str) -> None:
    # One connection serves at most 50 requests/s; 100 are due each second, so the
    # requests queue for a free connection and each waits longer than the one before.
    result = run(server_url, ("GET", {}, None), duration=0.5, connections=1, rate=100)
    assert result["requests"] == 50
    assert int(str(result["late"])) >= 40
    # The last request was due at 0.49 s and is answered after about 50 times 20 ms = 1 s:
    # about 0.5 s after its due time, which a latency measured from the send would hide.
    assert int(str(result["p99_us"])) > 0.3e6
    assert int(str(result["p50_us"])) > 0.1e6


def test_it_counts_errors(server_url: str) -> None:
    result = run(server_url + "missing", ("GET", {}, None), duration=0.2, connections=2, rate=20)
    assert result["requests"] == 4
    assert result["errors"] == 4
