"""``heedful feedback topics``: compute the topics now, in this process, and print them.
``heedful feedback rollups``: count every rating again for the feedback page."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

SHOWN = 10


def cmd_topics(args: argparse.Namespace) -> int:
    from heedful.feedback.leases import Busy
    from heedful.feedback.models import Topic
    from heedful.feedback.topics import recompute_topics

    try:
        run = recompute_topics(seed=args.seed)
    except Busy as busy:
        print(json.dumps({"topics": 0, "reason": str(busy)}))
        return 0
    if run is None:
        print(
            json.dumps({"topics": 0, "reason": "not enough texts (HEEDFUL_TOPICS_MIN_DOCUMENTS)"})
        )
        return 0
    top = Topic.objects.filter(merged_into=None).order_by(
        "-customer_count", "-document_count", "id"
    )[:SHOWN]
    result = {
        "topics": run.topics,
        "documents": run.documents,
        "silhouette": run.silhouette,
        "seconds": round(run.seconds, 2),
        "top": [
            {"name": t.display_name, "customers": t.customer_count, "texts": t.document_count}
            for t in top
        ],
    }
    print(json.dumps(result, indent=2))
    return 0


def cmd_rollups(args: argparse.Namespace) -> int:
    from heedful.feedback.rollups import rebuild

    started = time.perf_counter()
    answers = rebuild()
    print(json.dumps({"answers": answers, "seconds": round(time.perf_counter() - started, 1)}))
    return 0


def add_feedback_parser(sub: argparse._SubParsersAction, setup: Callable[[], None]) -> None:
    def run(args: argparse.Namespace) -> int:
        setup()
        return int(args.feedback_func(args))

    feedback = sub.add_parser("feedback", help="voice of the customer: topics, counts")
    feedback.set_defaults(func=run)
    commands = feedback.add_subparsers(dest="feedback_command", required=True)
    topics = commands.add_parser("topics", help="compute the topics now and print the largest")
    topics.add_argument("--seed", type=int, default=0, help="random seed of the clustering")
    topics.set_defaults(feedback_func=cmd_topics)
    rollups = commands.add_parser(
        "rollups",
        help="count every rating again for the feedback page (after bulk imports, deleting "
        "contacts, organizations or tickets, or changing TIME_ZONE)",
    )
    rollups.set_defaults(feedback_func=cmd_rollups)
