"""Weekly sentiment of what a contact or an organization wrote to us (customer 360), and
of everything customers wrote (the feedback page).

Inbound messages are scored one by one (MessageSentiment); here they are averaged per
calendar week with the number of messages, over the last WEEKS weeks. A week without a
scored message is a gap, not a zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from heedful.customers.models import Contact, Organization
from heedful.feedback.models import MessageSentiment
from heedful.feedback.trends import sentiment_trend, weekly_sentiment_chart
from heedful.tickets.models import Ticket
from heedful.web.linecharts import LineChart

WEEKS = 12
# The desk-wide figure aggregates months of messages: computed at most this often.
DESK_CACHE_SECONDS = 600


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


def desk_sentiment(now: datetime) -> SentimentSummary:
    """Every scored customer message of the last WEEKS weeks, aggregated by the database
    (a busy desk has hundreds of thousands), cached for DESK_CACHE_SECONDS."""
    key = f"feedback:desk-sentiment:{timezone.get_current_timezone_name()}"
    summary: SentimentSummary | None = cache.get(key)
    if summary is None:
        summary = _desk_summary(now)
        cache.set(key, summary, DESK_CACHE_SECONDS)
    return summary


def _desk_summary(now: datetime) -> SentimentSummary:
    since = now - timedelta(weeks=WEEKS)
    rows = MessageSentiment.objects.filter(message__created_at__gte=since)
    weeks = (
        rows.annotate(week=TruncWeek("message__created_at"))
        .values("week")
        .annotate(n=Count("pk"), mean=Avg("compound"))
        .order_by("week")
    )
    weekly = {timezone.localtime(w["week"]).date(): (w["n"], w["mean"]) for w in weeks}
    labels = dict(rows.values("label").annotate(n=Count("pk")).values_list("label", "n"))
    messages = sum(n for n, _ in weekly.values())
    total = sum(n * mean for n, mean in weekly.values())
    return SentimentSummary(
        chart=weekly_sentiment_chart(weekly, since=since, now=now),
        messages=messages,
        mean=total / messages if messages else None,
        negative=labels.get("negative", 0),
        positive=labels.get("positive", 0),
    )
