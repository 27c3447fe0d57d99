"""The whole real corpus: nothing lost, conversations equal to the References graph."""

from __future__ import annotations

import re
from collections import Counter
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path

import pytest

from heedful.mail.importer import import_paths
from heedful.mail.models import MailMessage, State
from heedful.tickets.models import Ticket

_ID = re.compile(r"<([^<>\s]+)>")


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name != "README")


def expected_threads(files: list[Path]) -> dict[Path, str]:
    """Union-find over Message-ID, In-Reply-To, References and the Outlook Thread-Index
    conversation, computed from the headers here, independently of the code under test.
    A Message-ID seen again later is the same message (its first copy counts)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    own: dict[Path, str] = {}
    seen: set[str] = set()
    for path in files:
        headers = BytesHeaderParser(policy=compat32).parsebytes(path.read_bytes())
        ids = _ID.findall(str(headers.get("Message-ID", "")))
        node = ids[0] if ids else f"file:{path}"
        own[path] = node
        if node in seen:
            continue
        seen.add(node)
        links = _ID.findall(str(headers.get("In-Reply-To", "")))
        links += _ID.findall(" ".join(str(v) for v in headers.get_all("References", [])))
        thread_index = "".join(str(headers.get("Thread-Index", "")).split())
        if thread_index:
            links.append(f"thread-index:{thread_index[:30]}")
        find(node)
        for link in links:
            parent[find(link)] = find(node)
    return {path: find(node) for path, node in own.items()}


@pytest.mark.django_db
def test_it_imports_the_notmuch_corpus_into_exactly_its_threads(corpus: Path) -> None:
    files = _files(corpus / "notmuch")
    expected = expected_threads(files)
    summary = import_paths(files, progress=None)

    assert summary.total == len(files) == 320
    assert summary.counts["failed"] == 0
    distinct = len(set(expected_ids := [_key(p) for p in files]))
    assert summary.counts["duplicate"] == len(expected_ids) - distinct
    assert MailMessage.objects.count() == distinct
    assert not MailMessage.objects.exclude(state=State.PROCESSED).exists()

    assert len(set(expected.values())) == 70
    assert Ticket.objects.count() == 70
    # Each corpus on its own: the tickets of its messages are exactly its threads.
    for folder, threads in (("lkml", 7), ("default", 24)):
        in_folder = [p for p in files if p.relative_to(corpus / "notmuch").parts[0] == folder]
        assert len({expected[p] for p in in_folder}) == threads
        labels = [str(p) for p in in_folder]
        tickets = MailMessage.objects.filter(mailbox__in=labels).values("ticket").distinct()
        assert tickets.count() == threads

    again = import_paths(files, progress=None)
    assert again.counts == Counter({"duplicate": 320})
    assert (MailMessage.objects.count(), Ticket.objects.count()) == (distinct, 70)


def _key(path: Path) -> str:
    headers = BytesHeaderParser(policy=compat32).parsebytes(path.read_bytes())
    ids = _ID.findall(str(headers.get("Message-ID", "")))
    return ids[0] if ids else f"file:{path}"


@pytest.mark.django_db
def test_it_ingests_every_file_of_the_shared_email_folder(corpus: Path) -> None:
    files = sorted(p for p in corpus.rglob("*") if p.is_file())
    summary = import_paths(files, progress=None)
    assert summary.total == len(files) == 425
    # Every file is a stored message (or a copy of one), each processed into a ticket.
    assert summary.counts["created"] + summary.counts["threaded"] == MailMessage.objects.count()
    assert summary.counts["failed"] == 0
    assert not MailMessage.objects.filter(ticket__isnull=True).exists()
    assert not MailMessage.objects.exclude(state=State.PROCESSED).exists()
