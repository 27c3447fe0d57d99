"""IMAP polling (imapclient): every configured mailbox in its own thread, so one slow or
broken mailbox never delays the others.

A message is marked \\Seen (and moved, if configured) only after ingest_raw committed it.
A crash between fetch and commit leaves it unseen: the next poll fetches it again, and
the Message-ID key makes that second delivery a no-op if the first one did commit.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlparse

from django.db import connections
from imapclient import IMAPClient

from heedful.lib.env import ConfigError
from heedful.mail.actions import IngestResult, Outcome, ingest_raw
from heedful.mail.models import Source

logger = logging.getLogger(__name__)
FETCH_BATCH = 20


@dataclass(frozen=True)
class ImapMailbox:
    host: str
    port: int
    ssl: bool
    username: str
    password: str
    folder: str = "INBOX"
    move_to: str = ""  # move processed mail there; otherwise it is only marked \Seen

    @property
    def name(self) -> str:
        return f"{self.username}@{self.host}/{self.folder}"


def parse_imap_url(url: str) -> ImapMailbox:
    """``imaps://user:password@host:993/INBOX?move_to=Processed``"""
    parsed = urlparse(url)
    if parsed.scheme not in ("imap", "imaps") or not parsed.hostname or not parsed.username:
        raise ConfigError(
            "HEEDFUL_MAIL_IMAP: expected imap[s]://user:password@host[:port]/FOLDER, "
            f"got {parsed.scheme}://{parsed.hostname or ''}..."
        )
    ssl = parsed.scheme == "imaps"
    query = parse_qs(parsed.query)
    return ImapMailbox(
        host=parsed.hostname,
        port=parsed.port or (993 if ssl else 143),
        ssl=ssl,
        username=unquote(parsed.username),
        password=unquote(parsed.password or ""),
        folder=unquote(parsed.path.lstrip("/")) or "INBOX",
        move_to=query.get("move_to", [""])[0],
    )


Ingest = Callable[[bytes, str], IngestResult]


def _ingest(raw: bytes, mailbox: str) -> IngestResult:
    return ingest_raw(raw, source=Source.IMAP, mailbox=mailbox)


def poll_once(
    mailbox: ImapMailbox, *, ingest: Ingest = _ingest, timeout: float = 60
) -> Counter[str]:
    """Fetch every unseen message, ingest it, then flag it. Returns outcome counts."""
    counts: Counter[str] = Counter()
    with IMAPClient(mailbox.host, port=mailbox.port, ssl=mailbox.ssl, timeout=timeout) as client:
        client.login(mailbox.username, mailbox.password)
        client.select_folder(mailbox.folder)
        uids = client.search(["UNSEEN", "UNDELETED"])
        for start in range(0, len(uids), FETCH_BATCH):
            batch = uids[start : start + FETCH_BATCH]
            fetched = client.fetch(batch, ["BODY.PEEK[]"])
            done = []
            for uid in batch:
                raw = fetched.get(uid, {}).get(b"BODY[]")
                if raw is None:
                    continue
                result = ingest(raw, mailbox.name)
                counts[result.outcome.value] += 1
                if result.ticket is not None or result.outcome == Outcome.DUPLICATE:
                    done.append(uid)  # committed: now, and only now, mark it
            _mark_done(client, mailbox, done)
        client.logout()
    return counts


def _mark_done(client: IMAPClient, mailbox: ImapMailbox, uids: list[int]) -> None:
    if not uids:
        return
    client.add_flags(uids, [b"\\Seen"])
    if mailbox.move_to:
        if mailbox.move_to not in {name for _, _, name in client.list_folders()}:
            client.create_folder(mailbox.move_to)
        client.move(uids, mailbox.move_to)


def poll_forever(mailbox: ImapMailbox, *, interval: float, stop: threading.Event) -> None:
    """One mailbox's loop; errors back off up to 10 minutes and never stop the others."""
    delay = interval
    while not stop.is_set():
        try:
            counts = poll_once(mailbox)
            if counts:
                logger.info("mail: %s: %s", mailbox.name, dict(counts))
            delay = interval
        except Exception:
            logger.exception("mail: polling %s failed; retrying in %.0f s", mailbox.name, delay)
            delay = min(delay * 2, 600)
        finally:
            connections.close_all()
        stop.wait(delay)


def start_pollers(
    mailboxes: list[ImapMailbox], *, interval: float, stop: threading.Event
) -> list[threading.Thread]:
    threads = [
        threading.Thread(
            target=poll_forever,
            args=(mailbox,),
            kwargs={"interval": interval, "stop": stop},
            name=f"imap-{mailbox.name}",
            daemon=True,
        )
        for mailbox in mailboxes
    ]
    for thread in threads:
        thread.start()
    return threads


def wait_forever(stop: threading.Event) -> None:
    try:
        while not stop.is_set():
            time.sleep(1)
    except KeyboardInterrupt:
        stop.set()
