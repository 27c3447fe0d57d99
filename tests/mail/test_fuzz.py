"""The parser never raises, whatever the bytes (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from heedful.mail.parsing import parse_email
from heedful.mail.quoting import fold_text
from tests.mail.conftest import CORPUS

_SAMPLES = [
    p.read_bytes()
    for p in sorted((CORPUS / "mail-fixtures").rglob("*.eml"))[:40]
    if CORPUS.is_dir()
] or [b"From: a@b.test\r\nSubject: x\r\n\r\nbody\r\n"]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4000))
def test_it_never_raises_on_random_bytes(raw: bytes) -> None:
    parsed = parse_email(raw)
    fold_text(parsed.text)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(_SAMPLES),
    st.lists(st.tuples(st.integers(0, 10**6), st.binary(min_size=0, max_size=8)), max_size=6),
)
def test_it_never_raises_on_mutated_real_messages(
    raw: bytes, edits: list[tuple[int, bytes]]
) -> None:
    data = bytearray(raw)
    for position, chunk in edits:
        at = position % (len(data) + 1)
        data[at : at + len(chunk)] = chunk
    parsed = parse_email(bytes(data))
    fold_text(parsed.text)
