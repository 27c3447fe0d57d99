"""Business time: how much of a span falls in opening hours, and when N open minutes end.

A calendar answers one question: which instants are open. Everything else
(:func:`elapsed`, :func:`add`) walks the calendar's open spans, so the same two
functions serve opening-hours calendars, 24/7 calendars and follow-the-sun unions.

The rule for opening hours is pointwise and uses the local wall clock: **an instant
is open when the calendar's local clock at that instant shows a time inside an
opening interval of that local date's weekday, and that date is not a holiday.**
What follows across daylight-saving changes:

- spring forward (Berlin, 02:00 -> 03:00): 01:00-04:00 that Sunday is 2 hours, and an
  interval wholly inside the skipped hour is not open at all;
- fall back (Berlin, 03:00 -> 02:00): 01:00-04:00 is 4 hours, because the clock shows
  02:00-03:00 twice and both times are open.

An opening interval lies within one day (00:00 to 24:00); one that crosses midnight
is rejected with a message saying how to split it. Instants are aware datetimes;
results are in UTC. Durations are exact :class:`~datetime.timedelta` values.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    import holidays

Span = tuple[datetime, datetime]

MINUTES_PER_DAY = 24 * 60
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Every UTC offset tzdata has ever used is within +-16 h (Manila's 1844 LMT is -15:56).
_REACH = timedelta(hours=16)
# Offsets are probed this far apart; no zone changes its offset twice within 2 hours.
_PROBE = timedelta(hours=2)
# "Open forever" for 24/7 calendars; far enough for any target, small enough to add to.
FAR_FUTURE = datetime(9000, 1, 1, tzinfo=UTC)
# A calendar that shows no open instant in this many days is treated as never open.
_MAX_CLOSED_DAYS = 3 * 366


class BusinessCalendar(Protocol):
    @property
    def display_zone(self) -> ZoneInfo:
        """The time zone in which due times are shown to people."""
        ...

    def open_spans(self, start: datetime, until: datetime | None = None) -> Iterator[Span]:
        """Open spans from ``start`` on: UTC, sorted, disjoint and not touching, the
        first one clipped to start at ``start`` or later. With ``until``, the spans may
        stop once one starts at or after it."""
        ...


@dataclass(frozen=True, order=True)
class OpeningInterval:
    """Open on ``weekday`` (0 = Monday) from ``start_minute`` to ``end_minute`` after
    local midnight; ``end_minute`` may be 1440 (24:00)."""

    weekday: int
    start_minute: int
    end_minute: int

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"A weekday is 0 (Monday) to 6 (Sunday), not {self.weekday}.")
        if not 0 <= self.start_minute < MINUTES_PER_DAY:
            raise ValueError(f"An interval starts between 00:00 and 23:59 ({self}).")
        if self.end_minute > MINUTES_PER_DAY:
            raise ValueError(f"An interval ends at 24:00 at the latest ({self}).")
        if self.end_minute <= self.start_minute:
            start, end = format_minute(self.start_minute), format_minute(self.end_minute)
            raise ValueError(
                f"The interval {start}-{end} does not end after it starts; an interval that "
                f"crosses midnight must be split, e.g. {start}-24:00 and 00:00-{end} the next day."
            )

    def __str__(self) -> str:
        start, end = format_minute(self.start_minute), format_minute(self.end_minute)
        return f"{WEEKDAYS[self.weekday].title()} {start}-{end}"


def format_minute(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


_TIME = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")
_HOURS_PART = re.compile(
    r"^(?P<days>[a-z]{3}(?:-[a-z]{3})?(?:,[a-z]{3}(?:-[a-z]{3})?)*)\s+(?P<times>.+)$"
)


def parse_minute(text: str) -> int:
    match = _TIME.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a time like 09:00.")
    minute = int(match[1]) * 60 + int(match[2])
    if minute > MINUTES_PER_DAY:
        raise ValueError(f"{text!r} is after 24:00.")
    return minute


def _parse_days(text: str) -> list[int]:
    days: list[int] = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            raise ValueError(f"{part!r} is not a day or range of days like mon-fri.")
        a, b = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        if b < a:
            raise ValueError(f"{part!r} runs backwards; write it as two ranges.")
        days.extend(range(a, b + 1))
    return days


def parse_weekly_hours(text: str) -> list[OpeningInterval]:
    """``"mon-fri 09:00-12:00 13:00-17:00; sat 10:00-14:00"`` -> opening intervals."""
    intervals: list[OpeningInterval] = []
    for clause in filter(None, (c.strip().lower() for c in text.split(";"))):
        match = _HOURS_PART.match(clause)
        if match is None:
            raise ValueError(f"{clause!r} is not like 'mon-fri 09:00-17:00'.")
        for span in match["times"].split():
            start, sep, end = span.partition("-")
            if not sep:
                raise ValueError(f"{span!r} is not a time range like 09:00-17:00.")
            for day in _parse_days(match["days"]):
                intervals.append(OpeningInterval(day, parse_minute(start), parse_minute(end)))
    return intervals


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Sort spans and join the ones that overlap or touch."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _utc(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{instant!r} has no time zone; business time needs aware instants.")
    return instant.astimezone(UTC)


def _offset(zone: ZoneInfo, instant: datetime) -> timedelta:
    return instant.astimezone(zone).utcoffset() or timedelta(0)


def _first_change(zone: ZoneInfo, lo: datetime, hi: datetime, offset: timedelta) -> datetime:
    """The first whole second in (lo, hi] whose offset differs from ``offset``."""
    low, high = 0, int((hi - lo).total_seconds())
    while high - low > 1:
        mid = (low + high) // 2
        if _offset(zone, lo + timedelta(seconds=mid)) == offset:
            low = mid
        else:
            high = mid
    return lo + timedelta(seconds=high)


@lru_cache(maxsize=16384)
def offset_segments(zone: ZoneInfo, day: date) -> tuple[tuple[datetime, datetime, timedelta], ...]:
    """UTC pieces with one offset each, covering every instant whose local date is ``day``."""
    midnight = datetime.combine(day, time(), UTC)
    lo, hi = midnight - _REACH, midnight + timedelta(days=1) + _REACH
    segments: list[tuple[datetime, datetime, timedelta]] = []
    seg_start, current = lo, _offset(zone, lo)
    probe = lo
    while probe < hi:
        following = min(probe + _PROBE, hi)
        if _offset(zone, following) == current:
            probe = following
            continue
        change = _first_change(zone, probe, following, current)
        segments.append((seg_start, change, current))
        seg_start, current, probe = change, _offset(zone, change), change
    segments.append((seg_start, hi, current))
    return tuple(segments)


def _holiday_source(country: str, subdivision: str) -> holidays.HolidayBase | None:
    if not country:
        if subdivision:
            raise ValueError("A holiday subdivision needs a country.")
        return None
    # Imported here: about 5 MB in every process (web server and worker) that imports it,
    # and only calendars closed on a country's holidays need it.
    import holidays

    try:
        return holidays.country_holidays(country.upper(), subdiv=subdivision or None)
    except NotImplementedError as exc:
        raise ValueError(
            f"No public holidays known for {country!r} {subdivision!r}: {exc}"
        ) from exc


def zone_named(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"{name!r} is not a time zone name like Europe/Berlin.") from exc


class HoursCalendar:
    """Weekly opening intervals in one time zone, closed on public holidays of a country
    (and subdivision) from the ``holidays`` package and on custom dates."""

    def __init__(
        self,
        zone: ZoneInfo | str,
        intervals: Iterable[OpeningInterval],
        *,
        holiday_country: str = "",
        holiday_subdivision: str = "",
        closed_dates: Iterable[date] = (),
    ) -> None:
        self.zone = zone if isinstance(zone, ZoneInfo) else zone_named(zone)
        self._by_weekday: list[list[tuple[timedelta, timedelta]]] = [[] for _ in WEEKDAYS]
        for interval in sorted(set(intervals)):
            self._by_weekday[interval.weekday].append(
                (timedelta(minutes=interval.start_minute), timedelta(minutes=interval.end_minute))
            )
        self._holidays = _holiday_source(holiday_country, holiday_subdivision)
        self.closed_dates = frozenset(closed_dates)
        self._day_cache: dict[date, list[Span]] = {}

    @property
    def display_zone(self) -> ZoneInfo:
        return self.zone

    def is_closed_day(self, day: date) -> bool:
        return day in self.closed_dates or (self._holidays is not None and day in self._holidays)

    def day_spans(self, day: date) -> list[Span]:
        """The open spans (UTC) of the instants whose local date is ``day``."""
        cached = self._day_cache.get(day)
        if cached is not None:
            return cached
        spans: list[Span] = []
        if not self.is_closed_day(day):
            midnight = datetime.combine(day, time(), UTC)
            for seg_start, seg_end, offset in offset_segments(self.zone, day):
                # In this piece the local clock reads instant + offset, so the clock shows
                # [opens, closes) exactly during [midnight + opens - offset, ... - offset).
                for opens, closes in self._by_weekday[day.weekday()]:
                    start = max(seg_start, midnight + opens - offset)
                    end = min(seg_end, midnight + closes - offset)
                    if start < end:
                        spans.append((start, end))
        spans = merge_spans(spans)
        if len(self._day_cache) > 4096:
            self._day_cache.clear()
        self._day_cache[day] = spans
        return spans

    def open_spans(self, start: datetime, until: datetime | None = None) -> Iterator[Span]:
        start = _utc(start)
        if not any(self._by_weekday):
            return
        # A fall-back change can make an instant's local date the day before the one its
        # neighbours have, so begin a day early and only let go of a span once no later
        # date can still produce one that touches it.
        day = start.astimezone(self.zone).date() - timedelta(days=1)
        pending: list[Span] = []
        closed_days = 0
        while closed_days <= _MAX_CLOSED_DAYS:
            chunk_end = day + timedelta(days=7)
            while day < chunk_end:
                pending.extend(self.day_spans(day))
                day += timedelta(days=1)
            pending = merge_spans(pending)
            horizon = datetime.combine(chunk_end, time(), UTC) - _REACH
            ready = [span for span in pending if span[1] < horizon and span[1] > start]
            pending = [span for span in pending if span[1] >= horizon]
            closed_days = closed_days + 7 if not ready and not pending else 0
            for span_start, span_end in ready:
                yield max(span_start, start), span_end
            if until is not None and horizon > until:
                yield from ((max(s, start), e) for s, e in pending if e > start)
                return
        raise ValueError(f"This calendar has no open hour in {_MAX_CLOSED_DAYS} days.")


class AlwaysOpen:
    """A 24/7 calendar; its zone is only used to show due times."""

    def __init__(self, zone: ZoneInfo | str = "UTC") -> None:
        self.zone = zone if isinstance(zone, ZoneInfo) else zone_named(zone)

    @property
    def display_zone(self) -> ZoneInfo:
        return self.zone

    def open_spans(self, start: datetime, until: datetime | None = None) -> Iterator[Span]:
        yield _utc(start), FAR_FUTURE


class UnionCalendar:
    """Open whenever any member is open: a follow-the-sun team's coverage."""

    def __init__(self, members: Iterable[BusinessCalendar]) -> None:
        self.members = tuple(members)
        if not self.members:
            raise ValueError("A union needs at least one calendar.")

    @property
    def display_zone(self) -> ZoneInfo:
        return self.members[0].display_zone

    def open_spans(self, start: datetime, until: datetime | None = None) -> Iterator[Span]:
        current: Span | None = None
        streams = (member.open_spans(start, until) for member in self.members)
        for span in heapq.merge(*streams):
            if current is not None and span[0] <= current[1]:
                current = (current[0], max(current[1], span[1]))
                continue
            if current is not None:
                yield current
            current = span
        if current is not None:
            yield current


def elapsed(calendar: BusinessCalendar, start: datetime, end: datetime) -> timedelta:
    """Open time between two instants; zero when ``end`` is not after ``start``."""
    start, end = _utc(start), _utc(end)
    total = timedelta(0)
    if end <= start:
        return total
    for span_start, span_end in calendar.open_spans(start, end):
        if span_start >= end:
            break
        total += min(span_end, end) - span_start
    return total


def add(calendar: BusinessCalendar, start: datetime, duration: timedelta) -> datetime:
    """The earliest instant by which ``duration`` of open time has passed since ``start``
    (``start`` itself for a zero duration)."""
    start = _utc(start)
    if duration < timedelta(0):
        raise ValueError("A business duration cannot be negative.")
    remaining = duration
    if not remaining:
        return start
    for span_start, span_end in calendar.open_spans(start):
        if span_end - span_start >= remaining:
            return span_start + remaining
        remaining -= span_end - span_start
    raise ValueError("This calendar is never open.")
