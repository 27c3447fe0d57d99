"""The topic algorithm without Django (heedful.lib.topics): grouping, naming, choosing k,
determinism, and matching new clusters to old topics."""

from __future__ import annotations

import numpy as np

from heedful.lib.topic_model import match_topics
from heedful.lib.topics import candidate_ks, find_topics, k_bound, top_terms
from tests.feedback.topic_texts import BILLING, LOGIN, MORE_BILLING, SHIPPING

TEXTS = BILLING + LOGIN + SHIPPING


def groups(labels: list[int]) -> list[set[int]]:
    found: dict[int, set[int]] = {}
    for i, label in enumerate(labels):
        found.setdefault(label, set()).add(i)
    return sorted(found.values(), key=min)


def test_it_groups_texts_by_what_they_are_about() -> None:
    model = find_topics(TEXTS, max_topics=3)
    assert model.k == 3
    assert groups(model.labels) == [set(range(0, 8)), set(range(8, 16)), set(range(16, 24))]


def test_it_chooses_k_by_silhouette_among_the_candidates() -> None:
    model = find_topics(TEXTS, max_topics=10)
    # sqrt(24 / 2) = 3.46: candidates 2 and 3; three topics separate best.
    assert sorted(model.candidates) == [2, 3]
    assert model.candidates[3] > model.candidates[2]
    assert model.k == 3
    assert model.silhouette == model.candidates[3]


def test_it_names_each_topic_by_its_top_terms() -> None:
    model = find_topics(TEXTS, k=3)
    by_first_member = {min(t.members): t.terms for t in model.topics}
    assert by_first_member[0][:3] == ["invoice", "charge", "charged"]
    assert by_first_member[8][:3] == ["password", "reset", "login"]
    assert by_first_member[16][:3] == ["parcel", "delivery", "tracking"]


def test_it_leaves_texts_of_only_boilerplate_out_of_every_topic() -> None:
    model = find_topics([*TEXTS, "Thanks!", "Hi, please help", "ok"], max_topics=3)
    assert model.labels[-3:] == [-1, -1, -1]
    assert sum(len(t.members) for t in model.topics) == 24
    assert find_topics(["Thanks!", "Hello"]).topics == []


def test_it_gives_the_same_topics_for_the_same_seed() -> None:
    shuffled = [TEXTS[i] for i in np.random.default_rng(7).permutation(len(TEXTS))]
    first = find_topics(shuffled, max_topics=5, seed=3)
    second = find_topics(shuffled, max_topics=5, seed=3)
    assert first.labels == second.labels
    assert [t.terms for t in first.topics] == [t.terms for t in second.topics]
    assert [t.members for t in first.topics] == [t.members for t in second.topics]


def test_it_orders_topics_largest_first_and_members_closest_first() -> None:
    model = find_topics([*TEXTS, *MORE_BILLING], k=3)
    assert [len(t.members) for t in model.topics] == [12, 8, 8]
    billing = model.topics[0]
    assert set(billing.members) == {*range(8), *range(24, 28)}
    assert billing.members[:2] == [24, 5]  # "Charged twice on one invoice" is the most typical


def test_it_bounds_k_by_the_square_root_rule_and_the_maximum() -> None:
    assert k_bound(10003, 50) == 50
    assert k_bound(10003, 100) == 71  # sqrt(10003 / 2) = 70.7
    assert k_bound(24, 50) == 3
    assert k_bound(1, 50) == 1
    assert candidate_ks(10003, 50) == [2, 4, 7, 14, 26, 50]
    assert candidate_ks(4, 50) == [1]


def test_it_skips_terms_that_repeat_a_better_terms_word() -> None:
    vocabulary = ["card", "card expires", "expires", "fee", "fee charged"]
    weights = np.array([0.9, 0.8, 0.5, 0.4, 0.3])
    assert top_terms(weights, vocabulary) == ["card", "expires", "fee"]
    assert top_terms(np.array([0.1, 0.9, 0.5, 0.0, 0.0]), vocabulary) == ["card expires"]


def test_it_matches_new_clusters_to_the_old_topics_they_continue() -> None:
    old = {10: {1, 2, 3, 4}, 20: {5, 6, 7, 8}, 30: {9}}
    # 10 continues (grown), 20 split in two (the larger part keeps it), 30 gone.
    new = [{1, 2, 3, 4, 11, 12}, {5, 6, 7}, {8, 13, 14}]
    assert match_topics(new, old) == {0: 10, 1: 20}


def test_it_lets_the_larger_of_two_merged_clusters_keep_its_identity() -> None:
    old = {10: {1, 2}, 20: {3, 4, 5}}
    assert match_topics([{1, 2, 3, 4, 5}], old) == {0: 20}
    assert match_topics([{1, 2, 3, 4, 5}], {}) == {}
