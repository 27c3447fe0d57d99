from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "heedful.mail"
    label = "mail"
