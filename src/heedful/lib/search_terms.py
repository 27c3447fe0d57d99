"""What a person typed into search, as the words and phrases full-text search looks for.

Both backends get their query from this one parser instead of the raw text, so no input
can be a syntax error in SQLite's FTS5 language or PostgreSQL's tsquery: only letters and
digits survive, and operators such as ``AND``, ``NEAR``, ``*`` or ``-`` are plain words or
separators. Text in double quotes is a phrase (its words next to each other, in order);
every other word must appear somewhere. An unclosed quote runs to the end.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Letters and digits of any script. "_" is a word character to Python but a separator to
# both tokenizers.
_WORD = re.compile(r"[^\W_]+")
# More terms only make a query slower; nobody types them.
MAX_PHRASES = 12


@dataclass(frozen=True)
class Phrase:
    """Text in quotes, or a run of text without spaces ("32.19", "e-mail"): ``words``
    next to each other, in order. ``text`` is what was typed, for PostgreSQL's parser,
    which splits numbers, addresses and hyphenated words as its index does."""

    text: str
    words: tuple[str, ...]


def search_phrases(text: str) -> list[Phrase]:
    """The phrases to look for, in the order typed, without repeats or ones with no word."""
    # NFC: a decomposed "é" (e + combining accent) is one letter, as the stored text is.
    parts = unicodedata.normalize("NFC", text.replace("\x00", "")).split('"')
    phrases: list[Phrase] = []
    for position, part in enumerate(parts):
        quoted = position % 2 == 1
        for chunk in [part] if quoted else part.split():
            phrase = Phrase(chunk.strip(), tuple(_WORD.findall(chunk)))
            if phrase.words and all(p.words != phrase.words for p in phrases):
                phrases.append(phrase)
    return phrases[:MAX_PHRASES]


def fts5_match(phrases: list[Phrase]) -> str:
    """An FTS5 MATCH expression: every phrase quoted, all of them required (implicit AND).
    The words hold no quote, so quoting cannot be escaped out of."""
    return " ".join('"' + " ".join(phrase.words) + '"' for phrase in phrases)
