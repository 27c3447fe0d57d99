"""Messages of one conversation stored at once (PostgreSQL's concurrent writers): one
ticket all the same, and a batch import with several writer processes gives the results
of one process."""

from __future__ import annotations

import base64
import contextlib
import threading
from typing import Any

import pytest
from django.db import connection

from heedful.customers.models import Contact
from heedful.mail import actions, pipeline
from heedful.mail.actions import ingest_raw
from heedful.mail.identity import message_key, thread_index_key
from heedful.mail.importer import import_messages
from heedful.mail.models import MailMessage, Source
from heedful.mail.writers import Router, conversation_keys
from heedful.tickets.models import Message, Ticket
from tests.mail.conftest import build_email


def _needs_postgresql() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs concurrent transactions")


def _reply(n: int, parent: int) -> bytes:
    return build_email(
        subject="Re: Printer on fire",
        body=f"Update {n}.",
        message_id=f"<m{n}@acme.test>",
        headers={"In-Reply-To": f"<m{parent}@acme.test>", "References": "<m1@acme.test>"},
    )


def _deliver_at_once(monkeypatch: pytest.MonkeyPatch, raws: list[bytes]) -> list[str]:
    """Two deliveries, each one waiting after its thread lookup until the other has
    looked too (so neither has committed), unless one of them waits for the other
    anyway: then the barrier times out and they run one after the other."""
    barrier = threading.Barrier(len(raws), timeout=2)
    real_find_thread = actions.find_thread

    def find_thread_then_wait(*args: Any) -> Any:
        found = real_find_thread(*args)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return found

    monkeypatch.setattr(actions, "find_thread", find_thread_then_wait)
    # Known already: creating the sender's contact would make the second wait anyway.
    Contact.objects.create(name="Dave", email="dave@acme.test")
    outcomes: list[str] = []

    def deliver(raw: bytes) -> None:
        try:
            outcomes.append(ingest_raw(raw, source=Source.SMTP).outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(raw,)) for raw in raws]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


@pytest.mark.django_db(transaction=True)
def test_it_threads_a_reply_delivered_while_its_parent_is_stored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _needs_postgresql()
    outcomes = _deliver_at_once(monkeypatch, [build_email(), _reply(2, 1)])

    assert outcomes == ["created", "threaded"]
    assert (Ticket.objects.count(), Message.objects.count()) == (1, 2)


@pytest.mark.django_db(transaction=True)
def test_it_numbers_the_first_two_tickets_of_a_new_database_opened_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _needs_postgresql()
    other = build_email(subject="Scanner jammed", message_id="<other@acme.test>")

    outcomes = _deliver_at_once(monkeypatch, [build_email(), other])

    assert outcomes == ["created", "created"]
    numbers = sorted(Ticket.objects.values_list("number", flat=True))
    assert numbers == [numbers[0], numbers[0] + 1]


def _conversations(count: int, length: int) -> list[tuple[str, bytes]]:
    """``count`` conversations of ``length`` messages each, interleaved, every reply
    answering the previous message of its conversation; then the first root again."""
    messages = []
    for step in range(length):
        for c in range(count):
            kwargs: dict[str, Any] = {"message_id": f"<c{c}-{step}@acme.test>"}
            if step:
                kwargs["subject"] = f"Re: Problem {c}"
                kwargs["headers"] = {"In-Reply-To": f"<c{c}-{step - 1}@acme.test>"}
            else:
                kwargs["subject"] = f"Problem {c}"
            messages.append((f"{c}-{step}", build_email(body=f"Step {step}.", **kwargs)))
    return [*messages, ("again", messages[0][1])]


@pytest.mark.django_db(transaction=True)
def test_it_imports_with_two_writer_processes_as_with_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _needs_postgresql()
    monkeypatch.setattr(pipeline, "CHUNK", 4)  # several chunks, so both writers get work
    messages = _conversations(count=3, length=5)

    summary = import_messages(messages, writers=2)

    assert dict(summary.counts) == {"created": 3, "threaded": 12, "duplicate": 1}
    assert (Ticket.objects.count(), Message.objects.count()) == (3, 15)
    assert MailMessage.objects.count() == 15
    for c in range(3):
        ticket = Ticket.objects.get(subject=f"Problem {c}")
        bodies = list(ticket.messages.order_by("id").values_list("body_text", flat=True))
        assert bodies == [f"Step {step}." for step in range(5)]  # stored in order


def test_it_routes_a_conversation_to_the_writer_that_has_it_in_flight() -> None:
    router = Router(writers=2, window=2)
    router.start_chunk()
    first = router.route(["a"])
    other = router.route(["b"])
    assert (first, other) == (0, 1)  # the least busy writer
    assert router.route(["c", "a"]) == first  # a reply to "a"
    assert router.route(["d", "b"]) == other
    router.start_chunk()
    assert router.route(["e", "c"]) == first  # "c" is still in flight
    router.start_chunk()
    router.start_chunk()
    # Two chunks later "a" to "e" are done: any writer will do.
    assert router.route(["f", "e"]) == 0 and router.merged == 0


def test_it_counts_a_message_joining_conversations_on_two_writers() -> None:
    router = Router(writers=2, window=2)
    router.start_chunk()
    router.route(["a"])
    router.route(["b"])
    assert router.route(["c", "b", "a"]) == 1  # its nearest parent's writer
    assert router.merged == 1


def test_it_reads_the_keys_threading_looks_up_from_the_headers() -> None:
    index = base64.b64encode(bytes(range(27))).decode()
    raw = build_email(
        message_id="<m3@acme.test>",
        headers={
            "In-Reply-To": "<m2@acme.test>",
            "References": "<m1@acme.test> <m2@acme.test>",
            "Thread-Index": index,
        },
    )
    keys = conversation_keys(raw)
    assert keys[:4] == [message_key(f"m{n}@acme.test") for n in (3, 2, 1, 2)]
    assert keys[4:] == [thread_index_key(base64.b64encode(bytes(range(22))).decode())]
