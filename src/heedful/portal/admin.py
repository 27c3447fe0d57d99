from django.contrib import admin

from heedful.portal.models import MagicLink, OrganizationPortal


@admin.register(OrganizationPortal)
class OrganizationPortalAdmin(admin.ModelAdmin):
    list_display = ("organization", "share_tickets", "updated_at")
    list_select_related = ("organization",)
    raw_id_fields = ("organization",)


@admin.register(MagicLink)
class MagicLinkAdmin(admin.ModelAdmin):
    """Read-only: links are made and spent by the portal, never by hand."""

    list_display = ("contact", "created_at", "expires_at", "sent_at", "used_at", "requested_ip")
    list_select_related = ("contact",)
    readonly_fields = [f.name for f in MagicLink._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False
