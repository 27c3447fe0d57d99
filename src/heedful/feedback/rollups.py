"""Answer counts behind the feedback page: per local day (DailyScore) and per local month
and customer (MonthlyCustomerScore), of every answer and of each filter value (plan,
segment, team, channel, credited agent). They are exact counts, so the page sums a few
thousand rows instead of scanning every answer and shows the same figures
(heedful/feedback/tallies.py).

Kept in the transaction of every write that moves a rating:

- :func:`restate` around an answer saved or changed (heedful.feedback.actions);
- :func:`restate_ticket_team` when a ticket moves to another team (its ticket event);
- :func:`restate_organization` when an organization's plan or segment changes (to be
  called by heedful.customers.actions.do_update_organization);

The same writes copy the organization's plan and segment and the ticket's team and
channel onto the answers (:func:`stamp_dimensions`): combined filters group the answers
themselves (heedful/feedback/tallies.py).

Both are rebuilt from the answers by ``heedful feedback rollups`` (:func:`rebuild`):
after writing answers in bulk, changing TIME_ZONE, or deleting contacts, organizations
or tickets that have answers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from itertools import islice
from typing import Any

from django.db import connection, transaction
from django.db.models import Model, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from heedful.feedback.models import (
    AgentCredit,
    DailyScore,
    MonthlyCustomerScore,
    QuestionMetric,
    Response,
    ScoreDimension,
)

RATED = (QuestionMetric.CSAT, QuestionMetric.CES, QuestionMetric.NPS)
CHUNK = 2000
DAY_KEY = ("dimension", "value", "day", "metric", "rating")
MONTH_KEY = (
    "dimension", "value", "month", "metric", "rating", "organization_id", "contact_id",
)  # fmt: skip
_FIELDS = (
    "request_id", "metric", "rating", "created_at", "organization_id", "contact_id",
    "organization__plan", "organization__segment", "ticket__team_id", "ticket__channel",
)  # fmt: skip


@dataclass(frozen=True)
class RatedAnswer:
    """One rating with the keys it is counted under."""

    metric: str
    rating: int
    day: date
    organization_id: int
    contact_id: int
    plan: str
    segment: str
    team_id: int
    channel: str
    agent_ids: tuple[int, ...]

    def dimensions(self) -> list[tuple[str, str]]:
        """Every answer, and each filter value it has (ScoreDimension)."""
        values = [
            (ScoreDimension.PLAN, self.plan), (ScoreDimension.SEGMENT, self.segment),
            (ScoreDimension.TEAM, str(self.team_id) if self.team_id else ""),
            (ScoreDimension.CHANNEL, self.channel),
        ]  # fmt: skip
        agents = [(ScoreDimension.AGENT, str(agent_id)) for agent_id in self.agent_ids]
        return [("", ""), *((str(d), v) for d, v in values if v), *((str(d), v) for d, v in agents)]


@dataclass
class Counts:
    days: Counter[tuple[Any, ...]] = field(default_factory=Counter)
    months: Counter[tuple[Any, ...]] = field(default_factory=Counter)

    def add(self, a: RatedAnswer) -> None:
        month = a.day.replace(day=1)
        lone_contact = a.contact_id if not a.organization_id else 0
        for dimension, value in a.dimensions():
            self.days[(dimension, value, a.day, a.metric, a.rating)] += 1
            self.months[
                (dimension, value, month, a.metric, a.rating, a.organization_id, lone_contact)
            ] += 1

    def minus(self, other: Counts) -> Counts:
        days, months = Counter(self.days), Counter(self.months)
        days.subtract(other.days)
        months.subtract(other.months)
        return Counts(days, months)


def stamp_dimensions(
    responses: QuerySet[Any], organization: type[Model] | None = None,
    ticket: type[Model] | None = None,
) -> int:  # fmt: skip
    """Copy the current plan, segment, team and channel onto ``responses`` (one UPDATE;
    a migration passes its historical models)."""
    from heedful.customers.models import Organization
    from heedful.tickets.models import Ticket

    orgs = (organization or Organization)._default_manager.filter(pk=OuterRef("organization_id"))
    tickets = (ticket or Ticket)._default_manager.filter(pk=OuterRef("ticket_id"))

    def copied(rows: QuerySet[Any], name: str) -> Coalesce:
        return Coalesce(Subquery(rows.values(name)[:1]), Value(""))

    return responses.update(
        organization_plan=copied(orgs, "plan"), organization_segment=copied(orgs, "segment"),
        ticket_team_id=Subquery(tickets.values("team_id")[:1]),
        ticket_channel=copied(tickets, "channel"),
    )  # fmt: skip


def local_day(at: datetime) -> date:
    return timezone.localtime(at).date()


def rated_answers(
    responses: QuerySet[Any], credits: QuerySet[Any] | None = None
) -> Iterator[RatedAnswer]:
    """The ratings among ``responses`` (a migration passes its historical models)."""
    all_credits = AgentCredit.objects.all() if credits is None else credits
    rows = (
        responses.filter(metric__in=RATED, rating__isnull=False)
        .order_by()
        .values_list(*_FIELDS)
        .iterator(chunk_size=CHUNK)
    )
    while chunk := list(islice(rows, CHUNK)):
        by_request: dict[int, list[int]] = {}
        pairs = all_credits.filter(request_id__in={row[0] for row in chunk})
        for request_id, agent_id in pairs.order_by("agent_id").values_list("request_id", "agent"):
            by_request.setdefault(request_id, []).append(agent_id)
        for request_id, metric, rating, at, org, contact, plan, segment, team, channel in chunk:
            yield RatedAnswer(
                metric, rating, local_day(at), org or 0, contact, plan or "", segment or "",
                team or 0, channel or "", tuple(by_request.get(request_id, ())),
            )  # fmt: skip


def counts_of(responses: QuerySet[Response], **overrides: Any) -> Counts:
    """The rows these answers add; ``overrides`` replace keys (a team before a move)."""
    counts = Counts()
    for answer in rated_answers(responses):
        counts.add(replace(answer, **overrides) if overrides else answer)
    return counts


def _upsert(model: type[Model], key: tuple[str, ...], counts: Counter[tuple[Any, ...]]) -> None:
    # In key order, so two answers written at once lock their rows in the same order
    # (no deadlock on PostgreSQL).
    rows = [(*k, n) for k, n in sorted(counts.items()) if n]
    if not rows:
        return
    ops, table = connection.ops, connection.ops.quote_name(model._meta.db_table)
    columns = [ops.quote_name(c) for c in key]
    # Dates as each backend stores them (text on SQLite); the other keys are plain.
    at = key.index("day" if "day" in key else "month")
    params = [(*r[:at], ops.adapt_datefield_value(r[at]), *r[at + 1 :]) for r in rows]
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}, answers) "
        f"VALUES ({', '.join(['%s'] * (len(key) + 1))}) "
        f"ON CONFLICT ({', '.join(columns)}) "
        f"DO UPDATE SET answers = {table}.answers + excluded.answers"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def apply(delta: Counts) -> None:
    """Add (or, negative, take away) counts; call inside the writing transaction."""
    _upsert(DailyScore, DAY_KEY, delta.days)
    _upsert(MonthlyCustomerScore, MONTH_KEY, delta.months)


@contextmanager
def restate(responses: QuerySet[Response]) -> Iterator[None]:
    """Count ``responses`` before and after the block and apply the difference."""
    before = counts_of(responses)
    yield
    apply(counts_of(responses).minus(before))


def restate_ticket_team(ticket_id: int, team_before: int | None) -> None:
    """The ticket's answers were counted under its old team; count them under its new one."""
    answers = Response.objects.filter(ticket_id=ticket_id)
    apply(counts_of(answers).minus(counts_of(answers, team_id=team_before or 0)))
    stamp_dimensions(answers)


def restate_organization(organization_id: int, plan_before: str, segment_before: str) -> None:
    """Call after saving an organization whose plan or segment changed."""
    answers = Response.objects.filter(organization_id=organization_id)
    before = counts_of(answers, plan=plan_before, segment=segment_before)
    apply(counts_of(answers).minus(before))
    stamp_dimensions(answers)


@transaction.atomic
def rebuild() -> int:
    """Copy the dimensions onto every answer again and count every rating again;
    returns how many were counted."""
    stamp_dimensions(Response.objects.all())
    return rebuild_with(Response, AgentCredit, DailyScore, MonthlyCustomerScore)


def rebuild_with(
    response: type[Model], credit: type[Model], daily: type[Model], monthly: type[Model]
) -> int:
    """:func:`rebuild` with the given models (a migration passes its historical ones)."""
    daily._default_manager.all().delete()
    monthly._default_manager.all().delete()
    counts, answers = Counts(), 0
    for answer in rated_answers(response._default_manager.all(), credit._default_manager.all()):
        counts.add(answer)
        answers += 1
    daily._default_manager.bulk_create(
        [daily(**dict(zip(DAY_KEY, k, strict=True)), answers=n) for k, n in counts.days.items()],
        batch_size=CHUNK,
    )
    monthly._default_manager.bulk_create(
        [
            monthly(**dict(zip(MONTH_KEY, k, strict=True)), answers=n)
            for k, n in counts.months.items()
        ],
        batch_size=CHUNK,
    )
    return answers
