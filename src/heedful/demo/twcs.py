"""Real support conversations from the Twitter Customer Support sample (``twcs``).

Tweets are linked by ``in_response_to_tweet_id`` into trees. A tree whose root is a
customer's tweet becomes one conversation with every tweet below it; a tree whose
root is a brand's broadcast (a promotion, a service notice) is skipped, and each
customer reply under it starts its own conversation.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from heedful.demo import catalog
from heedful.demo.conversations import Conversation, Customer, DemoSet, Post

CSV_PATH = Path("twcs") / "twcs_sample.csv"
TIME_FORMAT = "%a %b %d %H:%M:%S %z %Y"
# One record of the sample has bare carriage returns inside an unquoted field; they
# are swapped for this private-use character while parsing and become newlines again.
_CR = "\ue000"
_MENTION = re.compile(r"@(\w+)")


@dataclass(frozen=True)
class Tweet:
    id: str
    author: str
    inbound: bool
    at: datetime
    text: str
    parent: str | None


def read_tweets(path: Path) -> list[Tweet]:
    with path.open(encoding="utf-8", newline="") as file:
        raw = file.read().replace("\r", _CR)
    tweets = []
    for row in csv.DictReader(io.StringIO(raw, newline="")):
        parent = row["in_response_to_tweet_id"]
        tweets.append(
            Tweet(
                id=row["tweet_id"],
                author=row["author_id"],
                inbound=row["inbound"] == "True",
                at=datetime.strptime(row["created_at"], TIME_FORMAT),
                # Tweets come HTML-escaped from Twitter ("&amp;"); keep what was typed.
                text=html.unescape(row["text"].replace(_CR, "\n")).strip(),
                parent=str(int(float(parent))) if parent else None,
            )
        )
    return tweets


def _order(tweet: Tweet) -> tuple[datetime, int]:
    return (tweet.at, int(tweet.id))


def build_conversations(tweets: list[Tweet]) -> list[Conversation]:
    by_id = {t.id: t for t in tweets}
    children: dict[str, list[Tweet]] = defaultdict(list)
    roots = []
    for tweet in tweets:
        if tweet.parent in by_id:
            children[tweet.parent].append(tweet)
        else:
            roots.append(tweet)  # a thread start, or a reply to a tweet outside the sample

    def subtree(root: Tweet) -> list[Tweet]:
        found, stack = [], [root]
        while stack:
            tweet = stack.pop()
            found.append(tweet)
            stack.extend(children[tweet.id])
        return found

    def starts_under(tweet: Tweet) -> list[Tweet]:
        if tweet.inbound:
            return [tweet]
        return [start for child in children[tweet.id] for start in starts_under(child)]

    brands = {t.author.lower(): t.author for t in tweets if not t.inbound}
    starts = [start for root in roots for start in starts_under(root)]
    conversations = []
    for start in starts:
        rest = sorted((t for t in subtree(start) if t is not start), key=_order)
        posts = [Post(t.id, t.author, t.inbound, t.at, t.text) for t in [start, *rest]]
        mentioned = (brands.get(m.lower()) for m in _MENTION.findall(start.text))
        hint = next((brand for brand in mentioned if brand), None)
        conversations.append(Conversation(posts=posts, channel="twitter", brand_hint=hint))
    conversations.sort(key=lambda c: (c.posts[0].at, int(c.posts[0].external_id)))
    return conversations


def group_customers(conversations: list[Conversation]) -> dict[str, Customer]:
    """Give every customer a generated name and an organization. Customers who write
    in the same conversation are colleagues: they land in the same organization."""
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for conversation in conversations:
        authors = [p.author for p in conversation.posts if p.inbound]
        for author in authors[1:]:
            first, other = find(authors[0]), find(author)
            if first != other:
                parent[max(first, other)] = min(first, other)
        find(authors[0])
    return {
        key: Customer(
            key=key,
            name=catalog.person_name(key),
            organization=catalog.pick_organization(find(key)).name,
            handle=key,
        )
        for key in sorted(parent)
    }


def load(data_dir: Path) -> DemoSet:
    path = data_dir / CSV_PATH
    tweets = read_tweets(path)
    conversations = build_conversations(tweets)
    return DemoSet(
        source="twcs",
        conversations=conversations,
        customers=group_customers(conversations),
        description=f"{len(tweets):,} real support tweets in {path}",
    )
