from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "heedful.sla"
    label = "sla"
    verbose_name = "SLAs"
