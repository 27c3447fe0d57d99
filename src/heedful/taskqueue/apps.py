from django.apps import AppConfig


class TaskQueueConfig(AppConfig):
    name = "heedful.taskqueue"
    label = "taskqueue"
    verbose_name = "Task queue"
