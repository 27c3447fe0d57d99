"""Reading headers of untrusted mail without ever raising."""

from __future__ import annotations

import re
from email.header import decode_header, make_header
from email.message import Message

CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_ID_RE = re.compile(r"<([^<>\s]+)>")


def header_text(msg: Message, name: str) -> str:
    """The decoded value of a header (the first one), "" when absent or unreadable."""
    try:
        value = msg.get(name)
        if value is None:
            return ""
        text = CONTROL_RE.sub(" ", str(value)).strip()
        if "\ufffd" not in text:
            return text
    except Exception:
        pass
    for key, raw in msg.raw_items():
        if key.lower() == name.lower():
            return decode_words(_undo_surrogates(str(raw)))
    return ""


def _undo_surrogates(raw: str) -> str:
    """Unencoded 8-bit header bytes (forbidden, yet common): UTF-8, else Windows-1252."""
    try:
        data = raw.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return raw
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def all_header_text(msg: Message, name: str) -> list[str]:
    try:
        return [str(v) for v in msg.get_all(name, [])]
    except Exception:
        return [decode_words(str(v)) for k, v in msg.raw_items() if k.lower() == name.lower()]


def decode_words(raw: str) -> str:
    try:
        text = str(make_header(decode_header(raw)))
    except Exception:
        text = raw
    return CONTROL_RE.sub(" ", text).strip()


def message_ids(value: str) -> list[str]:
    """``"<a@x> junk <b@y>"`` -> ["a@x", "b@y"]; a bare id without brackets counts too."""
    found = _ID_RE.findall(value)
    if not found and "@" in value and len(value.split()) == 1:
        found = [value.strip()]
    return list(dict.fromkeys(found))
