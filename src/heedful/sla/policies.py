"""From the policy and calendar tables to the engine's rules, and policy matching."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Prefetch

from heedful.api.generation import GenerationCache
from heedful.lib.businesstime import AlwaysOpen, BusinessCalendar, HoursCalendar, UnionCalendar
from heedful.sla.clocks import Facts, Rule
from heedful.sla.models import Calendar, ClockKind, Policy, Target


def build_calendar(calendar: Calendar) -> BusinessCalendar:
    """The business-time calendar for a stored one (opening hours and closed dates
    prefetched by the caller, or fetched here)."""
    if calendar.always_open:
        return AlwaysOpen(calendar.timezone)
    return HoursCalendar(
        calendar.timezone,
        [hours.interval() for hours in calendar.opening_hours.all()],
        holiday_country=calendar.holiday_country,
        holiday_subdivision=calendar.holiday_subdivision,
        closed_dates=[closed.date for closed in calendar.closed_dates.all()],
    )


def coverage(calendars: Sequence[Calendar]) -> BusinessCalendar:
    """A policy's service hours: the union of its calendars, or 24/7 without any."""
    if not calendars:
        return AlwaysOpen(settings.TIME_ZONE)
    if len(calendars) == 1:
        return build_calendar(calendars[0])
    return UnionCalendar(build_calendar(calendar) for calendar in calendars)


@dataclass(frozen=True)
class MatchingRule:
    """One active policy: its match conditions and the rule it applies."""

    priorities: frozenset[str]
    segments: frozenset[str]
    plans: frozenset[str]
    channels: frozenset[str]
    tags: frozenset[str]
    team_ids: frozenset[int]
    rule: Rule

    def matches(self, facts: Facts) -> bool:
        return (
            (not self.priorities or facts.priority in self.priorities)
            and (not self.segments or facts.segment in self.segments)
            and (not self.plans or facts.plan in self.plans)
            and (not self.channels or facts.channel in self.channels)
            and (not self.tags or bool(self.tags & facts.tags))
            and (not self.team_ids or facts.team_id in self.team_ids)
        )


@dataclass(frozen=True)
class PolicySet:
    """Active policies in order; the first that matches applies."""

    rules: tuple[MatchingRule, ...]

    def resolve(self, facts: Facts) -> Rule | None:
        return next((m.rule for m in self.rules if m.matches(facts)), None)


def _targets(targets: Sequence[Target]) -> dict[str, dict[str, int]]:
    table: dict[str, dict[str, int]] = {kind: {} for kind in ClockKind.values}
    for target in targets:
        for kind, minutes in target.minutes().items():
            if minutes is not None:
                table[kind][target.priority] = minutes
    return table


def _rule(policy: Policy) -> MatchingRule:
    pauses = {"pending"} if policy.pause_when_pending else set()
    if policy.pause_when_on_hold:
        pauses.add("on_hold")
    return MatchingRule(
        priorities=frozenset(policy.priorities),
        segments=frozenset(policy.segments),
        plans=frozenset(policy.plans),
        channels=frozenset(policy.channels),
        tags=frozenset(policy.tags),
        team_ids=frozenset(team.pk for team in policy.teams.all()),
        rule=Rule(
            policy_id=policy.pk,
            calendar=coverage(list(policy.calendars.all())),
            targets=_targets(list(policy.targets.all())),
            pause_statuses=frozenset(pauses),
        ),
    )


# Inside policies_read_once(): what was read once, by name.
_read_once: ContextVar[dict[str, Any] | None] = ContextVar("heedful_sla_read_once", default=None)


@contextmanager
def policies_read_once() -> Iterator[None]:
    """Within this block the policies (and whether any clock is stored) are read once:
    for batch work that changes many tickets in a row (a chunk of a mail import, a
    fraction of a second). A policy changed meanwhile applies from the next batch on."""
    token = _read_once.set({})
    try:
        yield
    finally:
        _read_once.reset(token)


def read_once(name: str, load: Callable[[], Any], *, outside: Any = None) -> Any:
    """``load()``, called once per policies_read_once() block; outside one, ``load()``
    every time, or ``outside`` when given."""
    shared = _read_once.get()
    if shared is None:
        return load() if outside is None else outside
    if name not in shared:
        shared[name] = load()
    return shared[name]


def load_policies() -> PolicySet:
    """Every active policy with what it needs: kept by each process while the settings
    generation (database triggers on the policy and calendar tables) is unchanged, else
    read in a fixed number of queries."""
    found: PolicySet = read_once("policies", _policies.get)
    return found


def _load_policies() -> PolicySet:
    calendars = Calendar.objects.prefetch_related("opening_hours", "closed_dates")
    policies = Policy.objects.filter(is_active=True).prefetch_related(
        "teams", "targets", Prefetch("calendars", queryset=calendars)
    )
    return PolicySet(tuple(_rule(policy) for policy in policies.order_by("position", "id")))


# A policy without calendars is open 24/7 in settings.TIME_ZONE: part of the key.
_policies = GenerationCache(_load_policies, extra_key=lambda: settings.TIME_ZONE)
