from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import RedirectView

from heedful.web.views import (
    agents,
    customers,
    home,
    inbox,
    notifications,
    search,
    tickets,
    tokens,
    webhooks,
)

app_name = "web"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="web/login.html"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", home.home, name="home"),
    path("inbox/", RedirectView.as_view(pattern_name="web:inbox", url=None), {"view": "open"}),
    path("inbox/bulk/", inbox.bulk, name="bulk"),
    path("inbox/<str:view>/", inbox.inbox, name="inbox"),
    path("tickets/<str:ref>/", tickets.ticket_detail, name="ticket"),
    path("tickets/<str:ref>/reply/", tickets.reply, name="reply"),
    path("tickets/<str:ref>/note/", tickets.note, name="note"),
    path("tickets/<str:ref>/update/", tickets.update_ticket, name="update_ticket"),
    path("tickets/<str:ref>/loop-in/", tickets.loop_in, name="loop_in"),
    path("attachments/<uuid:public_id>/", tickets.attachment, name="attachment"),
    path("contacts/<uuid:public_id>/", customers.contact, name="contact"),
    path("organizations/<uuid:public_id>/", customers.organization, name="organization"),
    path(
        "organizations/<uuid:public_id>/sharing/",
        customers.organization_sharing,
        name="organization_sharing",
    ),
    path("agents/<str:username>/", agents.agent_profile, name="agent"),
    path("search/", search.search, name="search"),
    path("notifications/", notifications.notifications, name="notifications"),
    path("notifications/read/", notifications.mark_all_read, name="notifications_read"),
    path("settings/api-tokens/", tokens.api_tokens, name="api_tokens"),
    path(
        "settings/api-tokens/<uuid:public_id>/revoke/",
        tokens.revoke_api_token,
        name="revoke_api_token",
    ),
    path("settings/webhooks/", webhooks.webhooks, name="webhooks"),
    path("settings/webhooks/<uuid:public_id>/", webhooks.webhook_detail, name="webhook"),
]
