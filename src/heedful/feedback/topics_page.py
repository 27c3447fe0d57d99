"""What the topics page and the feedback page read: topics ranked by distinct customers
(R7, not by texts), their example quotes and what was merged into them, in a fixed
number of queries whatever the number of topics."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet

from heedful.feedback.models import Topic, TopicDocument, TopicRun
from heedful.feedback.topics import EXAMPLES
from heedful.tickets.models import format_ref

SHOWN = 200


@dataclass(frozen=True)
class Quote:
    text: str
    customer: str
    ticket_ref: str
    sentiment: float | None


@dataclass
class TopicRow:
    topic: Topic
    rank: int
    merged: list[Topic] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    # The annual revenue of the distinct organizations that wrote about it (R7): what is
    # at stake, not how loud they were. None when none of them has a revenue on record.
    revenue: Decimal | None = None

    @property
    def sentiment_label(self) -> str:
        value = self.topic.average_sentiment
        if value is None:
            return ""
        # VADER's thresholds, as for single messages (heedful.feedback.sentiment).
        return "positive" if value >= 0.05 else "negative" if value <= -0.05 else "neutral"


def ranked_topics() -> QuerySet[Topic]:
    """Topics that are not merged into another, most distinct customers first."""
    return Topic.objects.filter(merged_into=None, document_count__gt=0).order_by(
        "-customer_count", "-document_count", "id"
    )


def top_topics(limit: int = 5) -> list[Topic]:
    return list(ranked_topics()[:limit])


def latest_run() -> TopicRun | None:
    return TopicRun.objects.order_by("-finished_at", "-id").first()


def _quotes(topic_ids: list[int]) -> dict[int, list[Quote]]:
    rows = (
        TopicDocument.objects.filter(topic_id__in=topic_ids, rank__lt=EXAMPLES)
        .order_by("topic_id", "rank")
        .values_list(
            "topic_id",
            "quote",
            "sentiment",
            "contact__name",
            "organization__name",
            "ticket__number",
            "response__ticket__number",
        )
    )
    quotes: dict[int, list[Quote]] = defaultdict(list)
    for topic_id, text, sentiment, contact, organization, number, via_response in rows:
        ticket = number if number is not None else via_response
        customer = f"{contact} · {organization}" if organization else contact
        ref = format_ref(ticket) if ticket is not None else ""
        quotes[topic_id].append(Quote(text, customer, ref, sentiment))
    return quotes


def topic_rows(limit: int = SHOWN) -> list[TopicRow]:
    topics = list(ranked_topics()[:limit])
    rows = {t.pk: TopicRow(t, number) for number, t in enumerate(topics, start=1)}
    merged = list(Topic.objects.filter(merged_into_id__in=list(rows)).order_by("id"))
    for topic in merged:
        assert topic.merged_into_id is not None
        rows[topic.merged_into_id].merged.append(topic)
    quotes = _quotes([*rows, *(t.pk for t in merged)])
    for row in rows.values():
        # The topic's own examples first; a merged topic's fill in when it has fewer.
        pool = quotes[row.topic.pk] + [q for t in row.merged for q in quotes[t.pk]]
        row.quotes = pool[:EXAMPLES]
    _add_revenue(rows, merged)
    return list(rows.values())


def _add_revenue(rows: dict[int, TopicRow], merged: list[Topic]) -> None:
    """Sum each organization's annual revenue once per topic, merged topics included."""
    root: dict[int, int] = {pk: pk for pk in rows}
    root |= {t.pk: t.merged_into_id for t in merged if t.merged_into_id is not None}
    pairs = (
        TopicDocument.objects.filter(
            topic_id__in=list(root), organization__annual_revenue__isnull=False
        )
        .values_list("topic_id", "organization_id", "organization__annual_revenue")
        .distinct()
    )
    seen: set[tuple[int, int]] = set()
    for topic_id, organization_id, revenue in pairs:
        key = (root[topic_id], organization_id)
        if key in seen or revenue is None:
            continue
        seen.add(key)
        row = rows[key[0]]
        row.revenue = (row.revenue or Decimal(0)) + revenue
