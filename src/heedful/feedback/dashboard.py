"""The figures of the agents' feedback page, each from heedful.lib.feedback_stats.

Scores are computed from counts of the answers of the period and of the period before
it, each in or out of the selected segment (heedful/feedback/tallies.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from heedful.customers.models import Organization
from heedful.feedback.models import (
    FollowUpState,
    FollowUpTask,
    Kudos,
    QuestionMetric,
    Response,
)
from heedful.feedback.segments import Segment
from heedful.feedback.tallies import Tallies
from heedful.feedback.trends import (
    describe_comparison,
    format_score,
    score_trend,
)
from heedful.lib.feedback_stats import DistinctView, Metric, Score, compare, distinct_view, score
from heedful.web.charts import GroupedBars, grouped_bars
from heedful.web.linecharts import LineChart

VERBATIMS = 20
FOLLOW_UPS_SHOWN = 10
LABELS = {
    Metric.CSAT: ("CSAT", "share of ratings that are 4 or 5 out of 5"),
    Metric.CES: ("Customer effort", "mean of “how easy was it”, 1 to 7"),
    Metric.NPS: ("NPS", "% promoters (9-10) minus % detractors (0-6)"),
}
ORDER = (Metric.CSAT, Metric.CES, Metric.NPS)
_format = format_score


@dataclass(frozen=True)
class Panel:
    metric: Metric
    score: Score
    distinct: DistinctView
    top_customer_name: str
    trend: LineChart | None = None
    vs_previous: str = ""
    vs_rest: str = ""

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


def _top_names(views: dict[Metric, DistinctView]) -> dict[int, str]:
    tops = [v.top_customer for v in views.values() if isinstance(v.top_customer, tuple)]
    org_ids = [key[1] for key in tops if key[0] == "org"]
    return dict(Organization.objects.filter(pk__in=org_ids).values_list("pk", "name"))


def panels(
    tallies: Tallies, *, since: datetime, now: datetime, segment: Segment
) -> tuple[list[Panel], GroupedBars | None]:
    """The score panels of the period [since, now], compared with the period before and
    (with a segment) with everyone else."""
    min_sample = settings.FEEDBACK_MIN_SAMPLE
    views = {m: distinct_view(m, tallies.by_customer(m), min_sample=min_sample) for m in ORDER}
    names = _top_names(views)
    result = []
    for metric in ORDER:
        view = views[metric]
        top = view.top_customer
        top_name = ""
        if isinstance(top, tuple):
            top_name = names.get(top[1], "") if top[0] == "org" else "one contact (no organization)"
        ratings = tallies.ratings(metric, current=True, in_segment=True)
        previous = tallies.ratings(metric, current=False, in_segment=True)
        rest = tallies.ratings(metric, current=True, in_segment=False)
        trend = score_trend(
            metric, tallies.buckets.get(metric, {}), since=since, now=now, min_sample=min_sample
        )
        result.append(
            Panel(
                metric,
                score(metric, ratings, min_sample=min_sample),
                view,
                top_name,
                trend=trend,
                vs_previous=_versus(metric, ratings, previous, min_sample),
                vs_rest="" if segment.is_everyone else _versus(metric, ratings, rest, min_sample),
            )
        )
    csat = tallies.totals.get((Metric.CSAT, True, True), Counter())
    if not csat:
        return result, None
    return result, grouped_bars([(str(r), [csat[r]]) for r in range(1, 6)], height=140)


def _versus(metric: Metric, a: list[int], b: list[int], min_sample: int) -> str:
    comparison = compare(metric, a, b, min_sample=min_sample)
    return describe_comparison(metric, comparison, (len(a), len(b)), min_sample)


def verbatims(since: datetime, segment: Segment, limit: int = VERBATIMS) -> list[Response]:
    """The latest comments of the segment, with their sentiment, customer and ticket."""
    return list(
        Response.objects.filter(created_at__gte=since, metric=QuestionMetric.NONE)
        .filter(segment.q())
        .exclude(text="")
        .select_related("contact", "organization", "ticket")
        .order_by("-created_at", "-id")[:limit]
    )


def awaiting_follow_up(
    segment: Segment, limit: int = FOLLOW_UPS_SHOWN
) -> tuple[list[FollowUpTask], int]:
    """Open detractor follow-ups of the segment, the one due first first, and how many
    are open."""
    open_tasks = FollowUpTask.objects.filter(segment.q(), state=FollowUpState.OPEN)
    rows = list(
        open_tasks.select_related("contact", "organization", "ticket", "owner").order_by(
            "due_at", "id"
        )[:limit]
    )
    return rows, open_tasks.count()


def kudos_count(since: datetime, segment: Segment) -> int:
    return Kudos.objects.filter(segment.kudos_q(), created_at__gte=since).count()
