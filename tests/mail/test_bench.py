"""heedful mail bench: the corpus replayed under new Message-IDs, threaded alike."""

from __future__ import annotations

import argparse
import base64
import json
import resource
from pathlib import Path

import pytest

from heedful.mail import pipeline
from heedful.mail.bench import rewrite_ids, run_bench
from heedful.mail.cli import cmd_bench
from heedful.mail.importer import import_paths
from heedful.mail.models import MailFollower, MailMessage
from heedful.mail.parsing import parse_email, thread_index_root
from heedful.tickets.models import Message, Ticket
from tests.mail.conftest import build_email

THREAD_INDEX = base64.b64encode(bytes(range(22)) + b"\x01\x02\x03\x04\x05").decode()


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    root = build_email(headers={"Cc": "Erin <erin@globex.test>"})
    (folder / "1-root.eml").write_bytes(root)
    (folder / "2-reply.eml").write_bytes(
        build_email(
            subject="Re: Printer on fire",
            body="And now the scanner.",
            message_id="<m2@acme.test>",
            headers={"In-Reply-To": "<m1@acme.test>", "References": "<m1@acme.test>"},
        )
    )
    (folder / "3-no-id.eml").write_bytes(
        build_email(sender="Erin <erin@globex.test>", subject="Hello", message_id="")
    )
    (folder / "4-same-as-root.eml").write_bytes(root)
    return folder


def test_it_replays_every_copy_as_its_own_conversations(small_corpus: Path, db: None) -> None:
    result = run_bench(small_corpus, 2)
    assert {k: result[k] for k in ("name", "n", "copies", "corpus_messages", "workers")} == {
        "name": "mail.ingest",
        "n": 8,
        "copies": 2,
        "corpus_messages": 4,
        "workers": 0,
    }
    assert (result["created"], result["threaded"], result["duplicate"]) == (4, 2, 2)
    assert result["backend"] in ("sqlite", "postgresql")
    assert result["messages_per_s"] > 0
    assert (MailMessage.objects.count(), Ticket.objects.count(), Message.objects.count()) == (
        6,
        4,
        6,
    )
    # Same people in every copy: one follower row per copy's root ticket, no new contacts.
    assert MailFollower.objects.filter(contact__email="erin@globex.test").count() == 2


def test_it_runs_again_into_the_same_database(small_corpus: Path, db: None) -> None:
    first, second = run_bench(small_corpus, 1), run_bench(small_corpus, 1)
    assert (first["created"], second["created"], second["duplicate"]) == (2, 2, 1)
    assert first["run"] != second["run"]
    assert Ticket.objects.count() == 4


def test_it_rewrites_only_the_conversation_ids() -> None:
    folded = b"References: <m0@acme.test>\n\t<m1@acme.test>\n"  # a continuation line
    raw = folded + build_email(
        message_id="<m2@acme.test>",
        headers={"In-Reply-To": "<m1@acme.test>", "Thread-Index": THREAD_INDEX},
    )
    parsed = parse_email(rewrite_ids(raw, "bench-x-1"))
    assert (parsed.message_id, parsed.in_reply_to, parsed.references) == (
        "bench-x-1.m2@acme.test",
        ["bench-x-1.m1@acme.test"],
        ["bench-x-1.m0@acme.test", "bench-x-1.m1@acme.test"],
    )
    assert (parsed.sender.email, parsed.subject) == ("dave@acme.test", "Printer on fire")
    again = parse_email(rewrite_ids(raw, "bench-x-1"))
    other = parse_email(rewrite_ids(raw, "bench-x-2"))
    original = thread_index_root(THREAD_INDEX)
    assert again.thread_index_root == parsed.thread_index_root
    assert len({original, parsed.thread_index_root, other.thread_index_root}) == 3


def test_it_parses_in_a_second_process_with_the_same_result(
    small_corpus: Path, db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "CHUNK", 2)  # more than one chunk: the process starts
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
    summary = import_paths([small_corpus], progress=None, workers=1)
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime > children_before
    assert dict(summary.counts) == {"created": 2, "threaded": 1, "duplicate": 1}
    reply = Message.objects.get(body_text="And now the scanner.")
    assert reply.ticket.subject == "Printer on fire"


def test_it_prints_one_json_line(
    small_corpus: Path, db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    args = argparse.Namespace(corpus=str(small_corpus), copies=3, workers=0)
    assert cmd_bench(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    assert (json.loads(lines[0])["name"], json.loads(lines[0])["n"]) == ("mail.ingest", 12)


def test_it_refuses_a_missing_corpus(
    tmp_path: Path, db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    args = argparse.Namespace(corpus=str(tmp_path / "nowhere"), copies=1, workers=0)
    assert cmd_bench(args) == 2
    assert capsys.readouterr().err == (
        f"heedful mail bench: no such file or folder: {tmp_path / 'nowhere'}\n"
    )
    assert MailMessage.objects.count() == 0


def test_it_runs_in_the_benchmark_suite_with_its_target(
    small_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db: None
) -> None:
    from heedful.bench import mail_bench
    from heedful.bench.generate import generate
    from heedful.bench.report import verdict
    from heedful.bench.suite import run_suite

    generate(50, seed=5, chunk=50, show_progress=False)
    monkeypatch.setattr(mail_bench, "corpus_path", lambda: small_corpus)
    out = tmp_path / "results.jsonl"

    assert run_suite(only=["mail.ingest"], skip=[], iterations=1, smoke=True, out=out) == 0

    (line,) = [json.loads(text) for text in out.read_text().splitlines()]
    assert {k: line[k] for k in ("name", "n", "messages", "workers", "copies")} == {
        "name": "mail.ingest",
        "n": 50,  # tickets in the data set when the suite started
        "messages": 4,
        "workers": 0,
        "copies": 1,
    }
    assert (line["created"], line["threaded"], line["duplicate"], line["failed"]) == (2, 1, 1, 0)
    assert line["target_messages_per_s"] == 200.0
    assert line["messages_per_s"] > 0 and line["cpu_ms_per_message"] > 0
    target, _ = verdict(line)
    assert target == "≥ 200 messages/s"
