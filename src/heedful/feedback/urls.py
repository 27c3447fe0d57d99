from django.urls import path

from heedful.feedback.views import dashboard, followups, kudos, survey, topics

app_name = "feedback"

urlpatterns = [
    path("feedback/", dashboard.feedback_page, name="dashboard"),
    path("feedback/follow-ups/", followups.follow_ups, name="follow_ups"),
    path("feedback/follow-ups/<str:public_id>/", followups.follow_up, name="follow_up"),
    path("feedback/kudos/", kudos.kudos_wall, name="kudos"),
    path("feedback/topics/", topics.topics_page, name="topics"),
    path("feedback/topics/merge/", topics.merge_topics, name="topics_merge"),
    path("feedback/topics/recompute/", topics.recompute, name="topics_recompute"),
    path("feedback/topics/<str:public_id>/rename/", topics.rename_topic, name="topic_rename"),
    path("feedback/topics/<str:public_id>/unmerge/", topics.unmerge_topic, name="topic_unmerge"),
    path("feedback/s/<str:token>/", survey.survey, name="survey"),
    path("feedback/s/<str:token>/rate/<int:rating>/", survey.rate, name="rate"),
]
