from django.apps import AppConfig


class NcasiteConfig(AppConfig):
    name = "ncasite"
    verbose_name = "ncasite"
