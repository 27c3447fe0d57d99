"""Plain-language explanations of clocks: "2 h 10 min elapsed in business hours, paused
35 min while waiting for customer, due Tue 10:00"."""

from __future__ import annotations

from datetime import datetime, timedelta

from heedful.lib.businesstime import AlwaysOpen
from heedful.sla.clocks import ClockResult
from heedful.sla.models import ClockState

PAUSE_REASONS = {"pending": "while waiting for customer", "on_hold": "on hold"}


def format_duration(duration: timedelta) -> str:
    """Whole minutes, as hours and minutes: ``2 h 10 min``, ``35 min``, ``3 h``."""
    minutes = max(0, int(duration.total_seconds()) // 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"


def format_instant(instant: datetime, result: ClockResult, now: datetime) -> str:
    """Weekday and time in the calendar's zone; the date too when it is not this week."""
    zone = result.calendar.display_zone if result.calendar is not None else None
    local = instant.astimezone(zone)
    if abs(instant - now) < timedelta(days=6):
        return local.strftime("%a %H:%M")
    return local.strftime("%a %d %b %Y %H:%M")


def _tail(result: ClockResult, now: datetime) -> str:
    due = format_instant(result.due_at, result, now) if result.due_at is not None else ""
    if result.state == ClockState.ACHIEVED:
        assert result.achieved_at is not None
        achieved = format_instant(result.achieved_at, result, now)
        return f"achieved {achieved}, " + (
            f"late: was due {due}" if result.breached else f"due {due}"
        )
    if result.breached:
        return f"breached: was due {due}"
    if result.state == ClockState.STOPPED:
        return "stopped while the ticket is solved"
    if result.state == ClockState.PAUSED:
        left = format_duration(result.remaining or timedelta(0))
        return f"on pause, {left} left"
    return f"due {due}"


def explain(result: ClockResult, now: datetime) -> str:
    hours = "around the clock" if isinstance(result.calendar, AlwaysOpen) else "in business hours"
    parts = [f"{format_duration(result.elapsed)} elapsed {hours}"]
    for status, duration in sorted(result.paused.items()):
        if duration >= timedelta(minutes=1):
            reason = PAUSE_REASONS.get(status, f"while {status}")
            parts.append(f"paused {format_duration(duration)} {reason}")
    parts.append(_tail(result, now))
    return ", ".join(parts)


class Tone:
    OK = "ok"
    WARNING = "warning"
    BREACHED = "breached"
    DONE = "done"
    IDLE = "idle"


def tone(result: ClockResult) -> str:
    """The colour of a clock: breached; warning in the last quarter of its target; ok."""
    if result.breached:
        return Tone.BREACHED
    if result.state == ClockState.ACHIEVED:
        return Tone.DONE
    if result.state != ClockState.RUNNING:
        return Tone.IDLE
    left = timedelta(minutes=result.target_minutes) - result.elapsed
    return Tone.WARNING if left * 4 <= timedelta(minutes=result.target_minutes) else Tone.OK
