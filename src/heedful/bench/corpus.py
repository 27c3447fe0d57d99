"""Real sentences for generated tickets, read from ``../shared/data`` (twcs and banking77).

Customer text comes from banking77 queries and customers' tweets, agent text from the
brands' replies in twcs. Without the data folder a small built-in word list is used.
"""

from __future__ import annotations

import csv
import html
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

_HANDLE = re.compile(r"(^|\s)@\w+")
_FALLBACK_WORDS = (
    "invoice", "card", "payment", "refund", "account", "login", "password", "delivery",
    "order", "charge", "app", "error", "update", "cancel", "subscription", "transfer",
    "balance", "email", "shipping", "broken", "slow", "help", "please", "thanks", "today",
    "again", "still", "waiting", "missing", "wrong", "twice", "access", "locked", "reset",
)  # fmt: skip


@dataclass
class Corpus:
    customer: list[str] = field(default_factory=list)
    agent: list[str] = field(default_factory=list)
    # The banking77 intent of each customer sentence ("" for tweets), used as a tag.
    customer_topics: list[str] = field(default_factory=list)
    source: str = "built-in word list"


def default_data_dir() -> Path:
    return Path.cwd().parent / "shared" / "data"


def _clean(text: str) -> str:
    return " ".join(_HANDLE.sub(" ", html.unescape(text)).split())


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _add_twcs(corpus: Corpus, path: Path) -> None:
    for row in _read_csv(path):
        text = _clean(row.get("text") or "")
        if len(text) < 12:
            continue
        if row.get("inbound") == "True":
            corpus.customer.append(text)
            corpus.customer_topics.append("")
        else:
            corpus.agent.append(text)


def _add_banking77(corpus: Corpus, path: Path) -> None:
    for row in _read_csv(path):
        text = _clean(row.get("text") or "")
        if text:
            corpus.customer.append(text)
            corpus.customer_topics.append((row.get("category") or "").replace("_", "-"))


def _fallback() -> Corpus:
    import random

    rng = random.Random(7)
    corpus = Corpus()
    for _ in range(2000):
        words = rng.choices(_FALLBACK_WORDS, k=rng.randint(6, 18))
        corpus.customer.append(" ".join(words).capitalize() + ".")
        corpus.customer_topics.append("")
        corpus.agent.append("Sorry about that, " + " ".join(words[:8]) + ".")
    return corpus


def load_corpus(data_dir: Path | None = None) -> Corpus:
    """Sentences from the shared data folder, or the fallback (said so on stderr)."""
    folder = data_dir or default_data_dir()
    twcs = folder / "twcs" / "twcs_sample.csv"
    banking = folder / "banking77" / "train.csv"
    corpus = Corpus()
    if twcs.exists():
        _add_twcs(corpus, twcs)
    if banking.exists():
        _add_banking77(corpus, banking)
    if not corpus.customer or not corpus.agent:
        print(f"bench: no data in {folder}; using a built-in word list instead", file=sys.stderr)
        return _fallback()
    corpus.source = ", ".join(str(p) for p in (twcs, banking) if p.exists())
    return corpus
