from django.contrib import admin

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


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 1


class ClosedDateInline(admin.TabularInline):
    model = ClosedDate
    extra = 0


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "timezone", "always_open", "holiday_country", "holiday_subdivision")
    search_fields = ("name",)
    inlines = [OpeningHoursInline, ClosedDateInline]


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
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
