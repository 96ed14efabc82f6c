"""Figures from outside the registry that coverage is measured against, as dated data.

Coverage is a numerator over a denominator. The registry gives the numerators it holds (people
Cakupan registers); these tables hold the rest, each value with its region, date and source, so no
denominator is ever written into code:

* :class:`Denominator`: potential workers (BPJS TK "sasaran potensi"), working population (BPS),
  vulnerable workers recorded in DTSEN/P3KE, and the target of pekerja rentan per desa set by a
  regional head. Posts (formasi) are ``registry.UnitFormation``; desa counts come from the region
  table (``wilayah``).
* :class:`ParticipantCount`: the BPJS TK branch's own count of active participants in a
  kabupaten/kota (PU, BPU, jasa konstruksi), the numerator of UCJ, which counts every participant,
  not only those Cakupan registers.

A value holds from its date until the next value of the same region and kind: asked "as of" a day,
the latest value dated on or before it applies (``coverage.figures``).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class DenominatorKind(models.TextChoices):
    POTENTIAL_WORKERS = "potential_workers", _("Sasaran potensi pekerja (BPJS Ketenagakerjaan)")
    WORKING_POPULATION = "working_population", _("Penduduk bekerja (BPS)")
    VULNERABLE_WORKERS = "vulnerable_workers", _("Pekerja rentan terdata (DTSEN/P3KE)")
    RENTAN_TARGET_PER_DESA = "rentan_target_per_desa", _("Target pekerja rentan per desa")


# Kinds that count people in a region: a region without its own value adds up its children's
# (when every current child has one). The per-desa target is a rate instead: it holds for every desa
# below the region it was set for, unless a nearer region sets its own.
COUNT_KINDS = (
    DenominatorKind.POTENTIAL_WORKERS,
    DenominatorKind.WORKING_POPULATION,
    DenominatorKind.VULNERABLE_WORKERS,
)


class Denominator(models.Model):
    """One denominator value of one region, in force from ``valid_from`` until the next one."""

    region = models.ForeignKey(
        "wilayah.Region",
        verbose_name=_("wilayah"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # denominator_region_kind_from below starts with it
    )
    kind = models.CharField(_("jenis"), max_length=25, choices=DenominatorKind.choices)
    valid_from = models.DateField(_("berlaku sejak"))
    value = models.PositiveBigIntegerField(_("nilai"))
    source = models.CharField(_("sumber"), max_length=250)
    published_on = models.DateField(_("tanggal sumber"), null=True, blank=True)
    note = models.CharField(_("catatan"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    AUDITED_FIELDS = ("region", "kind", "valid_from", "value", "source", "published_on", "note")

    class Meta:
        verbose_name = _("data pembanding")
        verbose_name_plural = _("data pembanding")
        ordering = ["region_id", "kind", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "kind", "valid_from"], name="denominator_region_kind_from"
            ),
            models.CheckConstraint(
                condition=~Q(kind=DenominatorKind.RENTAN_TARGET_PER_DESA) | Q(value__lte=100_000),
                name="denominator_target_per_desa_plausible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.get_kind_display()} {self.valid_from}: {self.value}"


class ParticipantCount(models.Model):
    """Active BPJS TK participants of one kabupaten/kota (or province) on one date, by the branch.

    The three programmes' segments as BPJS TK reports them: Penerima Upah, Bukan Penerima Upah and
    jasa konstruksi. UCJ's numerator is their sum.
    """

    region = models.ForeignKey(
        "wilayah.Region",
        verbose_name=_("wilayah"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # participantcount_region_date below starts with it
    )
    as_of = models.DateField(_("per tanggal"))
    pu = models.PositiveBigIntegerField(_("peserta aktif PU"))
    bpu = models.PositiveBigIntegerField(_("peserta aktif BPU"))
    construction = models.PositiveBigIntegerField(_("peserta aktif jasa konstruksi"))
    source = models.CharField(_("sumber"), max_length=250)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    AUDITED_FIELDS = ("region", "as_of", "pu", "bpu", "construction", "source")

    class Meta:
        verbose_name = _("jumlah peserta BPJS Ketenagakerjaan")
        verbose_name_plural = _("jumlah peserta BPJS Ketenagakerjaan")
        ordering = ["region_id", "-as_of"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "as_of"], name="participantcount_region_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.as_of}: {self.total}"

    @property
    def total(self) -> int:
        return self.pu + self.bpu + self.construction
