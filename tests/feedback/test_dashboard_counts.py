"""The answer counts behind the feedback page (heedful/feedback/rollups.py): the page
computes from them exactly what it computed by scanning every answer, on varied data,
time zones, periods and filters; and every write that moves a rating moves them."""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
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
    "plan=starter&agent=bob", "team=Billing&channel=web",
)  # fmt: skip


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
        for n in range(9):
            person = self.contacts[n % 3]
            ticket = make_ticket(
                requester=person, actor=person, team=(support, billing, None)[n % 3],
                channel=(Channel.EMAIL, Channel.WEB, Channel.PORTAL)[n % 4 % 3],
            )  # fmt: skip
            for agent in ((alice,), (bob,), (alice, bob), ())[n % 4]:
                do_add_message(ticket, author=agent, body_text="Done.")
            self.tickets.append(ticket)
        self.billing = billing


def answer(desk: Desk, rng: random.Random, now: datetime) -> SurveyRequest:
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


@pytest.fixture
def desk(alice: User, bob: User, support: Team, make_ticket: Callable[..., Ticket]) -> Desk:
    return Desk(alice, bob, support, make_ticket)


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_it_computes_what_the_scan_of_every_answer_computes(
    settings: Any, desk: Desk, alice: User, zone: str
) -> None:
    settings.TIME_ZONE = zone
    rng, now = random.Random(zone), timezone.now()
    requests = [answer(desk, rng, now) for _ in range(160)]
    for request in rng.sample(requests, 25):  # changed answers
        do_answer(request, {RATING: 1 if request.ticket_id else 10})
    do_change_team(desk.tickets[0], desk.billing, actor=alice)
    counted = rows_of(DailyScore), rows_of(MonthlyCustomerScore)
    assert rollups.rebuild() == Response.objects.filter(rating__isnull=False).count()
    assert (rows_of(DailyScore), rows_of(MonthlyCustomerScore)) == counted

    choices = Choices.load()
    midnight = timezone.make_aware(datetime.combine(timezone.localdate(now), datetime.min.time()))
    for at in (now, midnight, now - timedelta(hours=rng.uniform(0, 48))):
        for days in (30, 90, 365):
            since = at - timedelta(days=days)
            for query in QUERIES:
                segment = parse_segment(QueryDict(query), choices)
                kwargs = {"previous_since": since - timedelta(days=days), "since": since}
                expected = scan_tallies(**kwargs, now=at, segment=segment)
                got = load_tallies(**kwargs, now=at, segment=segment)
                assert as_plain(got) == as_plain(expected), (zone, at, days, query)
    assert len(as_plain(expected)[0]) >= 4  # the data is not trivially empty


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
    do_change_team(ticket, support, actor=alice)
    assert list(teams.values_list("value", flat=True)) == [str(support.pk)]
    assert DailyScore.objects.get(dimension="", value="").answers == 1


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
