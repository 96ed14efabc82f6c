"""Administrator overrides of unverified regulation parameters (the rules engine's data files stay
as DOMAIN.md found them; an override sets the value a regulation text or a BPJS TK letter gives).

The table was billing's (``billing_parameteroverride``, billing migration 0002) until this app took
it over: parameters migration 0001 renames it to ``parameters_parameteroverride`` with its rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class ParameterOverride(models.Model):
    """An administrator's value for an unverified regulation parameter over a period.

    The data files of ``cakupan.rules`` hold what DOMAIN.md found; where a value is marked
    unverified (``overridable``), an administrator who has the regulation text or a BPJS TK letter
    sets the right value here, with the reason. ``value`` is stored as written in the data files
    (a number, a decimal string, a date string, a list for tables) and checked by the rules
    engine when it is saved. Withdrawn overrides stay (``withdrawn_at``) for the record.
    """

    key = models.CharField(_("parameter"), max_length=80)
    value = models.JSONField(_("nilai"))
    valid_from = models.DateField(_("berlaku sejak"))
    valid_to = models.DateField(_("berlaku sampai"), null=True, blank=True)
    note = models.TextField(_("dasar perubahan"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diubah oleh"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    set_at = models.DateTimeField(_("diubah pada"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("dicabut pada"), null=True, blank=True)

    class Meta:
        verbose_name = _("perubahan parameter regulasi")
        verbose_name_plural = _("perubahan parameter regulasi")
        ordering = ["set_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="parameteroverride_period_order",
            ),
            models.CheckConstraint(condition=~Q(note=""), name="parameteroverride_note_required"),
        ]

    def __str__(self) -> str:
        return f"{self.key} = {self.value} ({self.valid_from})"
