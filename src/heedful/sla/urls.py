from django.urls import path

from heedful.sla import views

app_name = "sla"

urlpatterns = [
    path("inbox/breaching/", views.breaching, name="breaching"),
]
