from django.contrib import admin

from heedful.feedback.models import (
    AgentCredit,
    FollowUpTask,
    Kudos,
    MessageSentiment,
    Question,
    Response,
    Survey,
    SurveyRequest,
)


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ("name", "key", "kind", "is_active", "created_at")
    list_filter = ("kind", "is_active")
    readonly_fields = ("public_id",)
    inlines = [QuestionInline]


class ResponseInline(admin.TabularInline):
    model = Response
    extra = 0
    can_delete = False
    readonly_fields = ("question", "rating", "text", "sentiment", "sentiment_label", "updated_at")
    exclude = ("contact", "organization", "ticket", "choice", "metric")


class CreditInline(admin.TabularInline):
    model = AgentCredit
    extra = 0
    readonly_fields = ("agent", "replies", "weight")


@admin.register(SurveyRequest)
class SurveyRequestAdmin(admin.ModelAdmin):
    list_display = ("public_id", "survey", "contact", "ticket", "state", "due_at", "sent_at")
    list_filter = ("state", "skip_reason", "survey")
    list_select_related = ("survey", "contact", "ticket")
    raw_id_fields = ("contact", "organization", "ticket")
    readonly_fields = ("public_id",)
    inlines = [ResponseInline, CreditInline]


@admin.register(MessageSentiment)
class MessageSentimentAdmin(admin.ModelAdmin):
    list_display = ("message", "label", "compound", "model", "scored_at")
    list_filter = ("label", "model")
    raw_id_fields = ("message",)


@admin.register(FollowUpTask)
class FollowUpTaskAdmin(admin.ModelAdmin):
    list_display = ("public_id", "contact", "metric", "rating", "owner", "state", "due_at")
    list_filter = ("state", "metric", "owner_source")
    list_select_related = ("contact", "owner")
    raw_id_fields = ("request", "response", "contact", "organization", "ticket", "owner")
    readonly_fields = ("public_id", "owner_emailed_at", "customer_told_at")


@admin.register(Kudos)
class KudosAdmin(admin.ModelAdmin):
    list_display = ("agent", "reason", "contact", "ticket", "created_at")
    list_filter = ("reason",)
    list_select_related = ("agent", "contact", "ticket")
    raw_id_fields = ("response", "contact", "organization", "ticket")
