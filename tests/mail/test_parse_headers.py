"""Headers are parsed once per message, with exactly policy.default's results."""

from __future__ import annotations

from email import policy
from email.headerregistry import AddressHeader, ContentTypeHeader
from email.message import Message
from email.parser import BytesParser
from pathlib import Path

from heedful.mail.importer import iter_messages
from heedful.mail.parsing import PARSE_POLICY, ParseOnceHeaderRegistry, parse_email
from tests.mail.conftest import build_email

NAMES = ["From", "To", "Cc", "Subject", "Date", "Message-ID", "References", "Content-Type"]


def _read(msg: Message, name: str) -> list[str] | str:
    try:
        return [str(v) for v in msg.get_all(name, [])]
    except Exception as exc:  # policy.default raises on some broken headers
        return repr(exc)


def test_it_parses_a_repeated_header_once() -> None:
    registry = ParseOnceHeaderRegistry()
    first = registry("Content-Type", "text/plain; charset=utf-8")
    assert registry("Content-Type", "text/plain; charset=utf-8") is first
    assert registry("Content-Type", "text/html") is not first
    assert isinstance(first, ContentTypeHeader) and first.params["charset"] == "utf-8"


def test_it_forgets_between_messages() -> None:
    registry = ParseOnceHeaderRegistry()
    first = registry("Subject", "Printer on fire")
    registry.forget()
    again = registry("Subject", "Printer on fire")
    assert again is not first and again == first == "Printer on fire"


def test_it_gives_the_header_classes_of_policy_default() -> None:
    registry = ParseOnceHeaderRegistry()
    to = registry("To", "Dave <dave@acme.test>")
    assert isinstance(to, AddressHeader) and to.addresses[0].addr_spec == "dave@acme.test"
    assert registry("Subject", "=?utf-8?q?Caf=C3=A9?=") == "Café"


def test_it_reads_every_header_like_policy_default(corpus: Path) -> None:
    messages = [raw for _, raw in iter_messages([corpus])]
    assert len(messages) > 300
    for raw in messages:
        ours = BytesParser(policy=PARSE_POLICY).parsebytes(raw)
        theirs = BytesParser(policy=policy.default).parsebytes(raw)
        for name in NAMES:
            assert _read(ours, name) == _read(theirs, name)
        assert ours.get_content_type() == theirs.get_content_type()


def test_it_parses_a_message_with_the_cache() -> None:
    raw = build_email(sender="Dave Doe <Dave@Acme.test>", subject="=?utf-8?q?Caf=C3=A9?=")
    parsed = parse_email(raw)
    assert (parsed.sender.name, parsed.sender.email, parsed.subject) == (
        "Dave Doe",
        "dave@acme.test",
        "Café",
    )
