"""How well the unsupervised topics match people's labels: the adjusted Rand index (ARI)
and normalized mutual information (NMI) of heedful.lib.topics against the 77 intents of
banking77 (10,003 real customer queries to a bank), with two simple baselines and the
time taken.

    python -m heedful.feedback.topics_eval [train.csv]

prints the figures as JSON. The data is read from ../shared/data/banking77.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from heedful.lib.topics import STOP_WORDS, find_topics

ROOT = Path(__file__).resolve().parents[3]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "banking77" / "train.csv"
INTENTS = 77
DEFAULT_MAX_TOPICS = 50  # HEEDFUL_TOPICS_MAX's default


def load(path: Path) -> tuple[list[str], list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [row["text"] for row in rows], [row["category"] for row in rows]


def scores(gold: Sequence[str], labels: Sequence[int]) -> dict[str, float]:
    return {
        "ari": round(float(adjusted_rand_score(gold, labels)), 4),
        "nmi": round(float(normalized_mutual_info_score(gold, labels)), 4),
    }


def keyword_baseline(texts: Sequence[str], k: int) -> list[int]:
    """Each text goes to the most common of the k - 1 most common words it contains (in
    the most texts, stop words left out), or to one "other" group."""
    vectorizer = CountVectorizer(stop_words=sorted(STOP_WORDS), binary=True)
    counts = vectorizer.fit_transform(texts).tocsc()
    frequency = np.asarray(counts.sum(axis=0)).ravel()
    common = np.argsort(-frequency, kind="stable")[: k - 1]
    present = counts[:, common].toarray()  # texts x common words, most common first
    first = present.argmax(axis=1)
    return [int(f) if present[i, f] else k - 1 for i, f in enumerate(first)]


def random_baseline(n: int, k: int, seed: int = 0) -> list[int]:
    return [int(x) for x in np.random.default_rng(seed).integers(0, k, size=n)]


def run_topics(
    texts: Sequence[str],
    gold: Sequence[str],
    *,
    max_topics: int = DEFAULT_MAX_TOPICS,
    k: int | None = None,
) -> dict[str, object]:
    start, cpu = time.perf_counter(), time.process_time()
    model = find_topics(texts, max_topics=max_topics, k=k)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    return {
        "k": model.k,
        **scores(gold, model.labels),
        "silhouette": None if model.silhouette is None else round(model.silhouette, 4),
        "candidates": {k: round(v, 4) for k, v in model.candidates.items()},
        "without_topic": model.labels.count(-1),
        # Wall-clock and CPU time (all threads): on a busy machine the first can be
        # several times the second.
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
    }


def evaluate(path: Path) -> dict[str, object]:
    texts, gold = load(path)
    chosen = run_topics(texts, gold, max_topics=DEFAULT_MAX_TOPICS)
    k = int(str(chosen["k"]))
    return {
        "texts": len(texts),
        "intents": len(set(gold)),
        "topics_k_chosen": chosen,
        "topics_k_77": run_topics(texts, gold, k=INTENTS),
        "baseline_top_keyword_k_chosen": scores(gold, keyword_baseline(texts, k)),
        "baseline_top_keyword_k_77": scores(gold, keyword_baseline(texts, INTENTS)),
        "baseline_random_k_77": scores(gold, random_baseline(len(texts), INTENTS)),
    }


def main(argv: Sequence[str]) -> int:
    path = Path(argv[0]) if argv else DEFAULT_DATA
    print(json.dumps(evaluate(path), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
