from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "heedful.customers"
    label = "customers"
