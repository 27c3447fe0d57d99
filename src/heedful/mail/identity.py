"""What a stored message is known by: its key (a hash of its Message-ID, or of its raw
bytes when it has none). Needs no Django, so a batch import's parsing process computes
it too (``heedful.mail.prepare``)."""

from __future__ import annotations

import hashlib
from email.parser import BytesHeaderParser
from email.policy import compat32

from heedful.mail.headers import message_ids


def message_key(message_id: str) -> str:
    return hashlib.sha256(message_id.encode("utf-8", "surrogatepass")).hexdigest()


def thread_index_key(root: str) -> str:
    """The key of an Outlook conversation (``parsing.thread_index_root``)."""
    return message_key(f"thread-index:{root}")


def raw_key(raw: bytes) -> str:
    return hashlib.sha256(b"raw:" + raw).hexdigest()


def identify(raw: bytes) -> tuple[str, str]:
    """(key, Message-ID) from the headers alone, before any real parsing."""
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
        ids = message_ids(str(headers.get("Message-ID", "") or ""))
    except Exception:
        ids = []
    if ids:
        return message_key(ids[0]), ids[0]
    return raw_key(raw), ""
