from django.urls import path

from heedful.mail import views

app_name = "mail"

urlpatterns = [
    path("tickets/<str:ref>/email/<uuid:public_id>/raw/", views.raw_source, name="raw_source"),
]
