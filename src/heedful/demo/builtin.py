"""The small hand-written demo set (builtin.json), for when the real data is absent."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from heedful.demo.conversations import Conversation, Customer, DemoSet, Post

BUILTIN_PATH = Path(__file__).with_name("builtin.json")


def load(now: datetime) -> DemoSet:
    data = json.loads(BUILTIN_PATH.read_text(encoding="utf-8"))
    customers = {
        c["key"]: Customer(key=c["key"], name=c["name"], organization=c["organization"])
        for c in data["customers"]
    }
    conversations = []
    for number, item in enumerate(data["conversations"], start=1):
        posts = [
            Post(
                external_id=f"builtin-{number}-{index}",
                author=m["from"],
                inbound=not m["from"].startswith("agent:"),
                at=now - timedelta(minutes=m["minutes_ago"]),
                text=m["text"],
            )
            for index, m in enumerate(item["messages"], start=1)
        ]
        conversations.append(
            Conversation(posts=posts, channel=item["channel"], subject=item["subject"])
        )
    return DemoSet(
        source="builtin",
        conversations=conversations,
        customers=customers,
        description=f"the built-in demo set ({len(conversations)} conversations)",
    )
