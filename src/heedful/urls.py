from django.contrib import admin
from django.urls import include, path

from heedful.api.main import api

admin.site.site_header = "Heedful administration"
admin.site.site_title = "Heedful"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("heedful.mail.urls")),
    path("", include("heedful.portal.urls")),
    path("", include("heedful.feedback.urls")),
    # Before heedful.web.urls, whose inbox/<view>/ would take inbox/follow-ups/.
    path("", include("heedful.reminders.urls")),
    # Before heedful.web.urls, whose inbox/<view>/ would take inbox/breaching/.
    path("", include("heedful.sla.urls")),
    path("", include("heedful.web.urls")),
]
