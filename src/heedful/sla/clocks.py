"""The clock engine: a ticket's SLA clocks as a pure function of its history.

Input is the ticket's history as :class:`Moment` values (one per logged change, with
the ticket's facts after it) and a resolver that maps facts to the :class:`Rule` of
the first matching policy. Nothing here reads the database, so every rule below is
tested directly and replaying the log always gives the same clocks.

When each clock starts and ends comes from the log alone:

- **first response**: from the customer's first public message to our first public reply;
- **next update**: from each public reply of ours to the next one (R3), round by round;
- **time to unblock**: from the ticket's creation to the first reply marked as a
  workaround, or the first time it is solved (R2);
- **resolution**: from creation to the solve that is still in force (a reopen resumes it).

The policy that applies is the one matching the ticket when the clock ended (or now,
for a clock that still ticks): changing the priority or the team mid-way therefore
recomputes the due time from the start of the clock with the new target and service
hours. A clock counts service time only while the ticket is unsolved and not in a
status the policy pauses on; a solved ticket stops every clock, a reopen resumes it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from heedful.lib.businesstime import BusinessCalendar, add, elapsed
from heedful.sla.models import ClockKind, ClockState

SOLVED = frozenset({"solved", "closed"})


class Signal(StrEnum):
    NONE = ""
    CUSTOMER_MESSAGE = "customer_message"
    AGENT_REPLY = "agent_reply"
    # A public reply marked as a workaround: the customer can carry on (R2).
    WORKAROUND = "workaround"


@dataclass(frozen=True)
class Facts:
    """What policies match on, as the ticket was at one moment."""

    status: str
    priority: str
    channel: str = ""
    team_id: int | None = None
    tags: frozenset[str] = frozenset()
    segment: str = ""
    plan: str = ""


@dataclass(frozen=True)
class Moment:
    at: datetime
    facts: Facts
    signal: Signal = Signal.NONE


@dataclass(frozen=True)
class Rule:
    """A matched policy, ready to use: service hours, targets and pause statuses."""

    policy_id: int | None
    calendar: BusinessCalendar
    # targets[kind][priority] = minutes; a missing entry means no clock of that kind.
    targets: Mapping[str, Mapping[str, int]]
    pause_statuses: frozenset[str] = frozenset({"pending", "on_hold"})

    def target(self, kind: str, priority: str) -> int | None:
        return self.targets.get(kind, {}).get(priority)


Resolver = Callable[[Facts], Rule | None]


@dataclass
class ClockResult:
    kind: str
    cycle: int
    policy_id: int | None
    target_minutes: int
    state: str
    started_at: datetime
    due_at: datetime | None
    achieved_at: datetime | None
    breached: bool
    # Service time counted up to the end of the clock (or ``now``), and paused per status.
    elapsed: timedelta
    paused: dict[str, timedelta] = field(default_factory=dict)
    # Service time still allowed while paused; None when running, reached or achieved.
    remaining: timedelta | None = None
    calendar: BusinessCalendar | None = None
    # When the last quarter of the target starts; set only while the clock runs.
    warn_at: datetime | None = None


@dataclass(frozen=True)
class _Lifecycle:
    kind: str
    cycle: int
    start: int  # index into moments
    end: int | None  # index of the moment that achieved it


def _first(moments: Sequence[Moment], after: int, signals: set[Signal]) -> int | None:
    return next((i for i in range(after, len(moments)) if moments[i].signal in signals), None)


def _first_solve(moments: Sequence[Moment], after: int) -> int | None:
    return next((i for i in range(after, len(moments)) if moments[i].facts.status in SOLVED), None)


def _lifecycles(moments: Sequence[Moment]) -> list[_Lifecycle]:
    replies = {Signal.AGENT_REPLY, Signal.WORKAROUND}
    found: list[_Lifecycle] = []
    asked = _first(moments, 0, {Signal.CUSTOMER_MESSAGE})
    if asked is not None:
        found.append(
            _Lifecycle(ClockKind.FIRST_RESPONSE, 1, asked, _first(moments, asked, replies))
        )
    reply_indexes = [i for i, moment in enumerate(moments) if moment.signal in replies]
    for cycle, index in enumerate(reply_indexes, start=1):
        following = reply_indexes[cycle] if cycle < len(reply_indexes) else None
        found.append(_Lifecycle(ClockKind.NEXT_UPDATE, cycle, index, following))
    unblocked = [i for i in (_first(moments, 0, {Signal.WORKAROUND}), _first_solve(moments, 0))]
    ends = [i for i in unblocked if i is not None]
    found.append(_Lifecycle(ClockKind.UNBLOCK, 1, 0, min(ends) if ends else None))
    solved = len(moments) - 1 if moments[-1].facts.status in SOLVED else None
    if solved is not None:
        # The solve still in force is the last change of status into solved.
        while solved > 0 and moments[solved - 1].facts.status in SOLVED:
            solved -= 1
    found.append(_Lifecycle(ClockKind.RESOLUTION, 1, 0, solved))
    return found


def _status_periods(
    moments: Sequence[Moment], start: int, end: int | None
) -> list[tuple[datetime, datetime | None, str]]:
    """(from, to, status) pieces of the clock's life; ``to`` None means "still going"."""
    stop = end if end is not None else len(moments)
    periods: list[tuple[datetime, datetime | None, str]] = []
    for i in range(start, stop):
        until = moments[i + 1].at if i + 1 < len(moments) else None
        periods.append((moments[i].at, until, moments[i].facts.status))
    return periods


def _measure(
    rule: Rule, periods: list[tuple[datetime, datetime | None, str]], now: datetime
) -> tuple[timedelta, dict[str, timedelta], list[tuple[datetime, datetime | None]]]:
    """Service time counted and paused (up to ``now``), and the running pieces."""
    counted = timedelta(0)
    paused: dict[str, timedelta] = {}
    running: list[tuple[datetime, datetime | None]] = []
    for start, until, status in periods:
        upto = min(until, now) if until is not None else now
        if status in SOLVED:
            continue
        if status in rule.pause_statuses:
            paused[status] = paused.get(status, timedelta(0)) + elapsed(rule.calendar, start, upto)
            continue
        counted += elapsed(rule.calendar, start, upto)
        running.append((start, until))
    return counted, paused, running


def _due(
    calendar: BusinessCalendar, running: list[tuple[datetime, datetime | None]], target: timedelta
) -> tuple[datetime | None, timedelta]:
    """The instant the running pieces reach ``target`` (None if they never do), and the
    service time left when they end short of it."""
    used = timedelta(0)
    for start, until in running:
        piece = elapsed(calendar, start, until) if until is not None else None
        if piece is None or used + piece >= target:
            return add(calendar, start, target - used), timedelta(0)
        used += piece
    return None, target - used


def _result(
    life: _Lifecycle, moments: Sequence[Moment], resolve: Resolver, now: datetime
) -> ClockResult | None:
    facts = moments[life.end if life.end is not None else -1].facts
    rule = resolve(facts)
    minutes = rule.target(life.kind, facts.priority) if rule is not None else None
    if rule is None or minutes is None:
        return None
    periods = _status_periods(moments, life.start, life.end)
    counted, paused, running = _measure(rule, periods, now)
    due_at, remaining = _due(rule.calendar, running, timedelta(minutes=minutes))
    achieved_at = moments[life.end].at if life.end is not None else None
    if due_at is None and achieved_at is not None:
        # Reached in time: the due time is where the clock would have run out.
        due_at = add(rule.calendar, achieved_at, remaining)
    current = moments[-1].facts.status
    if achieved_at is not None:
        state = ClockState.ACHIEVED
    elif current in SOLVED:
        state = ClockState.STOPPED
    elif current in rule.pause_statuses:
        state = ClockState.PAUSED
    else:
        state = ClockState.RUNNING
    reference = achieved_at if achieved_at is not None else now
    warn_at = None
    if state == ClockState.RUNNING and due_at is not None:
        warn_at = _due(rule.calendar, running, timedelta(minutes=minutes) * 3 / 4)[0]
    return ClockResult(
        kind=life.kind,
        cycle=life.cycle,
        policy_id=rule.policy_id,
        target_minutes=minutes,
        state=state,
        started_at=moments[life.start].at,
        due_at=due_at,
        achieved_at=achieved_at,
        breached=due_at is not None and reference > due_at,
        elapsed=counted,
        paused=paused,
        remaining=remaining if due_at is None else None,
        calendar=rule.calendar,
        warn_at=warn_at,
    )


def compute_clocks(
    moments: Sequence[Moment], resolve: Resolver, now: datetime
) -> list[ClockResult]:
    """Every clock of a ticket, oldest history first; ``now`` only affects how much time
    the explanation says has passed and whether a ticking clock is already late."""
    if not moments:
        return []
    results: list[ClockResult] = []
    for life in _lifecycles(moments):
        result = _result(life, moments, resolve, now)
        if result is None:
            continue
        if (
            result.kind == ClockKind.NEXT_UPDATE
            and result.state == ClockState.STOPPED
            and not result.breached
        ):
            # The round that was open when the ticket got solved: nothing is owed.
            continue
        results.append(result)
    return results
