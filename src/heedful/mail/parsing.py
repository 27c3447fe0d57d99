"""Raw RFC 5322 bytes -> a ParsedEmail, with the standard library only (no Django).

``parse_email`` never raises on bad input: every header and part is read defensively,
and whatever could not be read is recorded in ``ParsedEmail.warnings``. Unknown
charsets fall back to UTF-8 then Windows-1252 with replacement characters, so text is
always returned (the raw bytes are stored before parsing, so nothing is lost).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from heedful.mail.headers import CONTROL_RE, all_header_text, decode_words, header_text, message_ids
from heedful.mail.noise import Bounce, automated_reason, find_bounce

MAX_DEPTH = 12
_ADDR_SPEC_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


class ParseOnceHeaderRegistry(HeaderRegistry):
    """``policy.default``'s headers, each distinct value parsed once per message.

    The standard registry builds a new class and re-parses the header on every
    ``msg.get()`` (Content-Type is read ~8 times per message). Header objects are
    immutable, so the same one can be handed out again; ``forget()`` between messages
    keeps the cache small (and a replayed corpus from being parsed only once)."""

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type[BaseHeader]] = {}
        self._parsed: dict[tuple[str, str], BaseHeader] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        if key not in self._classes:
            self._classes[key] = super().__getitem__(name)
        return self._classes[key]

    def __call__(self, name: str, value: str) -> BaseHeader:
        key = (name, value)
        header = self._parsed.get(key)
        if header is None:
            header = self._parsed[key] = self[name](name, value)
        return header

    def forget(self) -> None:
        self._parsed = {}


_HEADERS = ParseOnceHeaderRegistry()
# policy.default in every respect but the header cache.
PARSE_POLICY = policy.default.clone(header_factory=_HEADERS)


@dataclass(frozen=True)
class Address:
    name: str
    email: str  # lower-cased; "" when the header held no usable address


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str
    content_type: str
    payload: bytes
    content_id: str = ""  # without angle brackets
    inline: bool = False


@dataclass
class ParsedEmail:
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    subject: str = ""
    sender: Address = field(default_factory=lambda: Address("", ""))
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    # Every address the message was delivered to (To, Cc, Delivered-To, X-Original-To...).
    recipients: list[str] = field(default_factory=list)
    # The SMTP envelope's recipients (ours, by definition), when delivered that way.
    envelope: list[str] = field(default_factory=list)
    date: datetime | None = None
    thread_index_root: str = ""
    text: str = ""
    html: str = ""
    attachments: list[ParsedAttachment] = field(default_factory=list)
    automated: str = ""  # why no auto-reply may ever be sent; "" for a person's mail
    bounce: Bounce | None = None
    warnings: list[str] = field(default_factory=list)


def parse_email(raw: bytes) -> ParsedEmail:
    parsed = ParsedEmail()
    _HEADERS.forget()
    try:
        msg = BytesParser(policy=PARSE_POLICY).parsebytes(raw)
    except Exception as exc:  # the parser itself is lenient; this is a last resort
        parsed.warnings.append(f"unreadable message: {exc!r}")
        return parsed
    assert isinstance(msg, EmailMessage)
    _read_headers(msg, parsed)
    _read_parts(msg, parsed)
    parsed.automated = automated_reason(msg, parsed.sender.email)
    parsed.bounce = find_bounce(msg, parsed.sender.email)
    if parsed.bounce is not None and not parsed.automated:
        parsed.automated = "bounce"
    return parsed


# -- headers --------------------------------------------------------------------


def _addresses(values: list[str]) -> list[Address]:
    out: list[Address] = []
    for name, email in getaddresses(values):
        email = email.strip().strip("<>").lower()
        if "@" not in email or len(email) > 254 or " " in email:
            spec = _ADDR_SPEC_RE.search(email)
            email = spec.group(0) if spec else ""
        if email or name:
            out.append(Address(name.strip()[:200], email))
    if not any(a.email for a in out):
        # "Big Bug bb@bug.com": no brackets, so the address parser finds nothing.
        flat = [v.replace('"@', "@").replace('"', " ") for v in values]
        found = [m.group(0).lower() for v in flat for m in _ADDR_SPEC_RE.finditer(v)]
        out = [Address("", email) for email in dict.fromkeys(found) if len(email) <= 254] or out
    return out


def _read_headers(msg: EmailMessage, parsed: ParsedEmail) -> None:
    ids = message_ids(header_text(msg, "Message-ID"))
    parsed.message_id = ids[0] if ids else ""
    parsed.in_reply_to = message_ids(header_text(msg, "In-Reply-To"))
    parsed.references = message_ids(" ".join(all_header_text(msg, "References")))
    parsed.subject = " ".join(header_text(msg, "Subject").split())
    senders = _addresses(all_header_text(msg, "From")) or _addresses(all_header_text(msg, "Sender"))
    if senders:
        parsed.sender = senders[0]
    else:
        parsed.warnings.append("no readable From address")
    parsed.to = _addresses(all_header_text(msg, "To"))
    parsed.cc = _addresses(all_header_text(msg, "Cc"))
    delivered = []
    for name in ("Delivered-To", "X-Original-To", "Envelope-To"):
        delivered += all_header_text(msg, name)
    parsed.recipients = list(
        dict.fromkeys(a.email for a in [*parsed.to, *parsed.cc, *_addresses(delivered)] if a.email)
    )
    parsed.date = _date(header_text(msg, "Date"), parsed)
    parsed.thread_index_root = thread_index_root(header_text(msg, "Thread-Index"))


def _date(value: str, parsed: ParsedEmail) -> datetime | None:
    if not value:
        return None
    try:
        date = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        parsed.warnings.append(f"unreadable Date header {value[:80]!r}")
        return None
    return date if date.tzinfo is not None else date.replace(tzinfo=UTC)


def thread_index_root(value: str) -> str:
    """Outlook's Thread-Index: the first 22 bytes name the conversation (MS-OXOMSG)."""
    try:
        decoded = base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        return ""
    return base64.b64encode(decoded[:22]).decode() if len(decoded) >= 22 else ""


# -- bodies and attachments -----------------------------------------------------


def decode_text(payload: bytes, charset: str | None) -> str:
    """Bytes in a declared charset -> text, whatever the charset really was."""
    name = (charset or "us-ascii").strip().strip('"').lower()
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        codec = ""
    if codec in ("ascii", "us-ascii"):
        codec = "utf-8"  # mislabelled 8-bit mail is most often UTF-8
    for attempt in (codec, "utf-8"):
        if attempt:
            try:
                return payload.decode(attempt)
            except (UnicodeDecodeError, LookupError):
                continue
    return payload.decode(codec or "cp1252", errors="replace")


def _leaf_bytes(part: Message, parsed: ParsedEmail) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception as exc:
        parsed.warnings.append(f"undecodable {part.get_content_type()} part: {exc!r}")
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def _leaf_text(part: Message, parsed: ParsedEmail) -> str:
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    return decode_text(_leaf_bytes(part, parsed), charset)


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    if not name:
        try:
            name = str(part.get_param("name", "", header="content-type") or "")
        except Exception:
            name = ""
    if not name:
        name = _raw_param_filename(part)
    if "=?" in name:
        name = decode_words(name)
    name = CONTROL_RE.sub("", name).replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:255]


_RAW_NAME_RE = re.compile(r"""(?:^|;)\s*(?:file)?name\s*=\s*"?([^";]+)"?""", re.IGNORECASE)


def _raw_param_filename(part: Message) -> str:
    """Names the header parser gave up on, e.g. an unquoted ``filename==?utf-8?B?...?=``."""
    for key, raw in part.raw_items():
        if key.lower() in ("content-disposition", "content-type"):
            found = _RAW_NAME_RE.search(str(raw))
            if found:
                return found.group(1).strip()
    return ""


def _disposition(part: Message) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:
        return ""


def _read_parts(msg: EmailMessage, parsed: ParsedEmail) -> None:
    texts: list[str] = []
    htmls: list[str] = []
    _collect(msg, parsed, texts, htmls, depth=0)
    texts = [t.replace("\r\n", "\n").replace("\r", "\n") for t in texts]
    parsed.text = "\n\n".join(t.strip("\n") for t in texts if t.strip())
    parsed.html = "\n".join(htmls)


def _collect(
    part: Message, parsed: ParsedEmail, texts: list[str], htmls: list[str], *, depth: int
) -> None:
    if depth > MAX_DEPTH:
        parsed.warnings.append("MIME structure nested too deeply; inner parts kept in the raw")
        return
    ctype = part.get_content_type()
    if ctype == "message/rfc822":
        _collect_forwarded(part, parsed, texts, depth=depth)
        return
    if part.is_multipart():
        children = [p for p in part.get_payload() if isinstance(p, Message)]
        if ctype == "multipart/alternative" and children:
            _collect_alternative(children, parsed, texts, htmls, depth=depth)
            return
        for child in children:
            _collect(child, parsed, texts, htmls, depth=depth + 1)
        return
    if ctype.startswith("multipart/"):
        # The boundary could not be found: keep the text we have, the raw keeps the rest.
        parsed.warnings.append(f"broken {ctype} structure (boundary not found)")
        texts.append(_leaf_text(part, parsed))
        return
    filename = _filename(part)
    disposition = _disposition(part)
    is_body = ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename
    if is_body:
        (texts if ctype == "text/plain" else htmls).append(_leaf_text(part, parsed))
        return
    _add_attachment(part, parsed, filename, ctype, disposition)


def _collect_alternative(
    children: list[Message],
    parsed: ParsedEmail,
    texts: list[str],
    htmls: list[str],
    *,
    depth: int,
) -> None:
    """Keep the plain and the HTML version of one body (not both as two bodies)."""
    alt_texts: list[str] = []
    alt_htmls: list[str] = []
    for child in children:
        _collect(child, parsed, alt_texts, alt_htmls, depth=depth + 1)
    if alt_texts:
        texts.append(alt_texts[0])
    if alt_htmls:
        htmls.append(alt_htmls[-1])
    if not alt_texts and alt_htmls:
        texts.append(html_to_text(alt_htmls[-1]))


def _collect_forwarded(part: Message, parsed: ParsedEmail, texts: list[str], *, depth: int) -> None:
    inner = part.get_payload(0) if part.is_multipart() else None
    if not isinstance(inner, Message):
        _add_attachment(part, parsed, _filename(part), "message/rfc822", "attachment")
        return
    inner_texts: list[str] = []
    inner_htmls: list[str] = []
    _collect(inner, parsed, inner_texts, inner_htmls, depth=depth + 1)
    subject = header_text(inner, "Subject")
    summary = [
        "---------- Forwarded message ----------",
        f"From: {header_text(inner, 'From')}",
        f"Date: {header_text(inner, 'Date')}",
        f"Subject: {subject}",
        "",
        "\n\n".join(inner_texts) or html_to_text("\n".join(inner_htmls)),
    ]
    texts.append("\n".join(summary))
    try:
        payload = inner.as_bytes(policy=policy.compat32)
    except Exception:
        payload = str(inner).encode("utf-8", "replace")
    name = _filename(part) or f"{_safe_stem(subject) or 'forwarded-message'}.eml"
    parsed.attachments.append(ParsedAttachment(name, "message/rfc822", payload))


def _safe_stem(text: str) -> str:
    return re.sub(r"[^\w\- ]+", "", text).strip()[:80]


def _add_attachment(
    part: Message, parsed: ParsedEmail, filename: str, ctype: str, disposition: str
) -> None:
    content_id = "".join(message_ids(header_text(part, "Content-ID"))[:1]) or header_text(
        part, "Content-ID"
    ).strip("<> ")
    if not filename:
        subtype = ctype.split("/", 1)[-1]
        filename = f"{'inline' if content_id else 'attachment'}-{len(parsed.attachments) + 1}"
        filename += f".{re.sub(r'[^a-z0-9]', '', subtype)[:10] or 'bin'}"
    payload = _leaf_bytes(part, parsed)
    inline = bool(content_id) and disposition != "attachment"
    parsed.attachments.append(ParsedAttachment(filename, ctype, payload, content_id, inline))


_TAG_RE = re.compile(r"<[^>]*>")
_BLOCK_RE = re.compile(r"<\s*(br|/p|/div|/tr|/li|/h\d)\b[^>]*>", re.IGNORECASE)
_SCRIPT_RE = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def html_to_text(html: str) -> str:
    """A plain-text rendering of HTML good enough for search and previews."""
    import html as html_lib

    text = _SCRIPT_RE.sub("", html)
    text = _BLOCK_RE.sub("\n", text)
    text = html_lib.unescape(_TAG_RE.sub("", text))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
