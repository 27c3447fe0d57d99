"""Bulk ingest: raw bytes of a chunk committed first, parsing ahead, same results."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from heedful.mail import pipeline
from heedful.mail.actions import IngestResult
from heedful.mail.identity import identify, message_key
from heedful.mail.importer import import_messages
from heedful.mail.models import MailMessage, State
from heedful.mail.prepare import prepare
from heedful.tickets.models import Message, Ticket
from tests.mail.conftest import build_email


def _thread(count: int) -> list[tuple[str, bytes]]:
    """A root and replies, each answering the previous one."""
    messages = [("0", build_email())]
    for n in range(1, count):
        raw = build_email(
            subject="Re: Printer on fire",
            body=f"Update {n}.",
            message_id=f"<m{n + 1}@acme.test>",
            headers={"In-Reply-To": f"<m{n}@acme.test>"},
        )
        messages.append((str(n), raw))
    return messages


def test_it_threads_across_chunks(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "CHUNK", 2)
    summary = import_messages(_thread(5))
    assert dict(summary.counts) == {"created": 1, "threaded": 4}
    assert (Ticket.objects.count(), Message.objects.count()) == (1, 5)


def test_it_cuts_a_chunk_at_its_byte_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "CHUNK_BYTES", 1000)
    messages = [("a", b"x" * 600), ("b", b"x" * 600), ("c", b"x" * 10), ("d", b"x" * 2000)]
    sizes = [[label for label, _ in chunk] for chunk in pipeline._chunks(messages)]
    assert sizes == [["a", "b"], ["c", "d"]]


def test_it_commits_the_chunks_raw_bytes_before_processing_any(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[int, int]] = []
    real = pipeline.ingest_stored

    def spy(*args: Any, **kwargs: Any) -> IngestResult:
        received = MailMessage.objects.filter(state=State.RECEIVED).count()
        seen.append((MailMessage.objects.count(), received))
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "ingest_stored", spy)
    import_messages(_thread(3))
    assert seen == [(3, 3), (3, 2), (3, 1)]


def test_it_parses_in_the_pipeline_when_preparing_fails(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(raws: Sequence[bytes]) -> None:
        raise RuntimeError("parsing process died")

    monkeypatch.setattr(pipeline, "prepare_chunk", broken)
    summary = import_messages(_thread(3))
    assert dict(summary.counts) == {"created": 1, "threaded": 2}
    assert list(Message.objects.order_by("id").values_list("body_text", flat=True)) == [
        "The printer in room 4 is on fire.",
        "Update 1.",
        "Update 2.",
    ]


def test_it_stores_under_the_key_the_parsing_process_read(db: None) -> None:
    raw = build_email()
    assert prepare(raw).identity == identify(raw) == (message_key("m1@acme.test"), "m1@acme.test")
    # The storing process takes the key it is given (and reads the others itself).
    other = build_email(message_id="<m2@acme.test>")
    rows = pipeline.store_raw([("a", raw), ("b", other)], "import", [("k" * 64, "given@x"), None])
    assert [(row.key, row.message_id) for row in rows if row is not None] == [
        ("k" * 64, "given@x"),
        (message_key("m2@acme.test"), "m2@acme.test"),
    ]
