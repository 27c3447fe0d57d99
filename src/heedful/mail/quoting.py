"""Fold quoted history and signatures away from what agents read first.

The folded part is never thrown away: it is kept beside the message (and the raw
source is stored whole), only the display starts with the new text. Splitting uses
mail-parser-reply's multi-language "On ... wrote:" / "From:" / signature patterns;
we only take the line where the first of those starts and cut the *original* text
there, so indentation (code, logs) in the visible part is left exactly as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mailparser_reply import EmailReplyParser
from mailparser_reply.parser import EmailMessage

LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "sv", "da", "pl", "cs", "ja", "ko", "zh"]
# The patterns are regular expressions over the whole text: bound the work per message.
MAX_SCAN_CHARS = 20_000
_PARSER = EmailReplyParser(languages=LANGUAGES)
_HTML_QUOTE_RE = re.compile(
    r"<div[^>]*\bclass=\"?[^\">]*\b(gmail_quote|yahoo_quoted|moz-cite-prefix)\b"
    r"|<blockquote[^>]*\btype=\"?cite"
    r"|<div[^>]*\bid=\"?(divRplyFwdMsg|appendonsend)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Folded:
    visible: str
    folded: str  # quoted history and signature, "" when there was none


def fold_text(text: str) -> Folded:
    lines = text.split("\n")
    cut = _cut_line(text[:MAX_SCAN_CHARS], lines)
    cut = min(cut, _trailing_quote_start(lines))
    visible = "\n".join(lines[:cut]).rstrip()
    if not visible.strip():
        return Folded(text, "")  # all of it is "quoted" (a forward): show it all
    return Folded(visible, "\n".join(lines[cut:]).strip("\n"))


class LineStartFinder:
    """``pattern.findall`` that tries the pattern only where a match can begin.

    The library's reply-header pattern is ~30 alternatives tried at every character
    (most of the time spent folding quotes). Each alternative starts at a line start
    (``^``) or at a newline (``(?:^|\\n|...)``), except Danish Outlook's optional
    ``-----Oprindelig meddelelse-----`` line: trying just those positions, in order and
    past the end of the previous match, finds exactly what ``findall`` finds
    (``tests/mail/test_quoting.py`` compares the two on every corpus message).
    """

    _STARTS = re.compile(r"\n|-----oprindelig meddelelse-----", re.IGNORECASE)

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern

    def findall(self, text: str) -> list[Any]:
        found: list[Any] = []
        end = 0
        for start in self._candidates(text):
            if start < end:
                continue
            match = self.pattern.match(text, start)
            if match is not None:
                found.append(_findall_item(match))
                end = max(match.end(), start + 1)
        return found

    def _candidates(self, text: str) -> list[int]:
        starts = {0}
        for found in self._STARTS.finditer(text):
            starts.add(found.start())
            if found.group() == "\n":
                starts.add(found.start() + 1)
        return sorted(starts)


def _findall_item(match: re.Match[str]) -> Any:
    """What ``findall`` reports for one match: the text, or its groups ("" if unmatched)."""
    groups = match.groups()
    if not groups:
        return match.group()
    values = tuple("" if group is None else group for group in groups)
    return values[0] if len(values) == 1 else values


def _compiled_patterns() -> dict[str, Any]:
    """The library builds and looks up its patterns for every message: build them once."""
    template = EmailMessage(text="", languages=list(_PARSER.languages))
    return {
        "_header_regex": LineStartFinder(template.HEADER_REGEX),
        "_disclaimers_regex": template.DISCLAIMERS_REGEX,
        "_signature_regex": template.SIGNATURE_REGEX,
    }


_PATTERNS = _compiled_patterns()


def read_replies(text: str) -> EmailMessage:
    """``_PARSER.read(text)``, faster (same result)."""
    return EmailMessage(text=text, languages=list(_PARSER.languages), **_PATTERNS).read()


def _cut_line(scanned: str, lines: list[str]) -> int:
    try:
        parsed = read_replies(scanned)
    except Exception:  # a third-party regex must never stop ingestion
        return len(lines)
    markers = []
    if len(parsed.replies) > 1 and parsed.replies[1].headers:
        markers.append(parsed.replies[1].headers)
    if parsed.replies and _is_signature(parsed.replies[0].signatures):
        markers.append(parsed.replies[0].signatures)
    cut = len(lines)
    for marker in markers:
        first = next((m.strip() for m in marker.split("\n") if m.strip()), "")
        cut = min(cut, _find_line(lines, first))
    return cut


def _is_signature(found: str) -> bool:
    """Dashes count only as the RFC 3676 "-- " line: "-1 is returned" or a diff's
    "-old line" is not a signature."""
    first = next((line.strip() for line in found.split("\n") if line.strip()), "")
    return bool(first) and (not first.startswith("-") or first == "--")


def _find_line(lines: list[str], wanted: str) -> int:
    """The first line (never the very first of the text) that starts the marker."""
    seen_text = False
    for index, line in enumerate(lines):
        stripped = line.strip()
        if seen_text and stripped and wanted.startswith(stripped[:60]):
            return index
        seen_text = seen_text or bool(stripped)
    return len(lines)


def _trailing_quote_start(lines: list[str]) -> int:
    """A block of ``>`` lines at the very end is quoted history even without a header."""
    index = len(lines)
    while index > 0 and (lines[index - 1].startswith(">") or not lines[index - 1].strip()):
        index -= 1
    has_quote = any(line.startswith(">") for line in lines[index:])
    return index if has_quote else len(lines)


def fold_html(html: str) -> Folded:
    """Cut HTML where a mail client's quote container starts (Gmail, Outlook, Apple...)."""
    found = _HTML_QUOTE_RE.search(html)
    if found is None or not html[: found.start()].strip():
        return Folded(html, "")
    return Folded(html[: found.start()], html[found.start() :])
