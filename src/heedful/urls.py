from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Heedful administration"
admin.site.site_title = "Heedful"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("heedful.web.urls")),
]
