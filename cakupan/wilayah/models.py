"""Kemendagri administrative regions: provinsi > kabupaten/kota > kecamatan > desa/kelurahan."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cakupan.common.choices import choice_display


class RegionKind(models.TextChoices):
    PROVINSI = "provinsi", _("Provinsi")
    KABUPATEN = "kabupaten", _("Kabupaten")
    KOTA = "kota", _("Kota")
    KECAMATAN = "kecamatan", _("Kecamatan")
    DESA = "desa", _("Desa")
    KELURAHAN = "kelurahan", _("Kelurahan")


LEVEL_OF_KIND = {
    RegionKind.PROVINSI: 1,
    RegionKind.KABUPATEN: 2,
    RegionKind.KOTA: 2,
    RegionKind.KECAMATAN: 3,
    RegionKind.DESA: 4,
    RegionKind.KELURAHAN: 4,
}


class Region(models.Model):
    """One region by its dotted Kemendagri code (``73``, ``73.24``, ``73.24.01``, ``73.24.01.2001``).

    Codes are never deleted: a region that disappears from a later dataset (pemekaran, merger) keeps
    its row with ``valid_to`` set, so NIKs, memberships and history that point at it stay readable.
    """

    # Before the fields: their get_FOO_display() bind to it (cakupan.common.choices).
    _get_FIELD_display = choice_display

    code = models.CharField(_("kode"), max_length=13, primary_key=True, db_collation="C")
    name = models.CharField(_("nama"), max_length=120)
    kind = models.CharField(_("jenis"), max_length=10, choices=RegionKind.choices)
    level = models.PositiveSmallIntegerField(_("tingkat"))
    parent = models.ForeignKey(
        "self",
        verbose_name=_("induk"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        db_index=False,
    )
    # NULL valid_from: the region predates the first edition loaded into this installation.
    valid_from = models.DateField(_("berlaku sejak"), null=True, blank=True)
    valid_to = models.DateField(_("berlaku sampai"), null=True, blank=True)
    source = models.CharField(_("sumber"), max_length=200)

    class Meta:
        verbose_name = _("wilayah")
        verbose_name_plural = _("wilayah")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["parent", "kind"], name="region_parent_kind"),
            models.Index(fields=["level", "kind"], name="region_level_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1, level__lte=4), name="region_level_range"
            ),
            models.CheckConstraint(
                condition=Q(level=1, parent__isnull=True) | Q(level__gt=1, parent__isnull=False),
                name="region_parent_iff_below_province",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="region_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_current(self) -> bool:
        return self.valid_to is None


class RegionDataset(models.Model):
    """A loaded edition of the region master data, so loads are idempotent and traceable."""

    source = models.CharField(_("sumber"), max_length=200, unique=True)
    valid_from = models.DateField(_("berlaku sejak"))
    loaded_at = models.DateTimeField(_("dimuat pada"), auto_now_add=True)
    counts = models.JSONField(_("jumlah per jenis"), default=dict)

    class Meta:
        verbose_name = _("edisi data wilayah")
        verbose_name_plural = _("edisi data wilayah")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return self.source
