from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "heedful.feedback"
    label = "feedback"
    verbose_name = "Feedback: surveys and sentiment"
