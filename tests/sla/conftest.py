"""Builders for SLA tests: calendars, policies, and a settable "now"."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from heedful.lib.businesstime import parse_weekly_hours
from heedful.sla.models import Calendar, ClosedDate, OpeningHours, Policy, Target

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(text: str) -> datetime:
    """``"2025-10-02 16:00"`` in Berlin time."""
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def make_calendar(
    name: str,
    zone: str = "Europe/Berlin",
    hours: str = "mon-fri 09:00-17:00",
    *,
    country: str = "",
    subdivision: str = "",
    closed: Iterable[date] = (),
) -> Calendar:
    calendar = Calendar.objects.create(
        name=name, timezone=zone, holiday_country=country, holiday_subdivision=subdivision
    )
    for interval in parse_weekly_hours(hours):
        OpeningHours.objects.create(
            calendar=calendar,
            weekday=interval.weekday,
            opens_at=time(interval.start_minute // 60, interval.start_minute % 60),
            closes_at=time((interval.end_minute // 60) % 24, interval.end_minute % 60),
        )
    for day in closed:
        ClosedDate.objects.create(calendar=calendar, date=day)
    return calendar


def make_policy(
    name: str,
    targets: dict[str, dict[str, int]],
    *,
    calendars: Iterable[Calendar] = (),
    position: int = 0,
    **fields: Any,
) -> Policy:
    """``targets`` = {priority: {"first_response": 60, ...}}."""
    teams = fields.pop("teams", ())
    policy = Policy.objects.create(name=name, position=position, **fields)
    policy.calendars.set(list(calendars))
    policy.teams.set(list(teams))
    for priority, minutes in targets.items():
        Target.objects.create(
            policy=policy, priority=priority, **{f"{k}_minutes": v for k, v in minutes.items()}
        )
    return policy


class FakeNow:
    """What timezone.now() returns while a test runs; actions without an ``at``
    parameter (priority, tags) read it."""

    def __init__(self) -> None:
        self.value = datetime(2025, 1, 1, tzinfo=BERLIN)

    def set(self, text: str) -> datetime:
        self.value = berlin(text)
        return self.value

    def __call__(self) -> datetime:
        return self.value


@pytest.fixture
def fake_now(monkeypatch: pytest.MonkeyPatch) -> FakeNow:
    now = FakeNow()
    monkeypatch.setattr(timezone, "now", now)
    return now


@pytest.fixture
def berlin_office(db: None) -> Calendar:
    return make_calendar("Berlin office", country="DE", subdivision="BE")


MakePolicy = Callable[..., Policy]
