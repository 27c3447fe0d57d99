"""Administrators set up the sending mailboxes and the auto-acknowledgement templates;
the outbox is read-only (the worker is its only writer)."""

from django.contrib import admin

from heedful.mail.models import AutoAckTemplate, Mailbox, OutboundEmail


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = ("address", "name", "team", "is_default")


@admin.register(AutoAckTemplate)
class AutoAckTemplateAdmin(admin.ModelAdmin):
    list_display = ("__str__", "team", "subject")


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ("message_id", "kind", "recipient", "state", "attempts", "created_at")
    list_filter = ("state", "kind")
    search_fields = ("message_id", "recipient")

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
