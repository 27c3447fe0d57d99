"""Topics in short customer texts: TF-IDF, LSA and k-means, without Django.

    find_topics(texts, max_topics=50, seed=0) -> TopicModel

1. **Vectorize**: TF-IDF over words and word pairs (sublinear term frequency, terms in
   at least two texts once there are enough texts), without English stop words and
   without support boilerplate ("hi", "thanks", "please", "regards"). A text left with
   no term ("Thanks!") belongs to no topic.
2. **Reduce**: from 1,000 texts on, latent semantic analysis (truncated SVD to at most
   100 dimensions, rows normalized), so texts that share no word but use related words
   can meet; fewer texts are clustered on their TF-IDF rows as they are.
3. **Cluster**: k-means. Unless ``k`` is given, k is the candidate with the best
   silhouette (cosine; k-means on a seeded sample of at most 4,000 texts, silhouette on
   2,000 of them) among a few values from 2 up to ``min(max_topics, sqrt(n / 2))``.
   The square-root bound is the usual rule of thumb; it matters because on short texts
   the silhouette keeps rising with k.
4. **Name**: each topic's terms are those of highest class-based TF-IDF (its share of
   the topic's TF-IDF mass, times how rare the term is across topics; a term repeating
   a word of a better one is skipped), and its members are ordered by closeness to the
   centre, so the first ones make good example quotes.

Everything is seeded: the same texts and seed give the same topics.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import normalize
from threadpoolctl import threadpool_limits

# The results live in topic_model: processes that only use them need no NumPy.
from heedful.lib.topic_model import Topic, TopicModel

# Words of every support message that say nothing about what it is about.
SUPPORT_BOILERPLATE = frozenset(
    {
        *("hi", "hello", "hey", "dear", "thanks", "thank", "thx", "cheers", "please", "pls"),
        *("regards", "kind", "best", "sincerely", "team", "support", "help", "hope", "ok"),
        *("okay", "just", "guys", "like", "know", "got", "need", "want", "get"),
        # What is left of contractions once apostrophes split words ("don't", "I've").
        *("don", "didn", "doesn", "isn", "wasn", "won", "ve", "ll", "re", "im", "dont"),
    }
)
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS | SUPPORT_BOILERPLATE)
LSA_DIMENSIONS = 100
LSA_FROM = 1000
SILHOUETTE_SAMPLE = 2000
CANDIDATES = 6
TERMS = 8
RESTART_BUDGET = 5000
CHOOSE_SAMPLE = 4000
# Below this many texts every term is kept (a term seen once can still name a topic).
MIN_DF_FROM = 50


URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


def _preprocess(text: str) -> str:
    """Lower case, without links (their words say nothing about the topic)."""
    return URL.sub(" ", text.lower())


def _vectorize(
    texts: Sequence[str], stop_words: frozenset[str]
) -> tuple[sparse.csr_matrix, list[str]]:
    vectorizer = TfidfVectorizer(
        preprocessor=_preprocess,
        stop_words=sorted(stop_words),
        ngram_range=(1, 2),
        min_df=2 if len(texts) >= MIN_DF_FROM else 1,
        sublinear_tf=True,
        token_pattern=r"(?u)\b[^\W\d_]{2,}\b",  # words of letters: no numbers or ids
        dtype=np.float64,
    )
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # nothing left but stop words
        return sparse.csr_matrix((len(texts), 0)), []
    return sparse.csr_matrix(matrix), list(vectorizer.get_feature_names_out())


def _reduce(matrix: sparse.csr_matrix, seed: int) -> np.ndarray:
    dimensions = min(LSA_DIMENSIONS, matrix.shape[1] - 1, matrix.shape[0] - 1)
    if matrix.shape[0] < LSA_FROM or dimensions < 2:
        # Few texts: too few to learn related words from, and the rows are short anyway.
        return np.asarray(normalize(matrix).toarray())
    reduced = TruncatedSVD(dimensions, random_state=seed).fit_transform(matrix)
    return np.asarray(normalize(reduced))


def k_bound(n: int, max_topics: int) -> int:
    """The largest k worth trying for n texts."""
    return max(1, min(max_topics, n, round(math.sqrt(n / 2))))


def candidate_ks(n: int, max_topics: int) -> list[int]:
    upper = k_bound(n, max_topics)
    if upper <= 2:
        return [upper]
    return sorted({round(k) for k in np.geomspace(2, upper, CANDIDATES)})


def restarts(n: int) -> int:
    """k-means runs from this many seeds and keeps the best: many on small data, where a
    bad start splits a topic and restarts are cheap; two from 2,500 texts on."""
    return max(2, min(10, RESTART_BUDGET // max(n, 1)))


def _kmeans(points: np.ndarray, k: int, seed: int) -> np.ndarray:
    model = KMeans(k, n_init=restarts(len(points)), random_state=seed)
    return np.asarray(model.fit_predict(points))


def _silhouette(points: np.ndarray, labels: np.ndarray, seed: int) -> float | None:
    if len(set(labels.tolist())) < 2 or len(set(labels.tolist())) >= len(labels):
        return None
    sample = min(len(labels), SILHOUETTE_SAMPLE)
    return float(
        silhouette_score(points, labels, metric="cosine", sample_size=sample, random_state=seed)
    )


def _choose(points: np.ndarray, max_topics: int, seed: int) -> tuple[int, dict[int, float]]:
    """The candidate k of best silhouette, tried on a seeded sample of at most
    CHOOSE_SAMPLE texts (the final clustering uses them all)."""
    sample = points
    if len(points) > CHOOSE_SAMPLE:
        picked = np.random.default_rng(seed).choice(len(points), CHOOSE_SAMPLE, replace=False)
        sample = points[np.sort(picked)]
    scores: dict[int, float] = {}
    for k in candidate_ks(len(points), max_topics):
        value = _silhouette(sample, _kmeans(sample, min(k, len(sample)), seed), seed)
        if value is not None:
            scores[k] = value
    if not scores:
        return candidate_ks(len(points), max_topics)[0], scores
    best = max(scores.values())
    return min(k for k, value in scores.items() if value == best), scores


def top_terms(centre: np.ndarray, vocabulary: Sequence[str], limit: int = TERMS) -> list[str]:
    """The terms of highest weight, skipping any term with a word already said by a term
    of higher weight ("card" then "card expires": the pair adds nothing new)."""
    chosen: list[str] = []
    said: set[str] = set()
    for index in np.argsort(-centre, kind="stable"):
        if centre[index] <= 0 or len(chosen) == limit:
            break
        words = vocabulary[index].split()
        if any(w in said for w in words):
            continue
        chosen.append(vocabulary[index])
        said.update(words)
    return chosen


def term_weights(matrix: sparse.csr_matrix, groups: Sequence[np.ndarray]) -> np.ndarray:
    """Class-based TF-IDF (one row per group): a term weighs by its share of the group's
    TF-IDF mass times how rare it is across the groups, so a word common to every topic
    ("card", "account") does not name them all."""
    indicator = sparse.csr_matrix(
        (
            np.ones(sum(len(g) for g in groups)),
            (np.repeat(np.arange(len(groups)), [len(g) for g in groups]), np.concatenate(groups)),
        ),
        shape=(len(groups), matrix.shape[0]),
    )
    mass = np.asarray((indicator @ matrix).todense())
    share = mass / np.maximum(mass.sum(axis=1, keepdims=True), 1e-12)
    overall = mass.sum(axis=0)
    rarity = np.log1p(mass.sum() / len(groups) / np.maximum(overall, 1e-12))
    return np.asarray(share * rarity)


def _members_by_closeness(points: np.ndarray, members: np.ndarray) -> list[int]:
    centre = points[members].mean(axis=0)
    closeness = points[members] @ centre
    return [int(i) for i in members[np.argsort(-closeness, kind="stable")]]


def find_topics(
    texts: Sequence[str],
    *,
    max_topics: int = 50,
    k: int | None = None,
    seed: int = 0,
    extra_stop_words: Sequence[str] = (),
) -> TopicModel:
    """Group ``texts`` into topics; see the module docstring."""
    # One thread: the job shares a small machine with the web server, and BLAS/OpenMP
    # threads competing with other processes made it ten times slower, not faster.
    with threadpool_limits(limits=1):
        return _find_topics(texts, max_topics, k, seed, extra_stop_words)


def _find_topics(
    texts: Sequence[str],
    max_topics: int,
    k: int | None,
    seed: int,
    extra_stop_words: Sequence[str],
) -> TopicModel:
    matrix, vocabulary = _vectorize(texts, STOP_WORDS | {w.lower() for w in extra_stop_words})
    has_terms = np.flatnonzero(matrix.getnnz(axis=1) > 0) if vocabulary else np.array([], int)
    all_labels = [-1] * len(texts)
    if len(has_terms) == 0:
        return TopicModel(topics=[], labels=all_labels, k=0, silhouette=None)
    kept = sparse.csr_matrix(matrix[has_terms])
    points = _reduce(kept, seed)
    candidates: dict[int, float] = {}
    if k is not None:
        labels = _kmeans(points, max(1, min(k, len(has_terms))), seed)
    elif len(has_terms) < 3:
        labels = np.zeros(len(has_terms), dtype=int)
    else:
        chosen, candidates = _choose(points, max_topics, seed)
        labels = _kmeans(points, chosen, seed)
    groups = [np.flatnonzero(labels == label) for label in sorted(set(labels.tolist()))]
    # Largest first; equal sizes by their first text, so the order is deterministic.
    groups.sort(key=lambda g: (-len(g), int(g[0])))
    weights = term_weights(kept, groups)
    topics = [
        Topic(top_terms(weights[n], vocabulary), _members_by_closeness(points, g))
        for n, g in enumerate(groups)
    ]
    for number, group in enumerate(groups):
        for i in group:
            all_labels[int(has_terms[i])] = number
    return TopicModel(
        topics=[Topic(t.terms, [int(has_terms[i]) for i in t.members]) for t in topics],
        labels=all_labels,
        k=len(groups),
        silhouette=candidates.get(len(groups)) if k is None else None,
        candidates=candidates,
    )
