from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from heedful.sla.models import (
    Calendar,
    ClockAlert,
    ClosedDate,
    EscalationRule,
    OpeningHours,
    Policy,
    Target,
    TicketClock,
)
from heedful.sla.tasks import recompute_unsolved_clocks


def recompute_after_commit() -> None:
    transaction.on_commit(lambda: recompute_unsolved_clocks.enqueue())


class RecomputesClocks(admin.ModelAdmin):
    """Saving or deleting one of these (targets, hours, holidays included) moves the due
    times of unsolved tickets: a background job recomputes them."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        recompute_after_commit()

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        super().delete_model(request, obj)
        recompute_after_commit()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        super().delete_queryset(request, queryset)
        recompute_after_commit()


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 1


class ClosedDateInline(admin.TabularInline):
    model = ClosedDate
    extra = 0


@admin.register(Calendar)
class CalendarAdmin(RecomputesClocks):
    list_display = ("name", "timezone", "always_open", "holiday_country", "holiday_subdivision")
    search_fields = ("name",)
    inlines = [OpeningHoursInline, ClosedDateInline]


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0


@admin.register(Policy)
class PolicyAdmin(RecomputesClocks):
    list_display = ("name", "position", "is_active", "pause_when_pending", "pause_when_on_hold")
    list_editable = ("position", "is_active")
    filter_horizontal = ("teams", "calendars")
    inlines = [TargetInline]


@admin.register(TicketClock)
class TicketClockAdmin(admin.ModelAdmin):
    """Read-only: clocks are computed from the ticket's event log."""

    list_display = ("ticket", "kind", "cycle", "state", "due_at", "achieved_at", "breached")
    list_filter = ("kind", "state", "breached")
    list_select_related = ("ticket",)
    raw_id_fields = ("ticket",)

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(EscalationRule)
class EscalationRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "position", "is_active", "trigger", "offset_minutes", "policy")
    list_editable = ("position", "is_active")
    list_filter = ("trigger", "is_active")
    raw_id_fields = ("reassign_to_user",)


@admin.register(ClockAlert)
class ClockAlertAdmin(admin.ModelAdmin):
    """Read-only: written by the scheduler, one row per warning or escalation sent."""

    list_display = ("ticket", "clock_kind", "cycle", "rule", "state", "fire_at", "sent_at")
    list_filter = ("state", "clock_kind")
    list_select_related = ("ticket", "rule")
    raw_id_fields = ("ticket",)

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
