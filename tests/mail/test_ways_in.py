"""The ways in: `heedful mail import`, the SMTP/LMTP listener, IMAP polling — each
against the real thing (files, a real smtplib client, a real IMAP server)."""

from __future__ import annotations

import mailbox
import smtplib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from imapclient import IMAPClient

from heedful.cli import main
from heedful.mail.actions import IngestResult, ingest_raw
from heedful.mail.imap import ImapMailbox, parse_imap_url, poll_once
from heedful.mail.models import MailMessage, Source
from heedful.mail.smtp import IngestController
from heedful.tickets.models import Message, Ticket
from tests.mail.conftest import build_email


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.django_db
def test_it_imports_eml_mbox_and_maildir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "one.eml").write_bytes(build_email(message_id="<one@acme.test>"))
    box = mailbox.mbox(tmp_path / "archive.mbox")
    box.add(build_email(message_id="<two@acme.test>", headers={"In-Reply-To": "<one@acme.test>"}))
    box.add(build_email(message_id="<three@acme.test>", subject="Something else"))
    box.close()
    maildir = mailbox.Maildir(tmp_path / "Maildir")
    maildir.add(build_email(message_id="<one@acme.test>"))  # a copy: a duplicate
    maildir.close()
    assert main(["mail", "import", str(tmp_path)]) == 0
    out = capsys.readouterr()
    assert out.out.startswith("4 messages: 2 created, 1 threaded, 1 duplicate, 0 failed (")
    assert Ticket.objects.count() == 2
    assert set(Ticket.objects.values_list("message_count", flat=True)) == {1, 2}


@pytest.mark.django_db
def test_it_refuses_to_import_a_missing_path(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mail", "import", "/nonexistent/mail"]) == 2
    assert "no such file or folder: /nonexistent/mail" in capsys.readouterr().err
    assert not MailMessage.objects.exists()


@pytest.fixture
def listener(transactional_db: None) -> Iterator[int]:
    port = _free_port()
    controller = IngestController(host="127.0.0.1", port=port)
    controller.start()
    yield port
    controller.stop()


def test_it_receives_mail_over_smtp(listener: int) -> None:
    raw = build_email(message_id="<smtp1@acme.test>").replace(b"\n", b"\r\n")
    with smtplib.SMTP("127.0.0.1", listener, timeout=10) as client:
        refused = client.sendmail("dave@acme.test", ["support+x@heedful.test"], raw)
    assert refused == {}
    mail = MailMessage.objects.get()
    # The listener stores exactly what came over the wire.
    assert (mail.source, mail.mailbox, mail.raw_bytes) == (
        Source.SMTP,
        "support+x@heedful.test",
        raw,
    )
    assert Message.objects.get().body_text == "The printer in room 4 is on fire."
    # The MTA retries: the second delivery is accepted and stored nowhere new.
    with smtplib.SMTP("127.0.0.1", listener, timeout=10) as client:
        assert client.sendmail("dave@acme.test", ["support@heedful.test"], raw) == {}
    assert (MailMessage.objects.count(), Ticket.objects.count()) == (1, 1)


def test_it_receives_mail_over_lmtp_with_one_reply_per_recipient(transactional_db: None) -> None:
    port = _free_port()
    controller = IngestController(host="127.0.0.1", port=port, lmtp=True)
    controller.start()
    try:
        client = smtplib.LMTP("127.0.0.1", port)
        refused = client.sendmail(
            "dave@acme.test", ["support@heedful.test", "sales@heedful.test"], build_email()
        )
        client.quit()
    finally:
        controller.stop()
    assert refused == {}
    assert (MailMessage.objects.count(), Ticket.objects.count()) == (1, 1)


# -- IMAP, against pymap: a real IMAP server (in-memory backend) in a subprocess --------


@pytest.fixture
def imap_server() -> Iterator[ImapMailbox]:
    port = _free_port()
    pymap = Path(sys.executable).with_name("pymap")
    process = subprocess.Popen(
        [str(pymap), "--host", "127.0.0.1", "--port", str(port), "--no-tls",
         "dict", "--demo-user", "support", "--demo-password", "secret"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("the pymap IMAP server did not start")
                time.sleep(0.1)
        yield parse_imap_url(f"imap://support:secret@127.0.0.1:{port}/INBOX")
    finally:
        process.terminate()
        process.wait(timeout=10)


def _client(mailbox: ImapMailbox) -> IMAPClient:
    client = IMAPClient(mailbox.host, port=mailbox.port, ssl=False)
    client.login(mailbox.username, mailbox.password)
    return client


def test_it_parses_an_imap_url() -> None:
    mailbox = parse_imap_url("imaps://help%40acme.test:p%40ss@mail.acme.test/Support?move_to=Done")
    assert mailbox == ImapMailbox(
        host="mail.acme.test", port=993, ssl=True, username="help@acme.test",
        password="p@ss", folder="Support", move_to="Done",
    )  # fmt: skip


@pytest.mark.django_db
def test_it_polls_an_imap_mailbox_and_flags_only_after_commit(imap_server: ImapMailbox) -> None:
    client = _client(imap_server)
    client.append("INBOX", build_email(message_id="<i1@acme.test>"))
    client.append(
        "INBOX", build_email(message_id="<i2@acme.test>", headers={"In-Reply-To": "<i1@acme.test>"})
    )
    assert dict(poll_once(imap_server)) == {"created": 1, "threaded": 1}
    client.select_folder("INBOX")
    assert client.search(["UNSEEN"]) == []
    assert dict(poll_once(imap_server)) == {}
    assert (Ticket.objects.count(), Message.objects.count()) == (1, 2)
    client.logout()


@pytest.mark.django_db
def test_it_loses_and_doubles_nothing_when_the_poller_dies_between_fetch_and_commit(
    imap_server: ImapMailbox,
) -> None:
    client = _client(imap_server)
    for n in range(3):
        client.append("INBOX", build_email(message_id=f"<k{n}@acme.test>", subject=f"Case {n}"))
    calls = 0

    def dies_on_the_second(raw: bytes, name: str) -> IngestResult:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt  # the process is killed before this one commits
        return ingest_raw(raw, source=Source.IMAP, mailbox=name)

    with pytest.raises(KeyboardInterrupt):
        poll_once(imap_server, ingest=dies_on_the_second)
    assert Ticket.objects.count() == 1
    client.select_folder("INBOX")
    assert len(client.search(["UNSEEN"])) == 3  # nothing was flagged before its commit
    assert dict(poll_once(imap_server)) == {"duplicate": 1, "created": 2}
    assert (MailMessage.objects.count(), Ticket.objects.count()) == (3, 3)
    assert client.search(["UNSEEN"]) == []
    client.logout()


@pytest.mark.django_db
def test_it_moves_processed_mail_when_configured(imap_server: ImapMailbox) -> None:
    mailbox = parse_imap_url(
        f"imap://support:secret@127.0.0.1:{imap_server.port}/INBOX?move_to=Processed"
    )
    client = _client(mailbox)
    client.append("INBOX", build_email(message_id="<mv@acme.test>"))
    assert dict(poll_once(mailbox)) == {"created": 1}
    assert client.select_folder("INBOX")[b"EXISTS"] == 0
    assert client.select_folder("Processed")[b"EXISTS"] == 1
    client.logout()
