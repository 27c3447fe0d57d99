"""``heedful feedback topics``: compute the topics now, in this process, and print them."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

SHOWN = 10


def cmd_topics(args: argparse.Namespace) -> int:
    from heedful.feedback.models import Topic
    from heedful.feedback.topics import recompute_topics

    run = recompute_topics(seed=args.seed)
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


def add_feedback_parser(sub: argparse._SubParsersAction, setup: Callable[[], None]) -> None:
    def run(args: argparse.Namespace) -> int:
        setup()
        return int(args.feedback_func(args))

    feedback = sub.add_parser("feedback", help="voice of the customer: topics")
    feedback.set_defaults(func=run)
    commands = feedback.add_subparsers(dest="feedback_command", required=True)
    topics = commands.add_parser("topics", help="compute the topics now and print the largest")
    topics.add_argument("--seed", type=int, default=0, help="random seed of the clustering")
    topics.set_defaults(feedback_func=cmd_topics)
