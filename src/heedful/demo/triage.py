"""What an agent would have decided about a conversation: its subject, priority, tags,
whether somebody took it, and how it ended (pending, solved, or still waiting on us).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from heedful.demo import catalog
from heedful.demo.conversations import Conversation

SUBJECT_LENGTH = 80
# A brand's last reply older than this means the customer never came back: solved.
PENDING_FOR = timedelta(days=10)
# Share of tickets still waiting on us that nobody has taken yet (the Unassigned view).
UNASSIGNED_PERCENT = 35

_LEADING_MENTIONS = re.compile(r"^(?:[@.]\w+[\s,:]*)+")
_URL = re.compile(r"https?://\S+")

_URGENT = re.compile(
    r"\b(outage|(is|are|been|still) down|no (service|signal|internet)|hacked|fraud|stolen|"
    r"emergency|urgent|asap|stranded)\b",
    re.IGNORECASE,
)
_HIGH = re.compile(
    r"\b(refund|(over|double )?charged|cancel(l)?ed|not working|(doesn't|does not|won't) work|"
    r"broken|lost|missing|still waiting|never (arrived|received|came)|locked out|password|"
    r"(can'?t|cannot|unable to) (log|sign) ?in|delay(ed)?|worst|unacceptable|ridiculous)\b",
    re.IGNORECASE,
)
_LOW = re.compile(r"\b(thanks?|thank you|love|great|awesome|question|wondering|how do i)\b", re.I)

_TAGS = {
    "refund": r"\brefund",
    "billing": r"\b(bill(ing|ed)?|charge[sd]?|invoice|payment|paid|overcharg\w*|subscription)\b",
    "outage": r"\b(outage|down|no (service|signal|internet)|internet|wi-?fi|connection)\b",
    "account-access": r"\b(password|log ?in|login|locked out|sign ?in|verification code|2fa)\b",
    "delivery": r"\b(deliver\w*|package|parcel|order(ed)?|ship(ping|ped)|tracking|courier)\b",
    "travel": r"\b(flights?|baggage|luggage|gate|boarding|train|seat|booking|airport)\b",
    "app": r"\b(app|update|ios|android|crash\w*|bug|glitch\w*)\b",
    "complaint": r"\b(worst|terrible|awful|ridiculous|unacceptable|disgusting|useless)\b",
    "praise": r"\b(love|amazing|awesome|great service|thank you so much|best)\b",
}
_TAG_PATTERNS = {tag: re.compile(pattern, re.IGNORECASE) for tag, pattern in _TAGS.items()}

# A brand reply that ends the exchange, and a customer message that says it is fixed.
_CLOSING_REPLY = re.compile(
    r"(glad|you're welcome|you are welcome|happy to help|enjoy|have a (great|good|nice)|"
    r"anytime|no problem|take care)",
    re.IGNORECASE,
)
_CUSTOMER_THANKS = re.compile(
    r"\b(thanks|thank you|thx|cheers|appreciate|sorted|that worked|it worked|all good)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Triage:
    subject: str
    priority: str
    tags: tuple[str, ...]
    team: str | None
    assign: bool
    last_reply_status: str  # the status the brand's last reply leaves: pending or solved
    solve_after_thanks: bool  # the customer said it is fixed: an agent solves it


def clean_subject(text: str, fallback: str) -> str:
    """The first line without leading @mentions or links, cut at a word near 80 chars."""
    lines = [_URL.sub("", line).strip() for line in text.splitlines()]
    first = _LEADING_MENTIONS.sub("", next((line for line in lines if line), "")).strip()
    first = " ".join(first.split())
    if not first:
        return fallback
    if len(first) <= SUBJECT_LENGTH:
        return first
    cut = first[: SUBJECT_LENGTH - 1].rsplit(" ", 1)[0]
    return (cut if len(cut) > SUBJECT_LENGTH // 2 else first[: SUBJECT_LENGTH - 1]) + "…"


def priority_for(text: str) -> str:
    if _URGENT.search(text):
        return "urgent"
    if _HIGH.search(text):
        return "high"
    if _LOW.search(text):
        return "low"
    return "normal"


def tags_for(text: str) -> tuple[str, ...]:
    return tuple(tag for tag, pattern in _TAG_PATTERNS.items() if pattern.search(text))


def triage(conversation: Conversation, now: datetime) -> Triage:
    posts = conversation.posts
    customer_text = "\n".join(p.text for p in posts if p.inbound)
    brand = conversation.brand
    last = posts[-1]
    replied = any(not p.inbound for p in posts)
    if not last.inbound and (now - last.at > PENDING_FOR or _CLOSING_REPLY.search(last.text)):
        last_reply_status = "solved"
    else:
        last_reply_status = "pending"
    thanks = replied and last.inbound and bool(_CUSTOMER_THANKS.search(last.text))
    waiting_on_us = last.inbound and not thanks
    key = posts[0].external_id
    fallback = f"Message to @{brand}" if brand and not brand.startswith("agent:") else "Message"
    return Triage(
        subject=conversation.subject or clean_subject(posts[0].text, fallback),
        priority=priority_for(customer_text),
        tags=tags_for(customer_text),
        team=catalog.team_for_brand(brand) if brand else None,
        assign=replied and not (waiting_on_us and catalog.chance(key, UNASSIGNED_PERCENT)),
        last_reply_status=last_reply_status,
        solve_after_thanks=thanks,
    )
