"""What the feedback page's figures are computed from: answers per rating, period, segment
and week (or month), and per customer and rating for the distinct view (:class:`Tallies`).

:func:`load_tallies` sums the answer counts (heedful/feedback/rollups.py): whole local
days (and months, for the customers) come from the counts; only the partial day at the
start of the previous period, the day the current period starts and the partial month
at its start are read from the answers. Combined filters (plan *and* team...), which no
counts hold, group the segment's own answers on the dimensions copied onto them
(:func:`_combined_tallies`). :func:`scan_tallies` groups every answer, joining the
organizations, tickets and credits: the reference both must match
(tests/feedback/test_dashboard_counts.py).
A customer is an organization, or the contact alone when it has none.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    Count,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from heedful.feedback.models import DailyScore, MonthlyCustomerScore, QuestionMetric, Response
from heedful.feedback.segments import Segment
from heedful.feedback.topics import customer_key
from heedful.feedback.trends import MONTHLY_FROM_DAYS, bucket_starts
from heedful.lib.feedback_stats import Metric


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

    def add(self, row: dict[str, Any], starts: list[date], *, in_segment: bool) -> None:
        """One grouped row: metric, rating, current, bucket and n (negative: taken away)."""
        metric, current, n = Metric(row["metric"]), bool(row["current"]), row["n"]
        self.totals.setdefault((metric, current, in_segment), Counter())[row["rating"]] += n
        if current and in_segment and row["bucket"] >= 0:
            days = self.buckets.setdefault(metric, {})
            days.setdefault(starts[row["bucket"]], Counter())[row["rating"]] += n

    def add_customer(self, metric: str, customer: Hashable, rating: int, n: int) -> None:
        self.customers.setdefault(Metric(metric), Counter())[(customer, rating)] += n

    def drop_empty(self) -> None:
        """Counts that went to zero (a changed answer) are no answers at all."""
        counters: list[Counter[Any]] = [*self.totals.values(), *self.customers.values()]
        counters += [c for days in self.buckets.values() for c in days.values()]
        for counts in counters:
            for key in [k for k, n in counts.items() if n <= 0]:
                del counts[key]


def rated_since(since: datetime) -> QuerySet[Response]:
    return Response.objects.filter(
        created_at__gte=since,
        metric__in=[QuestionMetric.CSAT, QuestionMetric.CES, QuestionMetric.NPS],
        rating__isnull=False,
    )


def _flag(condition: Q) -> Case:
    return Case(
        When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


def _latest_first(field_name: str, firsts: Sequence[date | datetime]) -> Case:
    """The index of the last bucket whose first day (or instant) is at or before the
    row's, -1 before the first: plain comparisons, native SQL on every backend
    (SQLite's TruncWeek is a Python function called for every row)."""
    whens = [
        When(**{f"{field_name}__gte": first}, then=Value(i))
        for i, first in reversed(list(enumerate(firsts)))
    ]
    return Case(*whens, default=Value(-1), output_field=IntegerField())


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _starts(since: datetime, now: datetime) -> list[date]:
    return bucket_starts(since, now, (now - since).days >= MONTHLY_FROM_DAYS)


# -- from the answers ------------------------------------------------------------------


def _grouped(
    answers: QuerySet[Response], since: datetime, starts: list[date], in_segment: Q | None = None
) -> QuerySet[Any]:
    # COUNT(*), not COUNT(id): PostgreSQL can then answer from the index alone.
    flag = _flag(in_segment) if in_segment else Value(True, output_field=BooleanField())
    return (
        answers.annotate(
            in_segment=flag,
            current=_flag(Q(created_at__gte=since)),
            bucket=_latest_first("created_at", [_local_midnight(day) for day in starts]),
        )
        .values("metric", "rating", "in_segment", "current", "bucket")
        .order_by()
        .annotate(n=Count("*"))
    )


def _add_answers(
    tallies: Tallies, answers: QuerySet[Response], since: datetime, starts: list[date],
    segment: Segment,
) -> None:  # fmt: skip
    in_segment = None if segment.is_everyone else segment.q()
    for row in _grouped(answers, since, starts, in_segment):
        tallies.add(row, starts, in_segment=bool(row["in_segment"]))


def _add_answer_customers(tallies: Tallies, answers: QuerySet[Response]) -> None:
    lone_contact = Case(
        When(organization_id__isnull=True, then=F("contact_id")),
        default=Value(0),
        output_field=BigIntegerField(),
    )
    grouped = (
        answers.annotate(lone_contact=lone_contact)
        .values("metric", "rating", "organization_id", "lone_contact")
        .order_by()
        .annotate(n=Count("*"))
    )
    for r in grouped:
        customer = customer_key(r["organization_id"], r["lone_contact"])
        tallies.add_customer(r["metric"], customer, r["rating"], r["n"])


def scan_tallies(
    *, previous_since: datetime, since: datetime, now: datetime, segment: Segment
) -> Tallies:
    """Every answer of the two periods, grouped (two queries)."""
    tallies, starts = Tallies(), _starts(since, now)
    _add_answers(tallies, rated_since(previous_since), since, starts, segment)
    _add_answer_customers(tallies, rated_since(since).filter(segment.q()))
    return tallies


# -- from the counts -------------------------------------------------------------------


def _midnight_at_or_after(at: datetime) -> datetime:
    start = _local_midnight(timezone.localtime(at).date())
    return start if start == at else _local_midnight(start.date() + timedelta(days=1))


def _month_at_or_after(at: datetime) -> datetime:
    day = timezone.localtime(at).date()
    start = _local_midnight(day.replace(day=1))
    if start == at:
        return start
    return _local_midnight((day.replace(day=28) + timedelta(days=4)).replace(day=1))


@dataclass(frozen=True)
class Windows:
    """Where the counts stop: they hold whole local days (and months); the answers of
    the partial days at the edges are read one by one."""

    previous_since: datetime
    since: datetime
    previous_day_one: datetime  # the first midnight at or after previous_since
    since_day: datetime  # the midnight at or before since
    current_day_one: datetime  # the first midnight at or after since
    current_month_one: datetime  # the first month start at or after since

    @classmethod
    def of(cls, previous_since: datetime, since: datetime) -> Windows:
        return cls(
            previous_since, since, _midnight_at_or_after(previous_since),
            _local_midnight(timezone.localtime(since).date()), _midnight_at_or_after(since),
            _month_at_or_after(since),
        )  # fmt: skip

    def partial_days(self) -> list[tuple[datetime, datetime]]:
        """Each a range of its own: one index range scan each (an OR of both made SQLite
        read every answer of the two periods)."""
        return [
            (self.previous_since, self.previous_day_one),
            (self.since_day, self.current_day_one),
        ]

    def whole_days(self) -> Q:
        condition = Q(day__gte=timezone.localtime(self.previous_day_one).date())
        if self.since_day != self.current_day_one:
            condition &= ~Q(day=timezone.localtime(self.since_day).date())
        return condition

    def first_current_day(self) -> date:
        return timezone.localtime(self.current_day_one).date()

    def first_whole_month(self) -> date:
        return timezone.localtime(self.current_month_one).date()


def _counted(windows: Windows, starts: list[date], key: tuple[str, str]) -> QuerySet[Any]:
    bucket: Value | Case = _latest_first("day", starts) if starts else Value(-1)
    return (
        DailyScore.objects.filter(windows.whole_days(), dimension=key[0], value=key[1])
        .annotate(current=_flag(Q(day__gte=windows.first_current_day())), bucket=bucket)
        .values("metric", "rating", "current", "bucket")
        .order_by()
        .annotate(n=Sum("answers"))
    )


def _add_counted_customers(tallies: Tallies, windows: Windows, key: tuple[str, str]) -> None:
    grouped = (
        MonthlyCustomerScore.objects.filter(
            dimension=key[0], value=key[1], month__gte=windows.first_whole_month()
        )
        .values("metric", "rating", "organization_id", "contact_id")
        .order_by()
        .annotate(n=Sum("answers"))
    )
    for r in grouped:
        customer = customer_key(r["organization_id"] or None, r["contact_id"])
        tallies.add_customer(r["metric"], customer, r["rating"], r["n"])


def load_tallies(
    *, previous_since: datetime, since: datetime, now: datetime, segment: Segment
) -> Tallies:
    """The tallies of the page: five GROUP BY queries (seven with a filter), reading the
    answers of about two days and one month whatever the period."""
    key = segment.counts_key()
    if key is None:
        return _combined_tallies(previous_since, since, now, segment)
    tallies, starts, windows = Tallies(), _starts(since, now), Windows.of(previous_since, since)
    for start, end in windows.partial_days():
        _add_answers(tallies, rated_since(start).filter(created_at__lt=end), since, starts, segment)
    for row in _counted(windows, starts, key):
        tallies.add(row, starts, in_segment=True)
    if not segment.is_everyone:
        # Everyone else: every answer minus the segment's.
        for row in _counted(windows, [], ("", "")):
            tallies.add(row, starts, in_segment=False)
        for row in _counted(windows, [], key):
            tallies.add({**row, "n": -row["n"]}, starts, in_segment=False)
    month = rated_since(since).filter(segment.q(), created_at__lt=windows.current_month_one)
    _add_answer_customers(tallies, month)
    _add_counted_customers(tallies, windows, key)
    tallies.drop_empty()
    return tallies


# -- combined filters ------------------------------------------------------------------


def _combined_tallies(
    previous_since: datetime, since: datetime, now: datetime, segment: Segment
) -> Tallies:
    """Filters combined (plan *and* team...): no counts hold them, so the database groups
    the segment's answers on the dimensions copied onto them, along one covering index
    (feedback_response_dims_idx, no join); everyone else is every answer (the counts, as
    for no filter) minus the segment's. Four GROUP BY queries."""
    tallies, starts, windows = Tallies(), _starts(since, now), Windows.of(previous_since, since)
    chosen = segment.answer_q()
    for row in _grouped(rated_since(previous_since).filter(chosen), since, starts):
        tallies.add(row, starts, in_segment=True)
    everyone = Tallies()
    for start, end in windows.partial_days():
        for row in _grouped(rated_since(start).filter(created_at__lt=end), since, []):
            everyone.add(row, [], in_segment=False)
    for row in _counted(windows, [], ("", "")):
        everyone.add(row, [], in_segment=False)
    for (metric, current, _), counts in everyone.totals.items():
        rest = Counter(counts)
        rest.subtract(tallies.totals.get((metric, current, True), Counter()))
        tallies.totals[(metric, current, False)] = rest
    _add_answer_customers(tallies, rated_since(since).filter(chosen))
    tallies.drop_empty()
    return tallies
