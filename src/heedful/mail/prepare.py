"""The CPU-heavy, database-free half of ingesting a message: parse it and fold its
quoted history away. Needs no Django, so a batch import can run it in a second process
while the first one threads and stores (``heedful.mail.pipeline``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from heedful.mail.identity import identify
from heedful.mail.parsing import ParsedEmail, html_to_text, parse_email
from heedful.mail.quoting import Folded, fold_text


@dataclass
class Prepared:
    parsed: ParsedEmail
    folded: Folded  # of ``body_text(parsed)``
    identity: tuple[str, str]  # ``identify(raw)``: here, it is CPU the storing process saves


def clean(text: str) -> str:
    # PostgreSQL text cannot hold NUL; mail from broken clients sometimes does.
    return text.replace("\x00", "")


def body_text(parsed: ParsedEmail) -> str:
    """The text an agent reads: the plain part, else the HTML part as text."""
    text = clean(parsed.text)
    html = clean(parsed.html)
    if not text and html:
        text = html_to_text(html)
    return text


def prepare(raw: bytes) -> Prepared:
    parsed = parse_email(raw)
    return Prepared(parsed, fold_text(body_text(parsed)), identify(raw))


def prepare_chunk(raws: Sequence[bytes]) -> list[Prepared]:
    return [prepare(raw) for raw in raws]
