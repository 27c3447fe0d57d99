"""What ``heedful.lib.topics.find_topics`` returns, how a new set of topics continues the old
one, and how to compute topics in a child process, all without NumPy or scikit-learn.

Those libraries are about 140 MB in a process that imports them, and a process keeps
them until it ends. The task worker runs for weeks and computes topics once a day, so it
computes them in a child process (``find_topics_in_child``) that gives the memory back
when it exits (docs/performance-history.md, "The whole stack's memory"); this module lets it use
the result without importing them itself.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Topic:
    terms: list[str]  # best first
    members: list[int]  # indexes of the input texts, closest to the centre first


@dataclass(frozen=True)
class TopicModel:
    topics: list[Topic]  # largest first
    labels: list[int]  # per input text: the index of its topic in ``topics``, -1 for none
    k: int
    silhouette: float | None  # of the chosen k; None when not computed (k given, or n < 3)
    candidates: dict[int, float] = field(default_factory=dict)  # k -> silhouette


def find_topics_in_child(texts: Sequence[str], *, max_topics: int, seed: int) -> TopicModel:
    """``find_topics`` run by a new Python process (``python -m heedful.lib.topic_model``);
    the same result, and this process never imports scikit-learn. A plain child over
    pipes rather than a fork (the worker has threads and open database connections) or
    ``multiprocessing`` (which leaves a resource-tracker process running)."""
    request = json.dumps({"texts": list(texts), "max_topics": max_topics, "seed": seed})
    done = subprocess.run(
        [sys.executable, "-m", "heedful.lib.topic_model"],
        input=request, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"the topics process failed ({done.returncode}): {done.stderr[-2000:]}")
    return _model_from_json(json.loads(done.stdout))


def _model_from_json(data: dict[str, Any]) -> TopicModel:
    return TopicModel(
        topics=[Topic(t["terms"], t["members"]) for t in data["topics"]],
        labels=data["labels"],
        k=data["k"],
        silhouette=data["silhouette"],
        # JSON keys are strings.
        candidates={int(k): v for k, v in data["candidates"].items()},
    )


def _main() -> None:
    """The child: a request on stdin, the model on stdout, as JSON."""
    from heedful.lib.topics import find_topics

    request = json.load(sys.stdin)
    model = find_topics(request["texts"], max_topics=request["max_topics"], seed=request["seed"])
    json.dump(dataclasses.asdict(model), sys.stdout, default=_plain)


def _plain(value: Any) -> int | float | str:
    """NumPy scalars as Python ones (json calls this for the types it does not know)."""
    return value.item()


# A new cluster continues an old topic when at least this share of the smaller of the
# two is shared (old members no longer among the texts are not counted).
MATCH_OVERLAP = 0.5


def match_topics(new: Sequence[set[K]], old: Mapping[int, set[K]]) -> dict[int, int]:
    """Which old topic (by id) each new cluster (by index) continues, one to one.

    Pairs are taken by the most shared members first, so when a topic splits the larger
    part keeps its identity (and its agent-given name), and when two merge the larger
    one does."""
    pairs = []
    for index, members in enumerate(new):
        for topic_id, old_members in old.items():
            shared = len(members & old_members)
            smaller = min(len(members), len(old_members))
            if shared and shared >= MATCH_OVERLAP * smaller:
                pairs.append((-shared, index, topic_id))
    matched: dict[int, int] = {}
    taken: set[int] = set()
    for _, index, topic_id in sorted(pairs):
        if index not in matched and topic_id not in taken:
            matched[index] = topic_id
            taken.add(topic_id)
    return matched


if __name__ == "__main__":
    _main()
