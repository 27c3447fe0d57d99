"""Sentiment behind a small interface, so a better model can replace VADER.

A model turns texts into :class:`Sentiment` values: a compound score from -1 (most
negative) to 1 (most positive) and a three-way label. VADER's own thresholds decide the
label: compound >= 0.05 is positive, <= -0.05 negative, anything between neutral.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Protocol

# The three labels; heedful.feedback.models.SentimentLabel stores the same values. This
# module needs no Django, so the evaluation script runs without settings.
NEGATIVE, NEUTRAL, POSITIVE = "negative", "neutral", "positive"
POSITIVE_FROM = 0.05
NEGATIVE_UP_TO = -0.05


@dataclass(frozen=True)
class Sentiment:
    compound: float
    label: str


class SentimentModel(Protocol):
    name: str

    def score(self, texts: Sequence[str]) -> list[Sentiment]: ...


def label_for(compound: float) -> str:
    if compound >= POSITIVE_FROM:
        return POSITIVE
    if compound <= NEGATIVE_UP_TO:
        return NEGATIVE
    return NEUTRAL


class VaderModel:
    """VADER (Hutto & Gilbert, 2014): a lexicon and rules tuned for social media text."""

    name = "vader-3.3"

    def __init__(self) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self._analyzer = SentimentIntensityAnalyzer()

    def score(self, texts: Sequence[str]) -> list[Sentiment]:
        results = []
        for text in texts:
            compound = float(self._analyzer.polarity_scores(text)["compound"])
            results.append(Sentiment(compound, label_for(compound)))
        return results


@cache
def default_model() -> SentimentModel:
    """The model in use; loading VADER's lexicon takes a moment, so it is done once."""
    return VaderModel()
