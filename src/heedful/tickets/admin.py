from django.contrib import admin

from heedful.tickets.models import Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "ticket_count", "created_at")
    search_fields = ("name",)

    @admin.display(description="Tickets")
    def ticket_count(self, tag: Tag) -> int:
        return tag.tickets.count()
