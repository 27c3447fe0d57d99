"""Calendars, SLA policies with their targets, and the clocks computed for each ticket.

Policies and calendars are settings, edited by administrators. Clocks are derived
data: heedful.sla.actions.do_recompute_clocks rebuilds a ticket's clocks from its
event log, so no other code writes them.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from heedful.lib import businesstime
from heedful.tickets.models import Priority


class ClockKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", "First response"
    NEXT_UPDATE = "next_update", "Next update"
    UNBLOCK = "unblock", "Time to unblock"
    RESOLUTION = "resolution", "Resolution"


class ClockState(models.TextChoices):
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    # Reached its goal (reply sent, customer unblocked, ticket solved).
    ACHIEVED = "achieved", "Achieved"
    # Not reached, but not ticking: the ticket is solved. Reopening resumes it.
    STOPPED = "stopped", "Stopped"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class Calendar(models.Model):
    """Service hours: a time zone and weekly opening hours, closed on public holidays of
    a country (and subdivision) and on custom dates; or open around the clock."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100, unique=True)
    timezone = models.CharField(max_length=64, default="UTC", help_text="e.g. Europe/Berlin")
    always_open = models.BooleanField(
        default=False, help_text="24/7: every hour counts; opening hours and holidays are ignored."
    )
    holiday_country = models.CharField(
        max_length=3, blank=True, help_text="ISO code whose public holidays close, e.g. DE."
    )
    holiday_subdivision = models.CharField(
        max_length=10, blank=True, help_text="State or region, e.g. BY for Bavaria."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            businesstime.zone_named(self.timezone)
        except ValueError as exc:
            raise ValidationError({"timezone": str(exc)}) from exc
        try:
            businesstime.HoursCalendar(
                self.timezone,
                [],
                holiday_country=self.holiday_country,
                holiday_subdivision=self.holiday_subdivision,
            )
        except ValueError as exc:
            raise ValidationError({"holiday_country": str(exc)}) from exc


def minute_of(value: time) -> int:
    return value.hour * 60 + value.minute


class OpeningHours(models.Model):
    """One opening interval on one weekday; ``closes_at`` 00:00 means midnight (24:00)."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens_at = models.TimeField()
    closes_at = models.TimeField()

    class Meta:
        ordering = ["weekday", "opens_at"]
        verbose_name_plural = "opening hours"

    def __str__(self) -> str:
        return str(self.interval())

    @property
    def closes_minute(self) -> int:
        return minute_of(self.closes_at) or businesstime.MINUTES_PER_DAY

    def interval(self) -> businesstime.OpeningInterval:
        return businesstime.OpeningInterval(
            self.weekday, minute_of(self.opens_at), self.closes_minute
        )

    def clean(self) -> None:
        try:
            self.interval()
        except ValueError as exc:
            raise ValidationError({"closes_at": str(exc)}) from exc


class ClosedDate(models.Model):
    """A day the calendar is closed besides public holidays (company day off)."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="closed_dates")
    date = models.DateField()
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="closeddate_once_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}".strip()


class Policy(models.Model):
    """Targets for the tickets it matches. Policies are tried in ``position`` order and
    the first whose conditions all hold applies; an empty condition matches anything."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100, unique=True)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    # Match conditions: lists of values, any of which matches ("" lists match anything).
    priorities = models.JSONField(default=list, blank=True, help_text='e.g. ["high", "urgent"]')
    segments = models.JSONField(default=list, blank=True, help_text="Organization segments")
    plans = models.JSONField(default=list, blank=True, help_text="Organization plans")
    channels = models.JSONField(default=list, blank=True, help_text='e.g. ["email", "web"]')
    tags = models.JSONField(default=list, blank=True, help_text="Matches when any tag is on")
    teams = models.ManyToManyField("accounts.Team", blank=True, related_name="sla_policies")
    # Service hours: the union of these calendars (follow-the-sun); none means 24/7.
    calendars = models.ManyToManyField(Calendar, blank=True, related_name="policies")
    pause_when_pending = models.BooleanField(
        default=True, help_text="Clocks stop while we wait for the customer."
    )
    pause_when_on_hold = models.BooleanField(
        default=True, help_text="Clocks stop while the ticket is on hold."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        for field in ("priorities", "segments", "plans", "channels", "tags"):
            value = getattr(self, field)
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValidationError({field: 'Give a list of texts, e.g. [] or ["a", "b"].'})
        unknown = set(self.priorities) - set(Priority.values)
        if unknown:
            raise ValidationError({"priorities": f"Unknown priorities: {sorted(unknown)}."})


class Target(models.Model):
    """Minutes of service time allowed per clock for one priority; blank = no clock."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="targets")
    priority = models.CharField(max_length=20, choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    next_update_minutes = models.PositiveIntegerField(null=True, blank=True)
    unblock_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["policy", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "priority"], name="target_once_per_priority")
        ]

    def __str__(self) -> str:
        return f"{self.policy} / {self.priority}"

    def minutes(self) -> dict[str, int | None]:
        return {kind: getattr(self, f"{kind}_minutes") for kind in ClockKind.values}


class TicketClock(models.Model):
    """One clock of one ticket (``cycle`` counts next-update rounds; 1 for the others).

    Rebuilt from the ticket's event log on every change, so it always reflects the
    policy and targets that apply now. ``due_at`` is set while the clock ticks (or once
    it has been reached), so "what breaches next" is one index range scan.
    """

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="clocks")
    kind = models.CharField(max_length=20, choices=ClockKind.choices)
    cycle = models.PositiveIntegerField(default=1)
    policy = models.ForeignKey(
        Policy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_minutes = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=ClockState.choices)
    started_at = models.DateTimeField()
    # When the target is (or was) reached; None while paused or stopped short of it.
    due_at = models.DateTimeField(null=True, blank=True)
    # When the last quarter of the target begins (the list colours turn amber then);
    # set with due_at while the clock runs.
    warn_at = models.DateTimeField(null=True, blank=True)
    achieved_at = models.DateTimeField(null=True, blank=True)
    breached = models.BooleanField(default=False)
    # Service time counted, and service time paused, as of computed_at (or achievement).
    elapsed_seconds = models.PositiveIntegerField(default=0)
    paused_seconds = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["ticket", "kind", "cycle"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "kind", "cycle"], name="ticketclock_once_per_cycle"
            )
        ]
        indexes = [
            # "Breaching next": running clocks by due time.
            models.Index(
                fields=["due_at"], name="ticketclock_running_due_idx", condition=Q(state="running")
            ),
            models.Index(fields=["kind", "achieved_at"], name="ticketclock_kind_achieved_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}#{self.cycle} {self.state}"

    def is_breached_at(self, now: datetime) -> bool:
        if self.breached:
            return True
        return self.state == ClockState.RUNNING and self.due_at is not None and self.due_at < now


class AlertTrigger(models.TextChoices):
    # Some minutes before the due time: "this will breach soon".
    WARNING = "warning", "Breach warning"
    # At the due time, or some minutes after it: "this has breached".
    BREACH = "breach", "Escalation on breach"


class EscalationRule(models.Model):
    """What to do when a running clock nears or passes its due time.

    The scheduler applies each active rule once per clock round (a ticket's clock kind
    and cycle): ``offset_minutes`` before the due time for a warning, after it for a
    breach. Empty conditions match every clock.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100, unique=True)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    trigger = models.CharField(max_length=10, choices=AlertTrigger.choices)
    offset_minutes = models.PositiveIntegerField(
        default=0,
        help_text="Warning: minutes before the due time. Breach: minutes after it (0 = at once).",
    )
    # Conditions.
    policy = models.ForeignKey(
        Policy, null=True, blank=True, on_delete=models.CASCADE, related_name="escalation_rules",
        help_text="Only clocks of this policy (blank: any policy).",
    )  # fmt: skip
    kinds = models.JSONField(
        default=list, blank=True, help_text='Clock kinds, e.g. ["first_response"] (empty: all).'
    )
    priorities = models.JSONField(
        default=list, blank=True, help_text='Ticket priorities, e.g. ["high", "urgent"].'
    )
    only_in_service_hours = models.BooleanField(
        default=False,
        help_text="Wait until the policy's calendar is open before acting (never at night).",
    )
    # Actions.
    notify_assignee = models.BooleanField(default=True)
    notify_team_lead = models.BooleanField(default=False)
    reassign_to_team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reassign_to_user = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    raise_priority_to = models.CharField(
        max_length=20, choices=Priority.choices, blank=True,
        help_text="Raise the priority to this level (never lowers it).",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        for field in ("kinds", "priorities"):
            value = getattr(self, field)
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ValidationError({field: 'Give a list of texts, e.g. [] or ["a", "b"].'})
        unknown = set(self.kinds) - set(ClockKind.values)
        if unknown:
            raise ValidationError({"kinds": f"Unknown clock kinds: {sorted(unknown)}."})
        unknown = set(self.priorities) - set(Priority.values)
        if unknown:
            raise ValidationError({"priorities": f"Unknown priorities: {sorted(unknown)}."})
        if self.reassign_to_user is not None and not self.reassign_to_user.is_full_agent:
            raise ValidationError({"reassign_to_user": "Tickets go to full agents only."})


class AlertState(models.TextChoices):
    # Found due; waits for ``fire_at`` (the calendar's next opening for in-hours rules).
    WAITING = "waiting", "Waiting"
    # Handed to the task worker at ``queued_at``.
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"


class ClockAlert(models.Model):
    """One warning or escalation of one clock round: the row that makes sure it is
    sent once, whatever restarts or second schedulers happen."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    clock_kind = models.CharField(max_length=20, choices=ClockKind.choices)
    cycle = models.PositiveIntegerField()
    rule = models.ForeignKey(EscalationRule, on_delete=models.CASCADE, related_name="alerts")
    state = models.CharField(max_length=10, choices=AlertState.choices)
    due_at = models.DateTimeField(help_text="The clock's due time when the alert was found.")
    fire_at = models.DateTimeField()
    queued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["fire_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "clock_kind", "cycle", "rule"], name="clockalert_once_per_round"
            )
        ]
        indexes = [
            models.Index(fields=["state", "fire_at"], name="clockalert_state_fire_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.clock_kind}#{self.cycle} rule {self.rule_id} {self.state}"


class SchedulerLease(models.Model):
    """Who leads the scheduler, or runs a long computation (the topics): one row per
    name, taken by an atomic UPDATE when it has expired or already belongs to the
    caller (heedful.sla.lease)."""

    name = models.CharField(max_length=50, unique=True)
    holder = models.CharField(max_length=200, blank=True)
    expires_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name}: {self.holder or 'nobody'} until {self.expires_at}"
