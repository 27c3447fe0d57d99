"""One POST to a real receiver: what the log keeps for slow, redirecting or absent ones."""

from __future__ import annotations

from heedful.webhooks.transport import EXCERPT_BYTES, PostResult, post_json
from tests.webhooks.conftest import Receiver


def test_it_gives_up_on_a_slow_receiver_at_the_timeout(receiver: Receiver) -> None:
    receiver.delay = 1.0
    result = post_json(receiver.url, b"{}", {}, timeout=0.3)
    assert (result.status_code, result.error, result.succeeded) == (
        None, "Timed out after 0.3 s.", False,
    )  # fmt: skip
    assert 300 <= result.latency_ms < 1000


def test_it_does_not_follow_redirects(receiver: Receiver) -> None:
    receiver.plan = [302]
    result = post_json(receiver.url, b"{}", {}, timeout=5)
    assert (result.status_code, result.succeeded) == (302, False)
    assert len(receiver.requests) == 1


def test_it_keeps_the_first_kilobyte_of_the_answer(receiver: Receiver) -> None:
    receiver.plan = [500]
    result = post_json(receiver.url, b"{}", {"X-Test": "1"}, timeout=5)
    assert result.status_code == 500
    assert len(result.excerpt) == EXCERPT_BYTES
    assert receiver.requests[0].headers["X-Test"] == "1"
    assert receiver.requests[0].headers["User-Agent"] == "Heedful-Webhooks/1"


def test_it_reports_a_refused_connection(down_url: str) -> None:
    result = post_json(down_url, b"{}", {}, timeout=5)
    assert result == PostResult(None, result.latency_ms, "", "Connection refused")
