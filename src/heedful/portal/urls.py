from django.urls import path
from django.views.generic import RedirectView

from heedful.portal.views import auth, csat, support, tickets

app_name = "portal"

urlpatterns = [
    path("portal/", tickets.ticket_list, name="tickets"),
    path("portal/sign-in/", auth.sign_in, name="sign_in"),
    path("portal/sign-in/sent/", auth.link_sent, name="link_sent"),
    path("portal/sign-in/<str:token>/", auth.use_link, name="use_link"),
    path("portal/sign-out/", auth.sign_out, name="sign_out"),
    path("portal/new/", tickets.new_ticket, name="new_ticket"),
    path("portal/tickets/<str:ref>/", tickets.ticket_detail, name="ticket"),
    path("portal/tickets/<str:ref>/reply/", tickets.reply, name="reply"),
    path("portal/tickets/<str:ref>/rate/", csat.rate, name="rate"),
    path("portal/attachments/<uuid:public_id>/", tickets.attachment, name="attachment"),
    path("support/", RedirectView.as_view(pattern_name="portal:support_form")),
    path("support/new/", support.support_form, name="support_form"),
    path("support/thanks/", support.support_thanks, name="support_thanks"),
]
