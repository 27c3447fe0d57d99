"""The business-time library, against a brute-force oracle and on exact known days.

The oracle never looks at spans or offsets: it asks, minute by minute (or quarter
hour by quarter hour), "what does the local clock show now, and is that an opening
time on a working day?" — the definition in the library's docstring.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heedful.lib.businesstime import (
    AlwaysOpen,
    BusinessCalendar,
    HoursCalendar,
    OpeningInterval,
    UnionCalendar,
    add,
    elapsed,
    parse_weekly_hours,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
# DST in both hemispheres, half- and quarter-hour offsets, a 30-minute DST shift
# (Lord Howe), DST at midnight (Santiago, Tehran) and a skipped day (Apia, 2011-12-30).
ZONES = [
    "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata",
    "Pacific/Chatham", "Asia/Kathmandu", "America/Santiago", "Australia/Sydney",
    "Europe/London", "Asia/Tehran", "Pacific/Apia", "UTC",
]  # fmt: skip
HOLIDAY_SOURCES = [("", ""), ("DE", "BY"), ("US", "NY"), ("AU", "NSW"), ("GB", "SCT")]
MINUTE = timedelta(minutes=1)
QUARTER = timedelta(minutes=15)
SLOW = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=60)


@dataclass(frozen=True)
class Spec:
    """A calendar described plainly, so the oracle can read it without the library."""

    zone: str
    intervals: tuple[OpeningInterval, ...]
    country: str
    subdivision: str
    closed: frozenset[date]

    def build(self) -> HoursCalendar:
        return HoursCalendar(
            self.zone,
            self.intervals,
            holiday_country=self.country,
            holiday_subdivision=self.subdivision,
            closed_dates=self.closed,
        )

    def is_open(self, instant: datetime) -> bool:
        local = instant.astimezone(ZoneInfo(self.zone))
        day = local.date()
        if day in self.closed or (
            self.country and day in _holidays(self.country, self.subdivision)
        ):
            return False
        minute = local.hour * 60 + local.minute
        return any(
            iv.weekday == day.weekday() and iv.start_minute <= minute < iv.end_minute
            for iv in self.intervals
        )


@cache
def _holidays(country: str, subdivision: str) -> holidays.HolidayBase:
    return holidays.country_holidays(country, subdiv=subdivision or None)


def _intervals(step: int) -> st.SearchStrategy[tuple[OpeningInterval, ...]]:
    """A few daily ranges on a set of weekdays; half of them start in the small hours,
    where clocks change, so the oracle meets DST nights often."""
    per_day = 1440 // step

    @st.composite
    def build(draw: st.DrawFn) -> tuple[OpeningInterval, ...]:
        days = draw(st.one_of(st.just(range(7)), st.sets(st.integers(0, 6), min_size=1)))
        ranges = draw(
            st.lists(
                st.tuples(
                    st.one_of(st.integers(0, per_day - 1), st.integers(0, 240 // step)),
                    st.integers(1, 600 // step),
                ),
                min_size=1,
                max_size=3,
            )
        )
        return tuple(
            OpeningInterval(day, start * step, min(1440, (start + length) * step))
            for day in days
            for start, length in ranges
        )

    return build()


@cache
def _transitions(zone_name: str, year: int) -> tuple[datetime, ...]:
    """Instants where the zone's offset changes in a year, found by an hourly scan."""
    zone = ZoneInfo(zone_name)
    found: list[datetime] = []
    instant = datetime(year, 1, 1, tzinfo=UTC)
    offset = instant.astimezone(zone).utcoffset()
    while instant.year == year:
        instant += timedelta(hours=1)
        if instant.astimezone(zone).utcoffset() != offset:
            offset = instant.astimezone(zone).utcoffset()
            found.append(instant)
    return tuple(found)


@st.composite
def _start(draw: st.DrawFn, zone: str, step: int, first_year: int, last_year: int) -> datetime:
    year = draw(st.integers(first_year, last_year))
    steps = draw(st.integers(0, 1440 // step * 4))
    changes = _transitions(zone, year)
    if changes and draw(st.booleans()):
        # Up to three days before one of this zone's offset changes.
        base = draw(st.sampled_from(changes)) - timedelta(days=3)
        return base.replace(minute=0) + timedelta(minutes=steps * step)
    month, day = draw(st.integers(1, 12)), draw(st.integers(1, 28))
    return datetime(year, month, day, tzinfo=UTC) + timedelta(minutes=steps * step)


@st.composite
def specs(draw: st.DrawFn, step: int = 1) -> Spec:
    country, subdivision = draw(st.sampled_from(HOLIDAY_SOURCES))
    closed = draw(st.frozensets(st.dates(date(2009, 1, 1), date(2041, 1, 1)), max_size=5))
    return Spec(draw(st.sampled_from(ZONES)), draw(_intervals(step)), country, subdivision, closed)


@st.composite
def cases(draw: st.DrawFn, step: int = 1, last_year: int = 2040) -> tuple[Spec, datetime]:
    spec = draw(specs(step))
    return spec, draw(_start(spec.zone, step, 2009, last_year))


def _walk(spec: Spec | list[Spec], start: datetime, steps: int, step: timedelta) -> list[bool]:
    members = spec if isinstance(spec, list) else [spec]
    return [any(m.is_open(start + i * step) for m in members) for i in range(steps)]


def _oracle_add(start: datetime, flags: list[bool], count: int, step: timedelta) -> datetime:
    if count == 0:
        return start
    seen = 0
    for index, is_open in enumerate(flags):
        seen += is_open
        if seen == count:
            return start + (index + 1) * step
    raise AssertionError("walk too short")


@SLOW
@given(cases(), st.data())
def test_it_matches_the_minute_by_minute_oracle_over_ten_days(
    case: tuple[Spec, datetime], data: st.DataObject
) -> None:
    spec, start = case
    calendar = spec.build()
    flags = _walk(spec, start, 10 * 24 * 60, MINUTE)
    cut = data.draw(st.integers(0, len(flags)))
    assert elapsed(calendar, start, start + cut * MINUTE) == sum(flags[:cut]) * MINUTE
    count = data.draw(st.integers(0, sum(flags)))
    assert add(calendar, start, count * MINUTE) == _oracle_add(start, flags, count, MINUTE)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=15)
@given(cases(step=15, last_year=2039), st.data())
def test_it_matches_the_quarter_hour_oracle_over_a_year(
    case: tuple[Spec, datetime], data: st.DataObject
) -> None:
    spec, start = case
    # Every zone above changes offset on a quarter hour, so quarter-hour steps are exact.
    calendar = spec.build()
    flags = _walk(spec, start, 366 * 24 * 4, QUARTER)
    cut = data.draw(st.integers(len(flags) // 2, len(flags)))
    assert elapsed(calendar, start, start + cut * QUARTER) == sum(flags[:cut]) * QUARTER
    count = data.draw(st.integers(0, sum(flags)))
    assert add(calendar, start, count * QUARTER) == _oracle_add(start, flags, count, QUARTER)


@SLOW
@given(st.lists(cases(), min_size=2, max_size=3), st.data())
def test_it_matches_the_oracle_for_a_follow_the_sun_union(
    picked: list[tuple[Spec, datetime]], data: st.DataObject
) -> None:
    members, start = [spec for spec, _ in picked], picked[0][1]
    calendar = UnionCalendar(m.build() for m in members)
    flags = _walk(members, start, 4 * 24 * 60, MINUTE)
    assert elapsed(calendar, start, start + len(flags) * MINUTE) == sum(flags) * MINUTE
    count = data.draw(st.integers(0, sum(flags)))
    assert add(calendar, start, count * MINUTE) == _oracle_add(start, flags, count, MINUTE)


# Real instants only: the clocks read aware timestamps from the database, which are never a
# wall time skipped by a DST change (2020-03-29 02:59 in Berlin does not exist).
instants = st.datetimes(
    datetime(2010, 1, 1),
    datetime(2040, 1, 1),
    timezones=st.sampled_from([UTC, BERLIN, NEW_YORK]),
    allow_imaginary=False,
)


@SLOW
@given(specs(), instants, st.integers(0, 20 * 24 * 3600), st.integers(0, 20 * 24 * 3600))
def test_it_adds_back_the_elapsed_time_and_is_additive(
    spec: Spec, start: datetime, first: int, second: int
) -> None:
    calendar = spec.build()
    middle = start + timedelta(seconds=first)
    end = middle + timedelta(seconds=second)
    whole = elapsed(calendar, start, end)
    assert whole == elapsed(calendar, start, middle) + elapsed(calendar, middle, end)
    assert elapsed(calendar, start, middle) <= whole
    landed = add(calendar, start, whole)
    assert landed <= end
    assert elapsed(calendar, start, landed) == whole
    # Nothing open between where add landed and the end.
    assert elapsed(calendar, landed, end) == timedelta(0)


@SLOW
@given(specs(), instants, st.integers(1, 10 * 24 * 3600))
def test_it_is_never_negative(spec: Spec, start: datetime, seconds: int) -> None:
    assert elapsed(spec.build(), start, start - timedelta(seconds=seconds)) == timedelta(0)


def _weekdays_9_to_5(zone: ZoneInfo, **kwargs: str) -> HoursCalendar:
    return HoursCalendar(zone, parse_weekly_hours("mon-fri 09:00-17:00"), **kwargs)


def _day(calendar: BusinessCalendar, day: date, zone: ZoneInfo = BERLIN) -> timedelta:
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    return elapsed(calendar, start, start + timedelta(days=1))


def test_it_counts_the_berlin_spring_forward_night_as_two_hours() -> None:
    night = HoursCalendar(BERLIN, parse_weekly_hours("sun 01:00-04:00"))
    assert _day(night, date(2025, 3, 23)) == timedelta(hours=3)
    assert _day(night, date(2025, 3, 30)) == timedelta(hours=2)
    skipped = HoursCalendar(BERLIN, parse_weekly_hours("sun 02:15-02:45"))
    assert _day(skipped, date(2025, 3, 30)) == timedelta(0)
    always = HoursCalendar(BERLIN, parse_weekly_hours("mon-sun 00:00-24:00"))
    assert _day(always, date(2025, 3, 30)) == timedelta(hours=23)


def test_it_counts_the_berlin_fall_back_night_as_four_hours() -> None:
    night = HoursCalendar(BERLIN, parse_weekly_hours("sun 01:00-04:00"))
    assert _day(night, date(2025, 10, 26)) == timedelta(hours=4)
    # 02:30-02:45 is shown twice that night: both quarter hours are open.
    repeated = HoursCalendar(BERLIN, parse_weekly_hours("sun 02:30-02:45"))
    assert _day(repeated, date(2025, 10, 26)) == timedelta(minutes=30)
    always = HoursCalendar(BERLIN, parse_weekly_hours("mon-sun 00:00-24:00"))
    assert _day(always, date(2025, 10, 26)) == timedelta(hours=25)


def test_it_carries_a_friday_target_over_the_dst_weekend_to_monday() -> None:
    calendar = _weekdays_9_to_5(BERLIN)
    friday = datetime(2025, 3, 28, 16, 30, tzinfo=BERLIN)
    due = add(calendar, friday, timedelta(hours=1))
    assert due == datetime(2025, 3, 31, 7, 30, tzinfo=UTC)  # Monday 09:30 CEST
    assert elapsed(calendar, friday, due) == timedelta(hours=1)


def test_it_does_not_count_a_german_public_holiday() -> None:
    calendar = _weekdays_9_to_5(BERLIN, holiday_country="DE", holiday_subdivision="BE")
    thursday = datetime(2025, 10, 2, 16, 0, tzinfo=BERLIN)
    # Friday 3 October is German Unity Day: the two hours end on Monday at 10:00.
    assert add(calendar, thursday, timedelta(hours=2)) == datetime(2025, 10, 6, 8, 0, tzinfo=UTC)
    assert _day(calendar, date(2025, 10, 3)) == timedelta(0)
    assert _day(_weekdays_9_to_5(BERLIN), date(2025, 10, 3)) == timedelta(hours=8)


def test_it_closes_only_the_subdivision_that_has_the_holiday() -> None:
    corpus_christi = date(2025, 6, 19)
    bavaria = _weekdays_9_to_5(BERLIN, holiday_country="DE", holiday_subdivision="BY")
    berlin = _weekdays_9_to_5(BERLIN, holiday_country="DE", holiday_subdivision="BE")
    assert _day(bavaria, corpus_christi) == timedelta(0)
    assert _day(berlin, corpus_christi) == timedelta(hours=8)


def test_it_skips_a_custom_closed_date() -> None:
    calendar = HoursCalendar(
        BERLIN, parse_weekly_hours("mon-fri 09:00-17:00"), closed_dates=[date(2025, 12, 24)]
    )
    assert _day(calendar, date(2025, 12, 24)) == timedelta(0)
    assert _day(calendar, date(2025, 12, 23)) == timedelta(hours=8)


def test_it_skips_the_lunch_break() -> None:
    calendar = HoursCalendar(BERLIN, parse_weekly_hours("mon-fri 09:00-12:00 13:00-17:00"))
    start = datetime(2025, 6, 10, 11, 30, tzinfo=BERLIN)
    assert add(calendar, start, timedelta(hours=1)) == datetime(2025, 6, 10, 11, 30, tzinfo=UTC)
    assert elapsed(calendar, start, datetime(2025, 6, 10, 14, 0, tzinfo=BERLIN)) == timedelta(
        hours=1, minutes=30
    )
    assert _day(calendar, date(2025, 6, 10)) == timedelta(hours=7)


def test_it_unions_berlin_and_new_york_into_follow_the_sun_coverage() -> None:
    coverage = UnionCalendar([_weekdays_9_to_5(BERLIN), _weekdays_9_to_5(NEW_YORK)])
    # Winter: 08:00-16:00 UTC and 14:00-22:00 UTC overlap for two hours -> 14 h.
    assert _day(coverage, date(2025, 3, 5), ZoneInfo("UTC")) == timedelta(hours=14)
    # New York is already on summer time, Berlin not yet: 08:00-21:00 UTC -> 13 h.
    assert _day(coverage, date(2025, 3, 12), ZoneInfo("UTC")) == timedelta(hours=13)
    # Both on summer time: 07:00-21:00 UTC -> 14 h.
    assert _day(coverage, date(2025, 4, 2), ZoneInfo("UTC")) == timedelta(hours=14)
    # Friday 15:00 Berlin + 4 h: Berlin closes 17:00, New York carries on until 21:00 UTC.
    friday = datetime(2025, 4, 4, 15, 0, tzinfo=BERLIN)
    assert add(coverage, friday, timedelta(hours=4)) == datetime(2025, 4, 4, 17, 0, tzinfo=UTC)
    # Friday 22:00 Berlin (16:00 New York) + 2 h: one hour Friday, one hour Monday morning.
    late = datetime(2025, 4, 4, 22, 0, tzinfo=BERLIN)
    assert add(coverage, late, timedelta(hours=2)) == datetime(2025, 4, 7, 8, 0, tzinfo=UTC)


def test_it_counts_every_hour_on_a_24_7_calendar() -> None:
    calendar = AlwaysOpen(BERLIN)
    start = datetime(2025, 10, 25, 12, 0, tzinfo=BERLIN)
    # Two days later on the wall clock is 49 real hours: the clocks went back on Sunday.
    assert elapsed(calendar, start, start + timedelta(days=2)) == timedelta(hours=49)
    assert add(calendar, start, timedelta(minutes=90)) == datetime(2025, 10, 25, 11, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("mon 22:00-06:00", "crosses midnight must be split, e.g. 22:00-24:00 and 00:00-06:00"),
        ("mon 09:00-09:00", "does not end after it starts"),
        ("mon 09:00-24:30", "'24:30' is after 24:00."),
        ("funday 09:00-17:00", "is not like 'mon-fri 09:00-17:00'"),
        ("fri-mon 09:00-17:00", "'fri-mon' runs backwards"),
        ("mon 9-17", "'9' is not a time like 09:00."),
    ],
)
def test_it_rejects_bad_opening_hours_clearly(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=None) as caught:
        parse_weekly_hours(text)
    assert message in str(caught.value)


def test_it_rejects_naive_instants_unknown_zones_and_countries() -> None:
    calendar = _weekdays_9_to_5(BERLIN)
    with pytest.raises(ValueError, match="has no time zone"):
        elapsed(calendar, datetime(2025, 1, 1), datetime(2025, 1, 2, tzinfo=UTC))
    with pytest.raises(ValueError, match="is not a time zone name"):
        HoursCalendar("Mars/Olympus", [])
    with pytest.raises(ValueError, match="No public holidays known for 'XX'"):
        HoursCalendar(BERLIN, [], holiday_country="XX")
    with pytest.raises(ValueError, match="cannot be negative"):
        add(calendar, datetime(2025, 1, 1, tzinfo=UTC), timedelta(minutes=-1))


def test_it_reports_a_calendar_that_never_opens() -> None:
    never = HoursCalendar(BERLIN, [])
    start = datetime(2025, 1, 1, tzinfo=UTC)
    assert elapsed(never, start, start + timedelta(days=30)) == timedelta(0)
    with pytest.raises(ValueError, match="never open"):
        add(never, start, timedelta(minutes=1))
