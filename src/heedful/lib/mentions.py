"""Find @mentions of usernames in free text."""

from __future__ import annotations

import re

# "@bob" or "@carol.finance", but not the middle of an email address like "x@acme.com".
_MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9_.+-]*[A-Za-z0-9_])")


def find_mentions(text: str) -> list[str]:
    """Usernames mentioned in ``text``, in order of first appearance, without duplicates."""
    seen: dict[str, None] = {}
    for match in _MENTION.finditer(text):
        seen.setdefault(match.group(1).lower(), None)
    return list(seen)
