"""Topic quality against people's labels: heedful.lib.topics on the 10,003 banking77
queries and their 77 intents, the figures reported in docs/feedback.md (floors a little
under the measured values, so a regression fails)."""

from __future__ import annotations

import pytest

from heedful.feedback.topics_eval import (
    DEFAULT_DATA,
    DEFAULT_MAX_TOPICS,
    INTENTS,
    keyword_baseline,
    load,
    run_topics,
    scores,
)

needs_banking77 = pytest.mark.skipif(
    not DEFAULT_DATA.exists(), reason=f"banking77 is not at {DEFAULT_DATA}"
)


def test_it_groups_by_the_most_common_keyword_in_the_baseline() -> None:
    texts = ["card lost", "card stolen today", "fee charged", "refund fee card", "hello"]
    # Common words by texts: card (3), fee (2); k = 3 leaves one "other" group (2).
    assert keyword_baseline(texts, 3) == [0, 0, 1, 0, 2]


def test_it_scores_a_perfect_and_a_useless_grouping() -> None:
    gold = ["a", "a", "b", "b"]
    assert scores(gold, [1, 1, 0, 0]) == {"ari": 1.0, "nmi": 1.0}
    assert scores(gold, [0, 0, 0, 0]) == {"ari": 0.0, "nmi": 0.0}


@needs_banking77
def test_it_matches_the_77_intents_far_better_than_the_baselines() -> None:
    texts, gold = load(DEFAULT_DATA)
    assert (len(texts), len(set(gold))) == (10003, INTENTS)
    result = run_topics(texts, gold, k=INTENTS)
    # Measured: NMI 0.5806, ARI 0.2301 (docs/feedback.md).
    assert result["nmi"] >= 0.565  # type: ignore[operator]
    assert result["ari"] >= 0.215  # type: ignore[operator]
    assert result["without_topic"] == 38  # only stop words: "What do I need to do?"
    baseline = scores(gold, keyword_baseline(texts, INTENTS))
    assert baseline == {"ari": 0.0684, "nmi": 0.4444}


@needs_banking77
def test_it_chooses_k_on_its_own_and_still_beats_the_baselines() -> None:
    texts, gold = load(DEFAULT_DATA)
    result = run_topics(texts, gold, max_topics=DEFAULT_MAX_TOPICS)
    # Measured: k = 50 (the cap: the silhouette rises with k), NMI 0.5527, ARI 0.1960.
    assert result["k"] == 50
    assert result["nmi"] >= 0.54  # type: ignore[operator]
    assert result["ari"] >= 0.18  # type: ignore[operator]
    assert scores(gold, keyword_baseline(texts, 50)) == {"ari": 0.0657, "nmi": 0.4241}
