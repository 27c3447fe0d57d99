from django.urls import path

from heedful.feedback.views import dashboard, survey

app_name = "feedback"

urlpatterns = [
    path("feedback/", dashboard.feedback_page, name="dashboard"),
    path("feedback/s/<str:token>/", survey.survey, name="survey"),
    path("feedback/s/<str:token>/rate/<int:rating>/", survey.rate, name="rate"),
]
