from django.apps import AppConfig


class AffairsConfig(AppConfig):
    name = "affairs"
    verbose_name = "Village affairs"
