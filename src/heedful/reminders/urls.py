from django.urls import path

from heedful.reminders import check_views, views

app_name = "reminders"

urlpatterns = [
    path("inbox/follow-ups/", views.follow_ups, name="follow_ups"),
    path("tickets/<str:ref>/follow-up/", views.set_on_ticket, name="set_on_ticket"),
    path("contacts/<uuid:public_id>/follow-up/", views.set_on_contact, name="set_on_contact"),
    path("follow-ups/<uuid:public_id>/done/", views.complete, name="complete"),
    path("follow-ups/<uuid:public_id>/cancel/", views.cancel, name="cancel"),
    path("check/<str:token>/<str:answer>/", check_views.check, name="check"),
]
