"""The clock engine on hand-written histories (no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from heedful.lib.businesstime import AlwaysOpen, HoursCalendar, parse_weekly_hours
from heedful.sla.clocks import ClockResult, Facts, Moment, Rule, Signal, compute_clocks
from heedful.sla.explain import explain, format_duration
from tests.sla.conftest import BERLIN, berlin

OFFICE = HoursCalendar(BERLIN, parse_weekly_hours("mon-fri 09:00-17:00"), holiday_country="DE")
TARGETS = {
    "first_response": {"normal": 60, "urgent": 30},
    "next_update": {"normal": 120, "urgent": 60},
    "unblock": {"normal": 240, "urgent": 120},
    "resolution": {"normal": 480, "urgent": 240},
}
RULE = Rule(policy_id=7, calendar=OFFICE, targets=TARGETS)
OPEN = Facts(status="new", priority="normal")


class History:
    """Builds moments the way the event log reads: each step changes the facts."""

    def __init__(self, at: str, *, signal: Signal = Signal.CUSTOMER_MESSAGE) -> None:
        self.facts = OPEN
        self.moments = [Moment(berlin(at), self.facts), Moment(berlin(at), self.facts, signal)]

    def add(self, at: str, signal: Signal = Signal.NONE, **changes: str) -> History:
        self.facts = replace(self.facts, **changes)
        self.moments.append(Moment(berlin(at), self.facts, signal))
        return self


def clocks(history: History, now: str, rule: Rule | None = RULE) -> dict[str, ClockResult]:
    found = compute_clocks(history.moments, lambda facts: rule, berlin(now))
    return {f"{c.kind}#{c.cycle}": c for c in found}


def test_it_starts_first_response_at_the_customer_message_and_achieves_it_on_reply() -> None:
    history = History("2025-06-10 09:00").add("2025-06-10 09:40", Signal.AGENT_REPLY)
    first = clocks(history, "2025-06-10 12:00")["first_response#1"]
    assert (first.state, first.achieved_at, first.breached) == (
        "achieved",
        berlin("2025-06-10 09:40"),
        False,
    )
    assert first.due_at == berlin("2025-06-10 10:00")
    assert first.elapsed == timedelta(minutes=40)
    assert explain(first, berlin("2025-06-10 12:00")) == (
        "40 min elapsed in business hours, achieved Tue 09:40, due Tue 10:00"
    )


def test_it_does_not_count_the_night_towards_first_response() -> None:
    history = History("2025-06-10 16:30")
    first = clocks(history, "2025-06-11 09:10")["first_response#1"]
    assert (first.state, first.due_at, first.breached) == (
        "running",
        berlin("2025-06-11 09:30"),
        False,
    )
    assert first.elapsed == timedelta(minutes=40)
    assert explain(first, berlin("2025-06-11 09:10")) == (
        "40 min elapsed in business hours, due Wed 09:30"
    )


def test_it_pauses_while_waiting_for_the_customer_and_moves_the_due_time() -> None:
    history = (
        History("2025-06-10 09:00")
        .add("2025-06-10 09:20", Signal.AGENT_REPLY)
        .add("2025-06-10 09:20", status="pending")
        .add("2025-06-10 09:55", Signal.CUSTOMER_MESSAGE, status="open")
    )
    resolution = clocks(history, "2025-06-10 11:30")["resolution#1"]
    # 8 h target, 35 min paused: due 17:35 -> Wednesday 09:35.
    assert resolution.due_at == berlin("2025-06-11 09:35")
    assert resolution.paused == {"pending": timedelta(minutes=35)}
    assert explain(resolution, berlin("2025-06-11 09:00")) == (
        "1 h 55 min elapsed in business hours, paused 35 min while waiting for customer, "
        "due Wed 09:35"
    )


def test_it_keeps_counting_while_pending_when_the_policy_does_not_pause() -> None:
    history = History("2025-06-10 09:00").add("2025-06-10 09:20", status="pending")
    rule = replace(RULE, pause_statuses=frozenset({"on_hold"}))
    resolution = clocks(history, "2025-06-10 10:00", rule)["resolution#1"]
    assert (resolution.state, resolution.due_at) == ("running", berlin("2025-06-10 17:00"))
    paused = clocks(history, "2025-06-10 10:00")["resolution#1"]
    assert (paused.state, paused.due_at, paused.remaining) == (
        "paused",
        None,
        timedelta(hours=7, minutes=40),
    )
    assert explain(paused, berlin("2025-06-10 10:00")).endswith("on pause, 7 h 40 min left")


def test_it_restarts_the_next_update_cadence_on_every_public_reply() -> None:
    history = (
        History("2025-06-10 09:00")
        .add("2025-06-10 09:10", Signal.AGENT_REPLY)
        .add("2025-06-10 12:00", Signal.AGENT_REPLY)
    )
    found = clocks(history, "2025-06-10 13:00")
    assert [k for k in found if k.startswith("next_update")] == ["next_update#1", "next_update#2"]
    first, second = found["next_update#1"], found["next_update#2"]
    # 2 h cadence: the 12:00 update was 50 min late; the next one is due 14:00.
    assert (first.state, first.due_at, first.breached) == (
        "achieved",
        berlin("2025-06-10 11:10"),
        True,
    )
    assert (second.state, second.due_at, second.breached) == (
        "running",
        berlin("2025-06-10 14:00"),
        False,
    )


def test_it_stops_every_clock_at_resolution_and_owes_no_update_after_it() -> None:
    history = (
        History("2025-06-10 09:00")
        .add("2025-06-10 09:10", Signal.AGENT_REPLY)
        .add("2025-06-10 09:10", status="solved")
    )
    found = clocks(history, "2025-06-20 09:00")
    assert sorted(found) == ["first_response#1", "resolution#1", "unblock#1"]
    assert found["resolution#1"].state == "achieved"
    assert found["resolution#1"].elapsed == timedelta(minutes=10)
    assert found["unblock#1"].achieved_at == berlin("2025-06-10 09:10")


def test_it_resumes_resolution_on_reopen_with_the_time_already_counted() -> None:
    history = (
        History("2025-06-10 09:00")
        .add("2025-06-10 10:00", Signal.AGENT_REPLY, status="solved")
        .add("2025-06-12 09:00", Signal.CUSTOMER_MESSAGE, status="open")
    )
    resolution = clocks(history, "2025-06-12 10:00")["resolution#1"]
    # 1 h before the solve, nothing while solved, 1 h since the reopen.
    assert (resolution.state, resolution.elapsed) == ("running", timedelta(hours=2))
    assert resolution.due_at == berlin("2025-06-12 16:00")
    # Unblock stays achieved at the first solve: the customer could carry on then.
    assert clocks(history, "2025-06-12 10:00")["unblock#1"].achieved_at == berlin(
        "2025-06-10 10:00"
    )


def test_it_recomputes_from_the_start_when_the_priority_rises() -> None:
    history = History("2025-06-10 09:00").add("2025-06-10 09:45", priority="urgent")
    first = clocks(history, "2025-06-10 09:50")["first_response#1"]
    # Urgent allows 30 min from the customer's message: due 09:30, already late.
    assert (first.target_minutes, first.due_at, first.breached) == (
        30,
        berlin("2025-06-10 09:30"),
        True,
    )
    assert explain(first, berlin("2025-06-10 09:50")) == (
        "50 min elapsed in business hours, breached: was due Tue 09:30"
    )


def test_it_marks_the_customer_unblocked_on_a_workaround_reply() -> None:
    history = History("2025-06-10 09:00").add("2025-06-10 10:30", Signal.WORKAROUND)
    found = clocks(history, "2025-06-10 11:00")
    assert found["unblock#1"].state == "achieved"
    assert found["unblock#1"].achieved_at == berlin("2025-06-10 10:30")
    assert found["first_response#1"].achieved_at == berlin("2025-06-10 10:30")
    assert found["resolution#1"].state == "running"


def test_it_has_no_first_response_clock_for_a_ticket_we_opened() -> None:
    history = History("2025-06-10 09:00", signal=Signal.AGENT_REPLY)
    found = clocks(history, "2025-06-10 09:30")
    assert sorted(found) == ["next_update#1", "resolution#1", "unblock#1"]


def test_it_makes_no_clocks_without_a_matching_policy_or_target() -> None:
    history = History("2025-06-10 09:00")
    assert clocks(history, "2025-06-10 09:30", None) == {}
    only_resolution = replace(RULE, targets={"resolution": {"normal": 60}})
    assert sorted(clocks(history, "2025-06-10 09:30", only_resolution)) == ["resolution#1"]


def test_it_counts_around_the_clock_on_a_24_7_policy() -> None:
    history = History("2025-06-14 22:00")  # a Saturday night
    rule = replace(RULE, calendar=AlwaysOpen(BERLIN))
    first = clocks(history, "2025-06-14 22:45", rule)["first_response#1"]
    assert (first.due_at, first.elapsed) == (berlin("2025-06-14 23:00"), timedelta(minutes=45))
    assert explain(first, berlin("2025-06-14 22:45")) == (
        "45 min elapsed around the clock, due Sat 23:00"
    )


def test_it_never_reports_negative_time_for_a_ticket_solved_off_hours() -> None:
    history = History("2025-06-13 18:00").add("2025-06-14 10:00", status="solved")
    resolution = clocks(history, "2025-06-16 09:00")["resolution#1"]
    assert (resolution.state, resolution.elapsed, resolution.breached) == (
        "achieved",
        timedelta(0),
        False,
    )


def test_it_formats_durations_in_hours_and_minutes() -> None:
    assert [format_duration(timedelta(minutes=m)) for m in (0, 35, 60, 130, 1501)] == [
        "0 min", "35 min", "1 h", "2 h 10 min", "25 h 1 min"
    ]  # fmt: skip


def test_it_shows_the_date_when_the_due_time_is_not_this_week() -> None:
    history = History("2025-06-10 09:00")
    first = clocks(history, "2025-06-10 09:10")["first_response#1"]
    assert explain(first, datetime(2025, 7, 1, tzinfo=BERLIN)).endswith("due Tue 10 Jun 2025 10:00")
