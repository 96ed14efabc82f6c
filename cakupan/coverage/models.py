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

from django.contrib.postgres.fields import ArrayField
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


class RollupMonth(models.Model):
    """Precomputed coverage: a month of daily changes of one measure in one region (``rollup``).

    ``net`` is the month's total change and ``days`` the change on each day of the month (31
    entries, zero past the month's end), so a figure on any day is the sum of ``net`` over the
    months before and of ``days`` up to that day in its month. Written only by ``coverage.rollup``.
    """

    level = models.PositiveSmallIntegerField(_("tingkat"))  # 0 Indonesia ... 3 kecamatan
    code = models.CharField(_("kode wilayah"), max_length=13, db_collation="C", blank=True)
    month = models.DateField(_("bulan"))
    measure = models.CharField(_("ukuran"), max_length=10)
    segment = models.CharField(_("segmen"), max_length=25, blank=True)
    scheme = models.CharField(_("skema"), max_length=3, blank=True)
    funding = models.CharField(_("sumber dana"), max_length=20, blank=True)
    grp = models.CharField(_("kelompok pekerjaan"), max_length=40, blank=True)
    net = models.BigIntegerField(_("perubahan sebulan"))
    days = ArrayField(models.IntegerField(), size=31, verbose_name=_("perubahan per tanggal"))

    class Meta:
        verbose_name = _("ringkasan cakupan bulanan")
        verbose_name_plural = _("ringkasan cakupan bulanan")
        indexes = [models.Index(fields=["level", "code", "month"], name="rollup_level_code_month")]

    def __str__(self) -> str:
        return f"{self.level} {self.code} {self.month:%Y-%m} {self.measure}: {self.net}"


class RollupDirty(models.Model):
    """A kabupaten/kota (the first five characters of a unit's region code: ``73.24``, or a
    province code for a unit placed at a province) whose memberships, posts or units changed since
    the rollup last saw it. Written by the triggers of migration ``0003``, read by the refresh."""

    code = models.CharField(_("kode wilayah"), max_length=13, db_collation="C")

    # No unique key: every writing statement appends its own rows, so a refresh deleting what it
    # saw can never swallow the mark of a transaction that commits after its snapshot.

    class Meta:
        verbose_name = _("kabupaten/kota yang berubah")
        verbose_name_plural = _("kabupaten/kota yang berubah")

    def __str__(self) -> str:
        return self.code


class RollupState(models.Model):
    """Whether the rollup has been built, and when (one row)."""

    built_at = models.DateTimeField(_("dibangun pada"))
    refreshed_at = models.DateTimeField(_("diperbarui pada"))
    rows = models.BigIntegerField(_("baris"))

    class Meta:
        verbose_name = _("status ringkasan cakupan")
        verbose_name_plural = _("status ringkasan cakupan")

    def __str__(self) -> str:
        return f"{self.built_at:%Y-%m-%d %H:%M} ({self.rows} baris)"
