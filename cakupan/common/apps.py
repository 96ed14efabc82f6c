from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "cakupan.common"
    verbose_name = "Umum"
