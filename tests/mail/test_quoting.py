"""Quote folding's fast path finds exactly what the library's own parser finds."""

from __future__ import annotations

import re
from pathlib import Path

from mailparser_reply.parser import EmailMessage

from heedful.mail.importer import iter_messages
from heedful.mail.parsing import parse_email
from heedful.mail.prepare import body_text
from heedful.mail.quoting import _PARSER, MAX_SCAN_CHARS, LineStartFinder, fold_text, read_replies

HEADER_PATTERN = EmailMessage(text="", languages=list(_PARSER.languages)).HEADER_REGEX

SAMPLES = [
    "Thanks!\n\nOn Tue, 4 Mar 2025 at 10:00, Support <s@x.test> wrote:\n> old text",
    "Danke\n\nAm 04.03.2025 um 10:00 schrieb Support <s@x.test>:\n> alt",
    "Hej\n\nInline -----Oprindelig meddelelse-----\nFra: A\nSendt: B\nTil: C\nEmne: D\n",
    "Reply\n-----Original Message-----\nFrom: a@x.test\nSent: Monday\nTo: b@y.test\n",
    "Top\n> From: a@x.test\n> To: b@y.test\n> Subject: hi\n",
    "",
    "\n\n\n",
    "no headers at all, just text\nover two lines",
]


def _corpus_bodies(corpus: Path) -> list[str]:
    return [
        body_text(parse_email(raw))[:MAX_SCAN_CHARS]
        for _, raw in iter_messages([corpus / "notmuch"])
    ]


def test_it_finds_what_findall_finds_in_samples() -> None:
    finder = LineStartFinder(HEADER_PATTERN)
    for text in SAMPLES:
        assert finder.findall(text) == HEADER_PATTERN.findall(text), text


def test_it_finds_a_match_that_starts_mid_line() -> None:
    """Danish Outlook's separator may start anywhere on a line."""
    finder = LineStartFinder(HEADER_PATTERN)
    text = SAMPLES[2]
    found = finder.findall(text)
    assert found == HEADER_PATTERN.findall(text)
    assert any("-----Oprindelig meddelelse-----" in part for item in found for part in item)


def test_it_reports_findall_items_for_every_group_count() -> None:
    for pattern in (r"^\w+", r"^(\w+) (\w+)?", r"^(\w)\w*"):
        compiled = re.compile(pattern, re.MULTILINE)
        text = "alpha beta\ngamma\n delta"
        assert LineStartFinder(compiled).findall(text) == compiled.findall(text)


def test_it_reads_replies_like_the_library_on_the_corpus(corpus: Path) -> None:
    finder = LineStartFinder(HEADER_PATTERN)
    bodies = _corpus_bodies(corpus)
    assert len(bodies) > 300
    for text in bodies:
        assert finder.findall(text) == HEADER_PATTERN.findall(text)
        fast, slow = read_replies(text), _PARSER.read(text)
        assert [(r.headers, r.content, r.signatures) for r in fast.replies] == [
            (r.headers, r.content, r.signatures) for r in slow.replies
        ]


def test_it_folds_the_quoted_history_away() -> None:
    folded = fold_text(SAMPLES[0])
    assert folded.visible == "Thanks!"
    assert folded.folded == "On Tue, 4 Mar 2025 at 10:00, Support <s@x.test> wrote:\n> old text"
