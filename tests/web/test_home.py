"""The home page: today's headline numbers, the agent's queue and the 14-day chart."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from heedful.accounts.models import User
from heedful.tickets import actions
from heedful.tickets.models import Status, Ticket
from heedful.web.charts import grouped_bars
from heedful.web.views.home import FLOW_DAYS, local_midnight


def test_it_shows_todays_headline_numbers(
    client: Client, alice: User, bob: User, make_ticket: Callable[..., Ticket]
) -> None:
    now = timezone.now()
    oldest = make_ticket(subject="Oldest wait", created_at=now - timedelta(hours=5))
    make_ticket(subject="Newer wait", created_at=now - timedelta(hours=1), assignee=bob)
    solved = make_ticket(subject="Done already")
    actions.do_change_status(solved, Status.SOLVED, actor=alice)
    client.force_login(alice)

    response = client.get("/")

    assert response.status_code == 200
    context = response.context
    assert context["open_count"] == 2
    assert context["unassigned_count"] == 1
    assert context["solved_today_count"] == 1
    assert context["waiting_longest"] == oldest
    assert "Oldest wait" in response.content.decode()


def test_it_charts_tickets_created_and_solved_per_day(
    client: Client, alice: User, make_ticket: Callable[..., Ticket]
) -> None:
    today = local_midnight() + timedelta(hours=1)
    three_days_ago = today - timedelta(days=3)
    for _ in range(2):
        make_ticket(created_at=three_days_ago)
    late = make_ticket(created_at=three_days_ago)
    actions.do_change_status(late, Status.SOLVED, actor=alice, at=today)
    make_ticket(created_at=today - timedelta(days=FLOW_DAYS))  # before the chart's window
    client.force_login(alice)

    flow = client.get("/").context["flow"]

    values = {group.label: tuple(bar.value for bar in group.bars) for group in flow.groups}
    assert len(values) == FLOW_DAYS
    assert values[f"{timezone.localtime(three_days_ago):%a} {three_days_ago.day}"] == (3, 0)
    assert values[f"{timezone.localtime(today):%a} {today.day}"] == (0, 1)
    assert sum(sum(v) for v in values.values()) == 4
    assert 'aria-label="Tickets created and solved per day"' in client.get("/").content.decode()


def test_it_shows_no_desk_wide_chart_to_light_agents(client: Client, carol: User) -> None:
    client.force_login(carol)

    response = client.get("/")

    assert response.status_code == 200
    assert response.context["flow"] is None
    assert 'id="flow-chart"' not in response.content.decode()


def test_it_scales_bars_to_a_round_top_value() -> None:
    chart = grouped_bars([("Mon", (3, 0)), ("Tue", (7, 5))], width=200, height=100)

    assert chart.top_value == 10
    bars = [bar for group in chart.groups for bar in group.bars]
    assert [bar.value for bar in bars] == [3, 0, 7, 5]
    # The plot is 100 - 18 (labels) - 14 (headroom) = 68 px tall.
    assert [bar.height for bar in bars] == [20.4, 0.0, 47.6, 34.0]
    assert all(bar.y + bar.height == chart.baseline for bar in bars)


def test_it_draws_an_empty_chart_without_dividing_by_zero() -> None:
    chart = grouped_bars([("Mon", (0, 0))])

    assert chart.top_value == 1
    assert [bar.height for bar in chart.groups[0].bars] == [0.0, 0.0]
