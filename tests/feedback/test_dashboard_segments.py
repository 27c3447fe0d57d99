"""The feedback page's segment filters (plan, segment, team, channel, agent), the scores
over time, and the comparisons with the previous period and with everyone else."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from heedful.accounts.models import Team, User
from heedful.customers.models import Contact
from heedful.feedback.actions import credit_agents, do_answer
from heedful.feedback.models import RequestState, Response, SurveyRequest
from heedful.feedback.rollups import restate
from heedful.feedback.surveys import COMMENT, RATING, csat_survey
from heedful.tickets.actions import do_add_message
from heedful.tickets.models import Channel, Ticket
from tests.conftest import login


def answer(ticket: Ticket, rating: int, comment: str = "", *, days_ago: int = 0) -> SurveyRequest:
    now = timezone.now()
    request = SurveyRequest.objects.create(
        survey=csat_survey(), contact=ticket.requester, organization=ticket.organization,
        ticket=ticket, state=RequestState.SENT, due_at=now, sent_at=now,
    )  # fmt: skip
    credit_agents(request)
    do_answer(request, {RATING: rating, COMMENT: comment})
    if days_ago:
        when = now - timedelta(days=days_ago)
        answers = Response.objects.filter(request=request)
        with restate(answers):  # the page's counts move with the backdated answers
            answers.update(created_at=when, updated_at=when)
    return request


def page(client: Client, query: str = "") -> str:
    response = client.get(f"/feedback/{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_it_filters_scores_and_comments_by_plan(
    settings: Any, client: Client, alice: User, dave: Contact, erin: Contact,
    make_ticket: Callable[..., Ticket],
) -> None:  # fmt: skip
    settings.FEEDBACK_MIN_SAMPLE = 1
    answer(make_ticket(), 5, "Acme says great")
    answer(make_ticket(requester=erin, actor=erin), 1, "Globex says awful")
    login(client, alice)
    everyone = page(client)
    assert '<span class="stat-value">50%</span>' in everyone
    enterprise = page(client, "?plan=enterprise")
    assert '<span class="stat-value">100%</span>' in enterprise
    assert "n = 1" in enterprise
    assert "Acme says great" in enterprise
    assert "Globex says awful" not in enterprise
    assert '<strong id="segment-description">plan enterprise</strong>' in enterprise
    assert '<option value="enterprise" selected>enterprise</option>' in enterprise
    # The period switch keeps the filter.
    assert 'href="?days=30&amp;plan=enterprise"' in enterprise


def test_it_filters_by_team_channel_and_credited_agent(
    settings: Any, client: Client, alice: User, bob: User, support: Team,
    make_ticket: Callable[..., Ticket],
) -> None:  # fmt: skip
    settings.FEEDBACK_MIN_SAMPLE = 1
    by_alice = make_ticket(team=support, channel=Channel.EMAIL)
    do_add_message(by_alice, author=alice, body_text="Fixed.")
    by_bob = make_ticket(channel=Channel.WEB)
    do_add_message(by_bob, author=bob, body_text="Fixed too.")
    answer(by_alice, 4, "Alice ticket")
    answer(by_bob, 2, "Bob ticket")
    login(client, alice)
    for query in ("?team=Support", "?channel=email", "?agent=alice"):
        html = page(client, query)
        assert "Alice ticket" in html, query
        assert "Bob ticket" not in html, query
        assert '<span class="stat-value">100%</span>' in html, query
    bob_only = page(client, "?agent=bob")
    assert "Bob ticket" in bob_only
    assert '<span class="stat-value">0%</span>' in bob_only
    assert '<strong id="segment-description">agent Bob</strong>' in bob_only


def test_it_ignores_unknown_filter_values_with_a_message(
    client: Client, alice: User, acme_ticket: Ticket
) -> None:
    answer(acme_ticket, 5, "Still counted")
    html = page(login(client, alice), "?team=Nope&channel=%3Cscript%3E&plan=" + "x" * 500)
    assert "No team “Nope”: showing every team." in html
    assert "No channel “&lt;script&gt;”: showing every channel." in html
    assert f"No plan “{'x' * 100}”: showing every plan." in html
    assert "Still counted" in html
    assert 'id="segment-description"' not in html


def test_it_compares_with_the_previous_period_and_says_if_it_is_significant(
    client: Client, alice: User, acme_ticket: Ticket
) -> None:
    for _ in range(30):
        answer(acme_ticket, 5)
        answer(acme_ticket, 1, days_ago=45)  # the previous 30 days: 15 to 60 days ago
    html = page(login(client, alice), "?days=30")
    assert (
        '<span class="stat-note comparison" id="vs-previous-csat">vs the previous 30 days: '
        "up 100 points, significant (p&lt;0.001)</span>"
    ) in html
    assert (
        "vs the previous 30 days: not enough data to compare (n = 0 and 0; 30 needed in each)"
    ) in html  # CES and NPS
    assert 'id="vs-rest-csat"' not in html  # no segment selected: no "everyone else"


def test_it_compares_the_segment_with_everyone_else(
    client: Client, alice: User, erin: Contact, make_ticket: Callable[..., Ticket]
) -> None:
    acme, globex = make_ticket(), make_ticket(requester=erin, actor=erin)
    for n in range(30):
        answer(acme, 5 if n < 16 else 1)
        answer(globex, 5 if n < 14 else 1)
    html = page(login(client, alice), "?days=30&plan=enterprise")
    assert "vs everyone else: up 7 points, not significant (p=0.61)" in html


def test_it_charts_each_score_over_time_with_gaps(
    settings: Any, client: Client, alice: User, acme_ticket: Ticket
) -> None:
    settings.FEEDBACK_MIN_SAMPLE = 2
    answer(acme_ticket, 5)
    answer(acme_ticket, 4)
    html = page(login(client, alice), "?days=90")
    trend = html.split('id="trend-csat"')[1].split("</figure>")[0]
    assert trend.count('class="chart-point"') == 1
    assert "100% (95% interval 34% to 100%), n = 2</title>" in trend  # Wilson 2 of 2
    assert trend.count('class="chart-gap"') >= 12  # 13 or 14 calendar weeks
    assert "not enough data (n = 0)" in trend
    nps = html.split('id="trend-nps"')[1].split("</figure>")[0]
    assert "not enough data in any week" in nps
    assert "per week" in html
    assert "per month" in page(client, "?days=365")


def test_it_filters_the_detractors_and_the_kudos_count_too(
    client: Client, alice: User, bob: User, erin: Contact, support: Team,
    make_ticket: Callable[..., Ticket],
) -> None:  # fmt: skip
    by_alice = make_ticket(team=support, channel=Channel.EMAIL)  # Acme, enterprise
    do_add_message(by_alice, author=alice, body_text="Fixed.")
    by_bob = make_ticket(requester=erin, actor=erin, channel=Channel.WEB)  # Globex, starter
    do_add_message(by_bob, author=bob, body_text="Fixed too.")
    acme_detractor, globex_detractor = answer(by_alice, 1), answer(by_bob, 2)
    answer(by_alice, 5, "Thank you Alice, wonderful help!")
    answer(by_bob, 5, "Thanks so much Bob, great job!")
    login(client, alice)

    def shown(query: str) -> tuple[str, str, set[SurveyRequest]]:
        html = page(client, query)
        opened = html.split('id="open-follow-ups">')[1].split("<")[0]
        kudos = html.split('id="kudos-link">')[1].split("<")[0]
        listed = {
            r for r in (acme_detractor, globex_detractor)
            if f'data-follow-up="{r.follow_up.public_id}"' in html
        }  # fmt: skip
        return opened, kudos, listed

    assert shown("") == ("2 open", "2 kudos in 90 days", {acme_detractor, globex_detractor})
    for query in ("?plan=enterprise", "?team=Support", "?channel=email", "?agent=alice"):
        assert shown(query) == ("1 open", "1 kudos in 90 days", {acme_detractor}), query
    for query in ("?plan=starter", "?channel=web", "?agent=bob"):
        assert shown(query) == ("1 open", "1 kudos in 90 days", {globex_detractor}), query
    assert shown("?plan=enterprise&agent=bob") == ("0 open", "0 kudos in 90 days", set())
