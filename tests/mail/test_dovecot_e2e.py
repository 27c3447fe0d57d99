"""End to end with real servers: a customer's email sits in a real Dovecot mailbox,
Heedful's poller fetches it, an agent replies in the web UI, the real task worker sends
the reply over SMTP to a real server (aiosmtpd), the customer's answer to that email goes
back into Dovecot and threads into the same ticket. Then the poller is killed between
fetch and commit: nothing is lost, nothing doubled, nothing flagged before its commit."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import Client
from imapclient import IMAPClient

from heedful.accounts.models import User
from heedful.mail import actions as mail_actions
from heedful.mail.imap import ImapMailbox, parse_imap_url, poll_once
from heedful.mail.models import MailMessage, OutboundEmail, OutboundState, State
from heedful.tickets.models import Message, Ticket
from tests.conftest import login, run_worker_once
from tests.mail.conftest import build_email
from tests.mail.dovecot import PASSWORD, USER, Dovecot, dovecot_binary, running_dovecot
from tests.mail.test_outbound import Sink, _free_port

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    binary = dovecot_binary()
    if binary is None:
        # `make test` installs it (Makefile target `mail-servers`); CI never skips.
        pytest.skip("dovecot is not installed: apt-get install dovecot-imapd (make mail-servers)")
    with running_dovecot(binary) as server:
        yield server


@pytest.fixture
def mailbox(dovecot: Dovecot) -> Iterator[ImapMailbox]:
    """A fresh folder per test, processed mail moved to its own folder."""
    folder = f"Support{_free_port()}"
    url = f"imap://{USER}:{PASSWORD}@127.0.0.1:{dovecot.port}/{folder}?move_to={folder}-done"
    box = parse_imap_url(url)
    with _client(box) as client:
        client.create_folder(folder)
        client.create_folder(box.move_to)
    yield box


@pytest.fixture
def sink(settings: Any) -> Iterator[Sink]:
    handler = Sink()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_TIMEOUT, settings.EMAIL_USE_TLS = 10, False
    settings.DEFAULT_FROM_EMAIL = "support@heedful.test"
    settings.TASKS = DB_TASKS  # the real database queue, run by the real worker
    yield handler
    controller.stop()


def _client(box: ImapMailbox) -> IMAPClient:
    client = IMAPClient(box.host, port=box.port, ssl=False, timeout=10)
    client.login(box.username, box.password)
    return client


def _folder_state(box: ImapMailbox) -> tuple[int, int, int]:
    """(messages in the folder, of them unseen, messages moved to the done folder)."""
    with _client(box) as client:
        client.select_folder(box.folder, readonly=True)
        total = len(client.search(["ALL"]))
        unseen = len(client.search(["UNSEEN"]))
        done = client.folder_status(box.move_to, [b"MESSAGES"])[b"MESSAGES"]
    return total, unseen, done


def _append(box: ImapMailbox, raw: bytes) -> None:
    with _client(box) as client:
        client.append(box.folder, raw)


def _answer(sent: EmailMessage, *, message_id: str, text: str) -> bytes:
    """What dave's mail client writes when he answers our email."""
    answer = EmailMessage()
    answer["From"] = "Dave Doe <dave@acme.test>"
    answer["To"] = str(sent["Reply-To"])
    answer["Subject"] = f"Re: {sent['Subject']}"
    answer["Message-ID"] = message_id
    answer["In-Reply-To"] = str(sent["Message-ID"])
    answer["References"] = f"{sent['References']} {sent['Message-ID']}"
    text_part = sent.get_body(("plain",))
    assert text_part is not None
    quoted = "\n".join(f"> {line}" for line in text_part.get_content().splitlines())
    answer.set_content(f"{text}\n\nOn Tuesday, Heedful Support wrote:\n{quoted}\n")
    return answer.as_bytes()


@pytest.mark.django_db(transaction=True)
def test_it_polls_replies_over_smtp_and_threads_the_answer_back(
    mailbox: ImapMailbox, sink: Sink, alice: User, client: Client
) -> None:
    _append(mailbox, build_email(message_id="<dv1@acme.test>"))
    assert _folder_state(mailbox) == (1, 1, 0)

    assert dict(poll_once(mailbox)) == {"created": 1}
    ticket = Ticket.objects.get()
    assert (ticket.subject, ticket.requester.email) == ("Printer on fire", "dave@acme.test")
    assert _folder_state(mailbox) == (0, 0, 1)  # committed, then moved

    response = login(client, alice).post(
        f"/tickets/{ticket.ref}/reply/", {"body": "A technician is on the way."}
    )
    assert response.status_code == 302
    assert sink.received == []  # the web request only queued it
    run_worker_once()
    row = OutboundEmail.objects.get()
    assert (row.state, row.attempts) == (OutboundState.SENT, 1)
    assert len(sink.received) == 1
    mail_from, rcpt_tos, _ = sink.received[0]
    assert (mail_from, rcpt_tos) == ("support@heedful.test", ["dave@acme.test"])
    sent = sink.messages()[0]
    assert sent["Subject"] == f"Re: Printer on fire [{ticket.ref}]"
    assert sent["In-Reply-To"] == "<dv1@acme.test>"

    _append(mailbox, _answer(sent, message_id="<dv2@acme.test>", text="Thanks, it is out."))
    assert dict(poll_once(mailbox)) == {"threaded": 1}
    assert Ticket.objects.get() == ticket
    bodies = list(Message.objects.filter(ticket=ticket).order_by("id").values_list("body_text"))
    assert bodies == [
        ("The printer in room 4 is on fire.",),
        ("A technician is on the way.",),
        ("Thanks, it is out.",),  # the quoted email is folded away
    ]
    assert _folder_state(mailbox) == (0, 0, 2)


class Killed(BaseException):
    """Stands for SIGKILL: not an Exception, so nothing in the pipeline catches it."""


@pytest.mark.django_db(transaction=True)
def test_it_loses_and_doubles_nothing_when_the_poller_is_killed_before_the_commit(
    mailbox: ImapMailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(3):
        _append(mailbox, build_email(message_id=f"<kill{n}@acme.test>", subject=f"Case {n}"))
    finish = mail_actions._finish
    seen_at_commit: list[tuple[int, int, int]] = []

    def killed_inside_the_second(*args: Any, **kwargs: Any) -> None:
        finish(*args, **kwargs)
        seen_at_commit.append(_folder_state(mailbox))
        if len(seen_at_commit) == 2:
            raise Killed  # the process dies inside the transaction, before its commit

    monkeypatch.setattr(mail_actions, "_finish", killed_inside_the_second)
    with pytest.raises(Killed):
        poll_once(mailbox)
    # While being written, nothing was flagged or moved in Dovecot.
    assert seen_at_commit == [(3, 3, 0), (3, 3, 0)]
    # The first message committed; the second's raw bytes did (stored first), its ticket
    # was rolled back; the third was fetched and never touched.
    assert Ticket.objects.count() == 1
    states = dict(MailMessage.objects.values_list("message_id", "state"))
    assert states == {"kill0@acme.test": State.PROCESSED, "kill1@acme.test": State.RECEIVED}
    assert _folder_state(mailbox) == (3, 3, 0)  # all still there, unseen

    monkeypatch.setattr(mail_actions, "_finish", finish)
    assert dict(poll_once(mailbox)) == {"duplicate": 1, "created": 2}
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == [
        "Case 0",
        "Case 1",
        "Case 2",
    ]
    assert (MailMessage.objects.count(), Message.objects.count()) == (3, 3)
    assert set(MailMessage.objects.values_list("state", flat=True)) == {State.PROCESSED}
    assert _folder_state(mailbox) == (0, 0, 3)
    assert dict(poll_once(mailbox)) == {}
