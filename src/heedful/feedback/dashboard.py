"""The figures of the agents' feedback page, each from heedful.lib.feedback_stats.

Scores are computed from the responses of the period (one query for all of them); a
customer is an organization, or the contact alone when it has none.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from heedful.customers.models import Organization
from heedful.feedback.models import FollowUpState, FollowUpTask, Kudos, QuestionMetric, Response
from heedful.lib.feedback_stats import DistinctView, Metric, Score, distinct_view, score
from heedful.web.charts import GroupedBars, grouped_bars

VERBATIMS = 20
FOLLOW_UPS_SHOWN = 10
LABELS = {
    Metric.CSAT: ("CSAT", "share of ratings that are 4 or 5 out of 5"),
    Metric.CES: ("Customer effort", "mean of “how easy was it”, 1 to 7"),
    Metric.NPS: ("NPS", "% promoters (9-10) minus % detractors (0-6)"),
}


def _format(metric: Metric, value: float) -> str:
    if metric is Metric.CSAT:
        return f"{value * 100:.0f}%"
    if metric is Metric.NPS:
        return f"{value * 100:+.0f}"
    return f"{value:.1f}"


@dataclass(frozen=True)
class Panel:
    metric: Metric
    score: Score
    distinct: DistinctView
    top_customer_name: str

    @property
    def label(self) -> str:
        return LABELS[self.metric][0]

    @property
    def definition(self) -> str:
        return LABELS[self.metric][1]

    @property
    def value(self) -> str:
        return _format(self.metric, self.score.value) if self.score.value is not None else ""

    @property
    def interval(self) -> str:
        low, high = self.score.low, self.score.high
        if low is None or high is None:
            return ""
        return f"{_format(self.metric, low)} to {_format(self.metric, high)}"

    @property
    def distinct_value(self) -> str:
        value = self.distinct.value
        return _format(self.metric, value) if value is not None else ""

    @property
    def concentration(self) -> str:
        share = self.distinct.concentration
        return f"{share * 100:.0f}%" if share is not None else ""


def _customer(organization_id: int | None, contact_id: int) -> Hashable:
    return ("org", organization_id) if organization_id is not None else ("contact", contact_id)


def panels(since: datetime) -> tuple[list[Panel], GroupedBars | None]:
    rows = list(
        Response.objects.filter(
            created_at__gte=since,
            metric__in=[QuestionMetric.CSAT, QuestionMetric.CES, QuestionMetric.NPS],
            rating__isnull=False,
        ).values_list("metric", "rating", "organization_id", "contact_id")
    )
    min_sample = settings.FEEDBACK_MIN_SAMPLE
    by_metric: dict[Metric, list[tuple[Hashable, int]]] = {m: [] for m in Metric}
    for metric, rating, organization_id, contact_id in rows:
        if rating is not None:  # filtered out above; this tells the type checker
            by_metric[Metric(metric)].append((_customer(organization_id, contact_id), rating))
    order = (Metric.CSAT, Metric.CES, Metric.NPS)
    views = {m: distinct_view(m, by_metric[m], min_sample=min_sample) for m in order}
    tops = [v.top_customer for v in views.values() if isinstance(v.top_customer, tuple)]
    org_ids = [key[1] for key in tops if key[0] == "org"]
    names = dict(Organization.objects.filter(pk__in=org_ids).values_list("pk", "name"))
    result = []
    for metric in order:
        view = views[metric]
        top = view.top_customer
        top_name = ""
        if isinstance(top, tuple):
            top_name = names.get(top[1], "") if top[0] == "org" else "one contact (no organization)"
        ratings = [rating for _, rating in by_metric[metric]]
        result.append(Panel(metric, score(metric, ratings, min_sample=min_sample), view, top_name))
    csat = [rating for _, rating in by_metric[Metric.CSAT]]
    if not csat:
        return result, None
    return result, grouped_bars([(str(r), [csat.count(r)]) for r in range(1, 6)], height=140)


def verbatims(since: datetime, limit: int = VERBATIMS) -> list[Response]:
    """The latest comments, with their sentiment, customer and ticket."""
    return list(
        Response.objects.filter(created_at__gte=since, metric=QuestionMetric.NONE)
        .exclude(text="")
        .select_related("contact", "organization", "ticket")
        .order_by("-created_at", "-id")[:limit]
    )


def awaiting_follow_up(limit: int = FOLLOW_UPS_SHOWN) -> tuple[list[FollowUpTask], int]:
    """Open detractor follow-ups, the one due first first, and how many are open."""
    open_tasks = FollowUpTask.objects.filter(state=FollowUpState.OPEN)
    rows = list(
        open_tasks.select_related("contact", "organization", "ticket", "owner").order_by(
            "due_at", "id"
        )[:limit]
    )
    return rows, open_tasks.count()


def kudos_count(since: datetime) -> int:
    return Kudos.objects.filter(created_at__gte=since).count()
