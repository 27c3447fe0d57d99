from django.contrib import admin

from heedful.customers.models import Contact, Organization


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "segment", "plan", "annual_revenue", "owner", "created_at")
    list_filter = ("segment", "plan")
    search_fields = ("name",)
    raw_id_fields = ("owner",)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "handle", "organization", "last_contact_at")
    search_fields = ("name", "email", "handle")
    list_select_related = ("organization",)
    raw_id_fields = ("organization", "user")
