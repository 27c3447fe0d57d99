"""Weekly sentiment of what a contact or an organization wrote to us (customer 360).

Inbound messages are scored one by one (MessageSentiment); here they are averaged per
calendar week with the number of messages, over the last WEEKS weeks. A week without a
scored message is a gap, not a zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet

from heedful.customers.models import Contact, Organization
from heedful.feedback.models import MessageSentiment
from heedful.feedback.trends import sentiment_trend
from heedful.tickets.models import Ticket
from heedful.web.linecharts import LineChart

WEEKS = 12


@dataclass(frozen=True)
class SentimentSummary:
    chart: LineChart
    messages: int
    mean: float | None
    negative: int
    positive: int
    weeks: int = WEEKS

    @property
    def label(self) -> str:
        if self.mean is None:
            return ""
        return "positive" if self.mean >= 0.05 else "negative" if self.mean <= -0.05 else "neutral"


def _summary(rows: QuerySet[MessageSentiment], now: datetime) -> SentimentSummary:
    since = now - timedelta(weeks=WEEKS)
    scores = list(
        rows.filter(message__created_at__gte=since).values_list(
            "message__created_at", "compound", "label"
        )
    )
    chart = sentiment_trend([(at, compound) for at, compound, _ in scores], since=since, now=now)
    mean = sum(c for _, c, _ in scores) / len(scores) if scores else None
    return SentimentSummary(
        chart=chart,
        messages=len(scores),
        mean=mean,
        negative=sum(1 for *_, label in scores if label == "negative"),
        positive=sum(1 for *_, label in scores if label == "positive"),
    )


def _visible(rows: QuerySet[MessageSentiment], tickets: QuerySet[Ticket] | None) -> QuerySet:
    # None: the viewer sees every ticket (no subquery to slow the common case down).
    return rows if tickets is None else rows.filter(Q(message__ticket__in=tickets))


def contact_sentiment(
    contact: Contact, now: datetime, tickets: QuerySet[Ticket] | None = None
) -> SentimentSummary:
    rows = MessageSentiment.objects.filter(message__author_contact=contact)
    return _summary(_visible(rows, tickets), now)


def organization_sentiment(
    organization: Organization, now: datetime, tickets: QuerySet[Ticket] | None = None
) -> SentimentSummary:
    rows = MessageSentiment.objects.filter(message__ticket__organization=organization)
    return _summary(_visible(rows, tickets), now)
