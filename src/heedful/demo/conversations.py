"""What a demo source yields: conversations between customers and a support team.

Both sources (the real tweets of ``twcs`` and the small built-in set) are turned into
these plain objects first, so one loader writes them all through the actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Customer:
    key: str  # a twitter author id, or a slug for the built-in set
    name: str
    organization: str | None  # the name of one of the demo organizations
    handle: str = ""


@dataclass(frozen=True)
class Post:
    external_id: str
    author: str  # Customer.key when inbound, else a brand handle or "agent:<username>"
    inbound: bool
    at: datetime
    text: str


@dataclass
class Conversation:
    """One future ticket; ``posts`` are in time order and the first is the customer's."""

    posts: list[Post]
    channel: str
    subject: str = ""  # derived from the first post when empty
    # Who the customer wrote to, for conversations nobody answered yet.
    brand_hint: str | None = None

    @property
    def requester(self) -> str:
        return self.posts[0].author

    @property
    def brand(self) -> str | None:
        """Who answers for us: the author of the first outbound post."""
        return next((p.author for p in self.posts if not p.inbound), self.brand_hint)


@dataclass
class DemoSet:
    source: str  # "twcs" or "builtin", kept on each ticket so a reset finds them
    conversations: list[Conversation]
    customers: dict[str, Customer]
    description: str = ""

    @property
    def post_count(self) -> int:
        return sum(len(c.posts) for c in self.conversations)

    def shifted(self, newest: datetime, window: timedelta) -> DemoSet:
        """The same set moved into the recent past, so that the demo inbox looks like a
        working week: the conversations keep their order and each keeps its real gaps
        (response times), but their starts are spread evenly over ``window`` ending at
        ``newest`` (the source's own dates pile up on a few days of 2017)."""
        ordered = sorted(self.conversations, key=lambda c: c.posts[0].at)
        step = window / max(len(ordered), 1)
        for index, conversation in enumerate(ordered):
            first = conversation.posts[0].at
            last = max(p.at for p in conversation.posts)
            start = newest - window + step * index
            # A conversation longer than the time left ends at ``newest``, never later.
            offset: timedelta = min(start, newest - (last - first)) - first
            conversation.posts = [
                Post(p.external_id, p.author, p.inbound, p.at + offset, p.text)
                for p in conversation.posts
            ]
        return self
