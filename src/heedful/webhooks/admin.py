from django.contrib import admin

from heedful.webhooks.models import Delivery, DeliveryAttempt, Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("url", "owner", "is_active", "consecutive_failures", "created_at")
    list_filter = ("is_active",)
    search_fields = ("url", "description", "owner__username")
    # The secret is never shown again after creation, not even here.
    exclude = ("secret",)
    readonly_fields = ("public_id", "consecutive_failures", "disabled_at", "disabled_reason")


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = (
        "number", "attempted_at", "status_code", "latency_ms", "succeeded", "error",
        "response_excerpt",
    )  # fmt: skip


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("event_id", "kind", "subscription", "state", "attempts", "created_at")
    list_filter = ("state", "kind")
    list_select_related = ("subscription",)
    readonly_fields = ("event_id", "kind", "ticket", "body", "attempts", "delivered_at")
    raw_id_fields = ("subscription",)
    inlines = [AttemptInline]
