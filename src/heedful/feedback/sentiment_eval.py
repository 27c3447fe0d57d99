"""How well a sentiment model agrees with people: accuracy and macro-F1 over
negative/neutral/positive on hand-labelled real customer tweets, and throughput.

    python -m heedful.feedback.sentiment_eval [labels.csv] [twcs_sample.csv]

prints the figures as JSON. The labels (tweet id -> label) are tests/data/
twcs_sentiment_labels.csv; the texts are read from ../shared/data/twcs.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from heedful.feedback.sentiment import SentimentModel, VaderModel

LABELS = ("negative", "neutral", "positive")
ROOT = Path(__file__).resolve().parents[3]
DEFAULT_LABELS = ROOT / "tests" / "data" / "twcs_sentiment_labels.csv"
DEFAULT_TWEETS = ROOT.parent / "shared" / "data" / "twcs" / "twcs_sample.csv"


@dataclass(frozen=True)
class Agreement:
    n: int
    correct: int
    accuracy: float
    macro_f1: float
    f1: dict[str, float]
    confusion: dict[str, dict[str, int]]  # gold label -> predicted label -> count


def agreement(gold: Sequence[str], predicted: Sequence[str]) -> Agreement:
    if len(gold) != len(predicted) or not gold:
        raise ValueError("gold and predicted labels must be non-empty and of equal length")
    confusion = {g: dict.fromkeys(LABELS, 0) for g in LABELS}
    for g, p in zip(gold, predicted, strict=True):
        confusion[g][p] += 1
    f1 = {}
    for label in LABELS:
        tp = confusion[label][label]
        predicted_n = sum(confusion[g][label] for g in LABELS)
        gold_n = sum(confusion[label].values())
        f1[label] = 2 * tp / (predicted_n + gold_n) if predicted_n + gold_n else 0.0
    correct = sum(confusion[label][label] for label in LABELS)
    return Agreement(
        n=len(gold),
        correct=correct,
        accuracy=correct / len(gold),
        macro_f1=sum(f1.values()) / len(LABELS),
        f1=f1,
        confusion=confusion,
    )


def load_labelled(labels_csv: Path, tweets_csv: Path) -> tuple[list[str], list[str]]:
    """(texts, gold labels) in the order of the labels file."""
    with labels_csv.open(encoding="utf-8", newline="") as f:
        labels = [(row["tweet_id"], row["label"]) for row in csv.DictReader(f)]
    with tweets_csv.open(encoding="utf-8", newline="") as f:
        texts = {row["tweet_id"]: row["text"] for row in csv.DictReader(f)}
    return [texts[tweet_id] for tweet_id, _ in labels], [label for _, label in labels]


def throughput(model: SentimentModel, texts: Sequence[str], *, repeat: int = 5) -> float:
    """Messages per second, the best of ``repeat`` passes over the texts."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        model.score(texts)
        best = min(best, time.perf_counter() - start)
    return len(texts) / best


def evaluate(model: SentimentModel, labels_csv: Path, tweets_csv: Path) -> dict[str, object]:
    texts, gold = load_labelled(labels_csv, tweets_csv)
    predicted = [s.label for s in model.score(texts)]
    return {
        "model": model.name,
        **asdict(agreement(gold, predicted)),
        "messages_per_second": round(throughput(model, texts)),
    }


def main(argv: Sequence[str]) -> int:
    labels_csv = Path(argv[0]) if argv else DEFAULT_LABELS
    tweets_csv = Path(argv[1]) if len(argv) > 1 else DEFAULT_TWEETS
    print(json.dumps(evaluate(VaderModel(), labels_csv, tweets_csv), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
