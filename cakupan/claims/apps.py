from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "cakupan.claims"
    verbose_name = _("Klaim JKM, JKK dan beasiswa")
