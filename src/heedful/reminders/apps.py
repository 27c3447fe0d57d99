from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "heedful.reminders"
    label = "reminders"
    verbose_name = "Reminders: follow-ups and “did this solve it?” checks"
