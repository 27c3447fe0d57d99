"""The answer counts behind the feedback page (heedful/feedback/rollups.py) and the
dimensions copied onto the answers: the page computes from them exactly what it computes
by scanning every answer (joining organizations, tickets and credits), around every
period edge, in three time zones, with single and combined filters; and every write that
moves a rating moves them."""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from django.http import QueryDict
from django.utils import timezone

from heedful.accounts.actions import do_create_team
from heedful.accounts.models import Team, User
from heedful.customers.actions import do_update_organization
from heedful.customers.models import Contact, Organization
from heedful.feedback import rollups
from heedful.feedback.actions import credit_agents, do_answer
from heedful.feedback.models import (
    AgentCredit,
    DailyScore,
    MonthlyCustomerScore,
    RequestState,
    Response,
    SurveyRequest,
)
from heedful.feedback.segments import Choices, parse_segment
from heedful.feedback.surveys import EFFORT, RATING, csat_survey, nps_survey
from heedful.feedback.tallies import Tallies, load_tallies, scan_tallies
from heedful.feedback.topics_cli import cmd_rollups
from heedful.tickets.actions import do_add_message, do_change_team
from heedful.tickets.models import Channel, Ticket

QUERIES = (
    "", "plan=enterprise", "segment=smb", "team=Support", "channel=email", "agent=alice",
    "plan=starter&agent=bob", "team=Billing&channel=web", "plan=starter&team=Billing",
    "segment=large&channel=email&agent=alice",
    "plan=starter&segment=smb&team=Support&channel=email&agent=alice",
)  # fmt: skip
COMBINED = tuple(query for query in QUERIES if "&" in query)


def as_plain(tallies: Tallies) -> tuple[dict[Any, Any], ...]:
    def clean(counts: Counter[Any]) -> dict[Any, int]:
        return {k: n for k, n in counts.items() if n}

    totals = {k: clean(c) for k, c in tallies.totals.items() if clean(c)}
    buckets = {
        (m, d): clean(c) for m, days in tallies.buckets.items() for d, c in days.items() if clean(c)
    }
    customers = {m: clean(c) for m, c in tallies.customers.items() if clean(c)}
    return totals, buckets, customers


def rows_of(model: type[DailyScore] | type[MonthlyCustomerScore]) -> set[tuple[Any, ...]]:
    key = rollups.DAY_KEY if model is DailyScore else rollups.MONTH_KEY
    return set(model.objects.exclude(answers=0).values_list(*key, "answers"))


def copied_dimensions() -> set[tuple[Any, ...]]:
    return set(
        Response.objects.values_list(
            "pk", "organization_plan", "organization_segment", "ticket_team", "ticket_channel"
        )
    )


def joined_dimensions() -> set[tuple[Any, ...]]:
    rows = Response.objects.values_list(
        "pk", "organization__plan", "organization__segment", "ticket__team", "ticket__channel"
    )
    return {(pk, p or "", s or "", t, c or "") for pk, p, s, t, c in rows}


class Desk:
    """Tickets of several teams and channels, customers with and without organization."""

    def __init__(self, alice: User, bob: User, support: Team, make_ticket: Any) -> None:
        billing = do_create_team("Billing")
        small = Organization.objects.create(name="Small Co", plan="starter", segment="smb")
        big = Organization.objects.create(name="Big Co", plan="enterprise", segment="large")
        self.contacts = [
            Contact.objects.create(name="Sam", email="sam@small.test", organization=small),
            Contact.objects.create(name="Bea", email="bea@big.test", organization=big),
            Contact.objects.create(name="Lone", email="lone@home.test"),
        ]
        self.tickets: list[Ticket] = []
        self.repliers: dict[int, tuple[User, ...]] = {}
        for n in range(9):
            person = self.contacts[n % 3]
            ticket = make_ticket(
                requester=person, actor=person, team=(support, billing, None)[n % 3],
                channel=(Channel.EMAIL, Channel.WEB, Channel.PORTAL)[n % 4 % 3],
            )  # fmt: skip
            self.repliers[ticket.pk] = ((alice,), (bob,), (alice, bob), ())[n % 4]
            for agent in self.repliers[ticket.pk]:
                do_add_message(ticket, author=agent, body_text="Done.")
            self.tickets.append(ticket)
        self.billing = billing


def answer(desk: Desk, rng: random.Random, now: datetime) -> SurveyRequest:
    """One answer through the actions (the counts and copied dimensions kept live)."""
    ticket = rng.choice([*desk.tickets, None])
    contact = ticket.requester if ticket else rng.choice(desk.contacts)
    survey = csat_survey() if ticket else nps_survey()
    request = SurveyRequest.objects.create(
        survey=survey, contact=contact, organization=contact.organization, ticket=ticket,
        state=RequestState.SENT, due_at=now, sent_at=now,
    )  # fmt: skip
    if ticket:
        credit_agents(request)
        answers: dict[str, str | int] = {RATING: rng.randint(1, 5)}
        if rng.random() < 0.6:
            answers[EFFORT] = rng.randint(1, 7)
        do_answer(request, answers)
    else:
        do_answer(request, {RATING: rng.randint(0, 10)})
    when = now - timedelta(days=rng.uniform(0, 800), hours=rng.uniform(0, 23))
    rated = Response.objects.filter(request=request)
    with rollups.restate(rated):
        rated.update(created_at=when, updated_at=when)
    return request


def write_answers(desk: Desk, rng: random.Random, times: list[datetime]) -> None:
    """One answer at each of ``times``, written in bulk (cheap on every database), with
    the credits of the ticket's repliers; counted by :func:`rollups.rebuild`."""
    csat, nps = csat_survey().questions, nps_survey().questions
    questions = {"csat": csat.get(key=RATING), "ces": csat.get(key=EFFORT)}
    questions["nps"] = nps.get(key=RATING)
    pairs = []
    for at in times:
        ticket = rng.choice([*desk.tickets, None])
        contact = ticket.requester if ticket else rng.choice(desk.contacts)
        metric = rng.choice(["csat", "ces"]) if ticket else "nps"
        request = SurveyRequest(
            survey=questions[metric].survey, contact=contact, ticket=ticket,
            organization=contact.organization, state=RequestState.ANSWERED, due_at=at,
        )  # fmt: skip
        rating = rng.randint(*{"csat": (1, 5), "ces": (1, 7), "nps": (0, 10)}[metric])
        pairs.append((request, Response(
            request=request, question=questions[metric], metric=metric, contact=contact,
            organization=contact.organization, ticket=ticket, rating=rating, created_at=at,
        )))  # fmt: skip
    SurveyRequest.objects.bulk_create([request for request, _ in pairs])
    credits = [
        AgentCredit(request=request, agent=agent, replies=1, weight=1)
        for request, _ in pairs
        if request.ticket
        for agent in desk.repliers[request.ticket.pk]
    ]
    AgentCredit.objects.bulk_create(credits)
    for request, response in pairs:
        response.request = request
    Response.objects.bulk_create([response for _, response in pairs])


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def edges(at: datetime, days: int) -> list[datetime]:
    """Where the page switches from answers to counts: the period starts, the local
    midnights around them and the first of the month, each computed here on its own."""
    since = at - timedelta(days=days)
    previous = since - timedelta(days=days)
    day, previous_day = timezone.localtime(since).date(), timezone.localtime(previous).date()
    month = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    points = [
        since, previous, local_midnight(day), local_midnight(day + timedelta(days=1)),
        local_midnight(previous_day + timedelta(days=1)), local_midnight(month),
    ]  # fmt: skip
    offsets = (timedelta(hours=-6), timedelta(seconds=-1), timedelta(0), timedelta(hours=6))
    return [point + offset for point in points for offset in offsets]


@pytest.fixture
def desk(alice: User, bob: User, support: Team, make_ticket: Callable[..., Ticket]) -> Desk:
    return Desk(alice, bob, support, make_ticket)


def assert_same_as_scan(at: datetime, days: int, queries: tuple[str, ...]) -> None:
    choices = Choices.load()
    since = at - timedelta(days=days)
    kwargs = {"previous_since": since - timedelta(days=days), "since": since, "now": at}
    for query in queries:
        segment = parse_segment(QueryDict(query), choices)
        expected = as_plain(scan_tallies(**kwargs, segment=segment))
        assert as_plain(load_tallies(**kwargs, segment=segment)) == expected, (at, days, query)
        if query in ("", "plan=starter&agent=bob"):
            assert len(expected[0]) >= 4  # the data is not trivially empty


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_it_computes_what_the_scan_of_every_answer_computes(
    settings: Any, desk: Desk, zone: str
) -> None:
    settings.TIME_ZONE = zone
    rng, now = random.Random(zone), timezone.now()
    # Two "now"s: 30 days after 02:00 on the first of last month (the current period
    # starts two hours into a month), and today's local midnight; in UTC, as the page
    # gets them (timezone.now()).
    first = (timezone.localdate(now).replace(day=1) - timedelta(days=1)).replace(day=1)
    ats = [
        (local_midnight(first) + timedelta(days=30, hours=2)).astimezone(UTC),
        local_midnight(timezone.localdate(now)).astimezone(UTC),
    ]
    periods = [(at, days) for at in ats for days in (30, 365)]
    times = [t for at, days in periods for t in edges(at, days)]
    times += [now - timedelta(days=rng.uniform(0, 800)) for _ in range(60)]
    write_answers(desk, rng, times)
    assert rollups.rebuild() == len(times)
    assert copied_dimensions() == joined_dimensions()
    for at, days in periods:
        assert_same_as_scan(at, days, QUERIES)


def test_the_actions_keep_the_counts_and_the_copied_dimensions(
    settings: Any, desk: Desk, alice: User
) -> None:
    settings.TIME_ZONE = "Asia/Kolkata"
    rng, now = random.Random(1), timezone.now()
    requests = [answer(desk, rng, now) for _ in range(16)]
    for request in rng.sample(requests, 4):  # changed answers
        do_answer(request, {RATING: 1 if request.ticket_id else 10})
    do_change_team(desk.tickets[0], desk.billing, actor=alice)
    small = desk.contacts[0].organization
    assert small is not None
    do_update_organization(small, actor=alice, plan="enterprise", segment="large")
    assert copied_dimensions() == joined_dimensions()
    assert_same_as_scan(now, 365, COMBINED)
    counted = rows_of(DailyScore), rows_of(MonthlyCustomerScore)
    assert rollups.rebuild() == Response.objects.filter(rating__isnull=False).count()
    assert (rows_of(DailyScore), rows_of(MonthlyCustomerScore)) == counted


def counted(model: type[DailyScore] | type[MonthlyCustomerScore]) -> set[tuple[Any, ...]]:
    """(dimension, value, rating, answers) of the rows that count something."""
    rows = model.objects.exclude(answers=0)
    return set(rows.values_list("dimension", "value", "rating", "answers"))


def test_it_moves_the_counts_when_an_answer_changes(desk: Desk) -> None:
    now = timezone.now()
    ticket = desk.tickets[1]  # Big Co (enterprise, large), Billing, web; Bob replied
    request = SurveyRequest.objects.create(
        survey=csat_survey(), contact=ticket.requester, organization=ticket.organization,
        ticket=ticket, state=RequestState.SENT, due_at=now, sent_at=now,
    )  # fmt: skip
    credit_agents(request)
    do_answer(request, {RATING: 2})
    bob, billing = str(request.credits.get().agent_id), str(desk.billing.pk)
    keys = {
        ("", ""), ("plan", "enterprise"), ("segment", "large"), ("team", billing),
        ("channel", "web"), ("agent", bob),
    }  # fmt: skip
    assert counted(DailyScore) == {(d, v, 2, 1) for d, v in keys}
    assert set(DailyScore.objects.values_list("day", flat=True)) == {timezone.localdate(now)}
    do_answer(request, {RATING: 5})
    assert counted(DailyScore) == {(d, v, 5, 1) for d, v in keys}
    assert counted(MonthlyCustomerScore) == {(d, v, 5, 1) for d, v in keys}
    customers = MonthlyCustomerScore.objects.values_list("organization_id", "contact_id")
    assert set(customers) == {(ticket.organization_id, 0)}


def test_it_moves_the_counts_when_the_ticket_changes_team(
    desk: Desk, alice: User, support: Team
) -> None:
    ticket = desk.tickets[1]
    now = timezone.now()
    request = SurveyRequest.objects.create(
        survey=csat_survey(), contact=ticket.requester, organization=ticket.organization,
        ticket=ticket, state=RequestState.SENT, due_at=now, sent_at=now,
    )  # fmt: skip
    do_answer(request, {RATING: 4})
    teams = DailyScore.objects.filter(dimension="team", answers__gt=0)
    assert list(teams.values_list("value", flat=True)) == [str(desk.billing.pk)]
    assert Response.objects.get().ticket_team_id == desk.billing.pk
    do_change_team(ticket, support, actor=alice)
    assert list(teams.values_list("value", flat=True)) == [str(support.pk)]
    assert DailyScore.objects.get(dimension="", value="").answers == 1
    assert Response.objects.get().ticket_team_id == support.pk


def test_it_moves_the_counts_when_an_organization_changes_plan(desk: Desk, alice: User) -> None:
    now = timezone.now()
    sam = desk.contacts[0]
    request = SurveyRequest.objects.create(
        survey=nps_survey(), contact=sam, organization=sam.organization,
        state=RequestState.SENT, due_at=now, sent_at=now,
    )  # fmt: skip
    do_answer(request, {RATING: 9})
    organization = sam.organization
    assert organization is not None
    do_update_organization(organization, actor=alice, plan="enterprise", segment="large")
    expected = {("", "", 9, 1), ("plan", "enterprise", 9, 1), ("segment", "large", 9, 1)}
    assert counted(DailyScore) == expected
    assert counted(MonthlyCustomerScore) == expected
    copied = Response.objects.values_list("organization_plan", "organization_segment")
    assert list(copied) == [("enterprise", "large")]


def test_the_command_counts_again_what_was_written_around_the_actions(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    rng, now = random.Random(2), timezone.now()
    for _ in range(5):
        answer(desk, rng, now)
    Response.objects.filter(rating__isnull=False).update(rating=1)  # behind the counts' back
    assert cmd_rollups(argparse.Namespace()) == 0
    rated = Response.objects.filter(rating__isnull=False).count()
    assert json.loads(capsys.readouterr().out)["answers"] == rated
    every = DailyScore.objects.filter(dimension="", answers__gt=0)
    assert set(every.values_list("rating", flat=True)) == {1}
    assert sum(every.values_list("answers", flat=True)) == rated
