"""VADER against 330 real customer tweets labelled by hand (tests/data/): the figures
reported in docs/feedback.md, exactly."""

from __future__ import annotations

import csv

import pytest

from heedful.feedback.sentiment import VaderModel
from heedful.feedback.sentiment_eval import (
    DEFAULT_LABELS,
    DEFAULT_TWEETS,
    agreement,
    load_labelled,
)

needs_twcs = pytest.mark.skipif(
    not DEFAULT_TWEETS.exists(), reason=f"the twcs sample is not at {DEFAULT_TWEETS}"
)


def test_it_computes_accuracy_and_macro_f1_by_hand() -> None:
    gold = ["negative", "negative", "neutral", "positive"]
    predicted = ["negative", "neutral", "neutral", "negative"]
    result = agreement(gold, predicted)
    assert (result.n, result.correct, result.accuracy) == (4, 2, 0.5)
    # F1: negative 2·1/(2+2) = 0.5, neutral 2·1/(2+1) = 2/3, positive 0.
    assert result.f1 == {"negative": 0.5, "neutral": pytest.approx(2 / 3), "positive": 0.0}
    assert result.macro_f1 == pytest.approx((0.5 + 2 / 3) / 3)
    assert result.confusion["positive"] == {"negative": 1, "neutral": 0, "positive": 0}


@needs_twcs
def test_it_labels_the_first_330_customer_tweets_in_file_order() -> None:
    with DEFAULT_TWEETS.open(encoding="utf-8", newline="") as f:
        inbound = [row["tweet_id"] for row in csv.DictReader(f) if row["inbound"] == "True"]
    with DEFAULT_LABELS.open(encoding="utf-8", newline="") as f:
        labels = list(csv.DictReader(f))
    assert [row["tweet_id"] for row in labels] == inbound[:330]
    counts = {
        name: sum(row["label"] == name for row in labels)
        for name in ("negative", "neutral", "positive")
    }
    assert counts == {"negative": 188, "neutral": 99, "positive": 43}


@needs_twcs
def test_it_reports_vaders_agreement_with_the_labels() -> None:
    texts, gold = load_labelled(DEFAULT_LABELS, DEFAULT_TWEETS)
    predicted = [s.label for s in VaderModel().score(texts)]
    result = agreement(gold, predicted)
    assert (result.n, result.correct) == (330, 171)
    assert result.accuracy == 171 / 330
    assert result.confusion == {
        "negative": {"negative": 83, "neutral": 58, "positive": 47},
        "neutral": {"negative": 12, "neutral": 54, "positive": 33},
        "positive": {"negative": 2, "neutral": 7, "positive": 34},
    }
    f1 = {
        "negative": 2 * 83 / (97 + 188),
        "neutral": 2 * 54 / (119 + 99),
        "positive": 2 * 34 / (114 + 43),
    }
    assert result.f1 == pytest.approx(f1, abs=1e-15)
    assert result.macro_f1 == pytest.approx(0.5036633344986182, abs=1e-12)
