from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Data-subject rights and data protection (UU 27/2022 PDP): subject reports, retention,
    masked views with a logged reveal, and the log of denied accesses."""

    name = "cakupan.privacy"
    label = "privacy"
    verbose_name = "Pelindungan data pribadi"
