"""An agent's feedback figures for their profile page: the CSAT credited to them by
fair attribution (every agent who replied publicly on the ticket shares the rating,
weighted by their share of the replies; heedful.feedback.actions.credit_agents) and
the kudos customers gave them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from heedful.accounts.models import User
from heedful.feedback.models import AgentCredit, Kudos, QuestionMetric
from heedful.feedback.trends import format_score
from heedful.lib.feedback_stats import CSAT_GOOD_FROM, Metric, Score, csat

KUDOS_SHOWN = 20


@dataclass(frozen=True)
class CreditedCsat:
    score: Score  # CSAT of the answers about tickets they replied to, each counted once
    weighted: float | None  # the same answers weighted by their share of the replies
    credited: float  # sum of the weights: how many answers are "theirs"
    tickets: int

    @property
    def value(self) -> str:
        return format_score(Metric.CSAT, self.score.value) if self.score.value is not None else ""

    @property
    def interval(self) -> str:
        if self.score.low is None or self.score.high is None:
            return ""
        return f"{format_score(Metric.CSAT, self.score.low)} to " + format_score(
            Metric.CSAT, self.score.high
        )

    @property
    def weighted_value(self) -> str:
        return format_score(Metric.CSAT, self.weighted) if self.weighted is not None else ""


def credited_csat(agent: User, since: datetime) -> CreditedCsat:
    # One row per credited CSAT answer: (request, agent) is unique, and every answer
    # condition sits in one filter() so values() reuses that join.
    rows: list[tuple[float, int, int | None]] = [
        (weight, rating, ticket_id)
        for weight, rating, ticket_id in AgentCredit.objects.filter(
            agent=agent,
            request__responses__metric=QuestionMetric.CSAT,
            request__responses__rating__isnull=False,
            request__responses__created_at__gte=since,
        ).values_list("weight", "request__responses__rating", "request__ticket_id")
        if rating is not None  # excluded by the filter; this tells the type checker
    ]
    ratings = [rating for _, rating, _ in rows]
    credited = sum((weight for weight, _, _ in rows), 0.0)
    good = sum((weight for weight, rating, _ in rows if rating >= CSAT_GOOD_FROM), 0.0)
    enough = len(ratings) >= settings.FEEDBACK_MIN_SAMPLE and credited > 0
    return CreditedCsat(
        score=csat(ratings, min_sample=settings.FEEDBACK_MIN_SAMPLE),
        weighted=good / credited if enough else None,
        credited=credited,
        tickets=len({ticket_id for _, _, ticket_id in rows if ticket_id is not None}),
    )


def agent_kudos(agent: User, since: datetime, limit: int = KUDOS_SHOWN) -> tuple[list[Kudos], int]:
    kudos = Kudos.objects.filter(agent=agent, created_at__gte=since)
    rows = list(
        kudos.select_related("response", "contact", "organization", "ticket").order_by(
            "-created_at", "-id"
        )[:limit]
    )
    return rows, kudos.count()
