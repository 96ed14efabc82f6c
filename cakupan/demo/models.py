from django.db import models
from django.utils.translation import gettext_lazy as _


class DemoLoad(models.Model):
    """Marks that a version of the demo data set is in this database, so ``cakupan demo`` is idempotent."""

    version = models.CharField(_("versi"), max_length=20, unique=True)
    loaded_at = models.DateTimeField(_("dimuat pada"), auto_now_add=True)
    summary = models.JSONField(_("ringkasan"), default=dict)

    class Meta:
        verbose_name = _("muatan data demo")
        verbose_name_plural = _("muatan data demo")

    def __str__(self) -> str:
        return self.version
