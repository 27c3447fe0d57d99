from django.urls import path

from heedful.feedback.views import dashboard, followups, kudos, survey

app_name = "feedback"

urlpatterns = [
    path("feedback/", dashboard.feedback_page, name="dashboard"),
    path("feedback/follow-ups/", followups.follow_ups, name="follow_ups"),
    path("feedback/follow-ups/<str:public_id>/", followups.follow_up, name="follow_up"),
    path("feedback/kudos/", kudos.kudos_wall, name="kudos"),
    path("feedback/s/<str:token>/", survey.survey, name="survey"),
    path("feedback/s/<str:token>/rate/<int:rating>/", survey.rate, name="rate"),
]
