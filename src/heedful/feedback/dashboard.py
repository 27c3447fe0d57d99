"""The figures of the agents' feedback page, each from heedful.lib.feedback_stats.

Scores are computed from counts of the responses of the period and of the period before
it, each marked in or out of the selected segment, counted by the database (two GROUP BY
queries, see load_tallies); a customer is an organization, or the contact alone when it
has none.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.conf import settings
from django.db.models import BooleanField, Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from heedful.customers.models import Organization
from heedful.feedback.models import FollowUpState, FollowUpTask, Kudos, QuestionMetric, Response
from heedful.feedback.segments import Segment
from heedful.feedback.trends import (
    MONTHLY_FROM_DAYS,
    bucket_starts,
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


@dataclass
class Tallies:
    """How many answers of each rating, counted by the database (GROUP BY), so the page
    reads a few hundred rows whatever the number of answers."""

    # (metric, in the current period, in the segment) -> rating -> answers
    totals: dict[tuple[Metric, bool, bool], Counter[int]] = field(default_factory=dict)
    # metric -> first day of the week or month -> rating -> answers (current, segment)
    buckets: dict[Metric, dict[date, Counter[int]]] = field(default_factory=dict)
    # metric -> (customer, rating) -> answers (current, segment), for the distinct view
    customers: dict[Metric, Counter[tuple[Hashable, int]]] = field(default_factory=dict)

    def ratings(self, metric: Metric, *, current: bool, in_segment: bool) -> list[int]:
        return list(self.totals.get((metric, current, in_segment), Counter()).elements())

    def by_customer(self, metric: Metric) -> list[tuple[Hashable, int]]:
        return list(self.customers.get(metric, Counter()).elements())


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


def _customer(organization_id: int | None, contact_id: int) -> Hashable:
    return ("org", organization_id) if organization_id is not None else ("contact", contact_id)


def _ratings(since: datetime) -> QuerySet[Response]:
    return Response.objects.filter(
        created_at__gte=since,
        metric__in=[QuestionMetric.CSAT, QuestionMetric.CES, QuestionMetric.NPS],
        rating__isnull=False,
    )


def _flag(condition: Q) -> Case:
    return Case(
        When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


def load_tallies(
    *, previous_since: datetime, since: datetime, now: datetime, segment: Segment
) -> Tallies:
    """Two GROUP BY queries: counts per rating, period, segment and week (or month), and
    counts per customer and rating for the distinct view."""
    starts = bucket_starts(since, now, (now - since).days >= MONTHLY_FROM_DAYS)
    # Plain comparisons with each bucket's first instant, latest first: native SQL on
    # every backend (SQLite's TruncWeek is a Python function called for every row).
    firsts = [timezone.make_aware(datetime.combine(day, time.min)) for day in starts]
    bucket = Case(
        *[
            When(created_at__gte=first, then=Value(i))
            for i, first in reversed(list(enumerate(firsts)))
        ],
        default=Value(-1),
        output_field=IntegerField(),
    )
    in_segment: Value | Case = Value(True, output_field=BooleanField())
    if not segment.is_everyone:
        in_segment = _flag(segment.q())
    grouped = (
        _ratings(previous_since)
        .annotate(in_segment=in_segment, current=_flag(Q(created_at__gte=since)), bucket=bucket)
        .values("metric", "rating", "in_segment", "current", "bucket")
        .order_by()
        .annotate(n=Count("id"))
    )
    tallies = Tallies()
    for row in grouped:
        metric, key = Metric(row["metric"]), (bool(row["current"]), bool(row["in_segment"]))
        tallies.totals.setdefault((metric, *key), Counter())[row["rating"]] += row["n"]
        if key == (True, True) and row["bucket"] >= 0:
            day = starts[row["bucket"]]
            tallies.buckets.setdefault(metric, {}).setdefault(day, Counter())[row["rating"]] += row[
                "n"
            ]
    per_customer = (
        _ratings(since)
        .filter(segment.q())
        .annotate(
            lone_contact=Case(
                When(organization_id__isnull=True, then=F("contact_id")), default=None
            )
        )
        .values("metric", "rating", "organization_id", "lone_contact")
        .order_by()
        .annotate(n=Count("id"))
    )
    for row in per_customer:
        customer = _customer(row["organization_id"], row["lone_contact"])
        counts = tallies.customers.setdefault(Metric(row["metric"]), Counter())
        counts[(customer, row["rating"])] += row["n"]
    return tallies


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
