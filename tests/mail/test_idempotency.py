"""One message per Message-ID, however often and wherever it is delivered."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from heedful.mail.actions import (
    IngestResult,
    Outcome,
    identify,
    ingest_raw,
    ingest_stored,
    retry_received,
)
from heedful.mail.models import Direction, MailMessage, Source, State
from heedful.tickets.models import Message, Ticket
from tests.mail.conftest import build_email


def test_it_stores_the_same_message_id_once(deliver: Callable[..., IngestResult]) -> None:
    first = deliver()
    second = deliver(body="A different copy of the same message")
    assert (first.outcome, second.outcome) == (Outcome.CREATED, Outcome.DUPLICATE)
    assert second.ticket == first.ticket
    assert (MailMessage.objects.count(), Ticket.objects.count(), Message.objects.count()) == (
        1,
        1,
        1,
    )


def test_it_stores_a_message_delivered_to_two_mailboxes_once(db: None) -> None:
    raw = build_email()
    a = ingest_raw(raw, source=Source.IMAP, mailbox="support@imap.test/INBOX")
    b = ingest_raw(raw, source=Source.IMAP, mailbox="sales@imap.test/INBOX")
    assert (a.outcome, b.outcome) == (Outcome.CREATED, Outcome.DUPLICATE)
    assert MailMessage.objects.get().mailbox == "support@imap.test/INBOX"


def test_it_finishes_a_message_stored_before_a_crash(db: None) -> None:
    raw = build_email()
    key, message_id = identify(raw)
    # What a crash right after "store raw first" leaves behind.
    MailMessage.objects.create(
        key=key, message_id=message_id, direction=Direction.INBOUND, source=Source.SMTP,
        raw=MailMessage.compress(raw), raw_size=len(raw),
    )  # fmt: skip
    result = ingest_raw(raw, source=Source.SMTP)
    assert result.outcome == Outcome.CREATED
    assert (MailMessage.objects.get().state, Ticket.objects.count()) == (State.PROCESSED, 1)
    assert ingest_raw(raw, source=Source.SMTP).outcome == Outcome.DUPLICATE


def test_it_retries_stored_but_unprocessed_messages(db: None) -> None:
    raw = build_email()
    key, message_id = identify(raw)
    MailMessage.objects.create(
        key=key, message_id=message_id, direction=Direction.INBOUND, source=Source.SMTP,
        raw=MailMessage.compress(raw), raw_size=len(raw),
    )  # fmt: skip
    from datetime import timedelta

    results = retry_received(older_than=timedelta(0))
    assert [r.outcome for r in results] == [Outcome.CREATED]
    assert retry_received(older_than=timedelta(0)) == []


@pytest.mark.django_db(transaction=True)
def test_it_stores_one_message_when_two_deliveries_race() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs concurrent transactions")
    raw = build_email()
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def deliver() -> None:
        barrier.wait()
        try:
            outcomes.append(ingest_raw(raw, source=Source.SMTP).outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created", "duplicate", "duplicate", "duplicate"]
    assert (MailMessage.objects.count(), Ticket.objects.count(), Message.objects.count()) == (
        1,
        1,
        1,
    )


def test_it_rolls_back_a_message_another_worker_finished_meanwhile(db: None) -> None:
    raw = build_email()
    key, message_id = identify(raw)
    stored = MailMessage.objects.create(
        key=key, message_id=message_id, direction=Direction.INBOUND, source=Source.SMTP,
        raw=MailMessage.compress(raw), raw_size=len(raw),
    )  # fmt: skip
    stale = MailMessage.objects.defer("raw").get(pk=stored.pk)  # read before the other finished
    first = ingest_stored(stored, raw, live=True)

    second = ingest_stored(stale, raw, live=True)

    assert (first.outcome, second.outcome) == (Outcome.CREATED, Outcome.DUPLICATE)
    assert second.ticket == first.ticket and second.mail.state == State.PROCESSED
    assert (Ticket.objects.count(), Message.objects.count()) == (1, 1)
    assert MailMessage.objects.get().ticket_message == Message.objects.get()
