from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetingConfig(AppConfig):
    name = "cakupan.targeting"
    verbose_name = _("Sasaran pekerja rentan (DTSEN/P3KE)")
