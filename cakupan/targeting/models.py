"""Lists of vulnerable workers (DTSEN or P3KE) a kabupaten/kota plans its pekerja rentan from.

A :class:`CandidateList` is one loaded file for one kabupaten/kota; the newest one is *current*
and the plan reads only it. Loading a newer list for the same region retires the older one and
deletes its people (they are personal data and are not needed once superseded); the list row
itself stays, so who loaded which file when remains known. Every candidate row written or deleted
is audited (``targeting.services``).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cakupan.common.nik import mask_nik


class ListSource(models.TextChoices):
    DTSEN = "dtsen", _("DTSEN (Data Tunggal Sosial dan Ekonomi Nasional)")
    P3KE = "p3ke", _("P3KE (Percepatan Penghapusan Kemiskinan Ekstrem)")


class CandidateList(models.Model):
    """One loaded DTSEN/P3KE file of a kabupaten/kota."""

    region = models.ForeignKey(
        "wilayah.Region",
        verbose_name=_("kabupaten/kota"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(_("sumber"), max_length=5, choices=ListSource.choices)
    file_name = models.CharField(_("nama berkas"), max_length=255)
    file_sha256 = models.CharField(_("SHA-256 berkas"), max_length=64, db_collation="C")
    loaded_at = models.DateTimeField(_("dimuat"), auto_now_add=True)
    loaded_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("dimuat oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rows = models.PositiveIntegerField(_("baris data"))
    accepted = models.PositiveIntegerField(_("baris diterima"))
    rejected = models.PositiveIntegerField(_("baris ditolak"))
    is_current = models.BooleanField(_("daftar berlaku"), default=True)

    class Meta:
        verbose_name = _("daftar DTSEN/P3KE")
        verbose_name_plural = _("daftar DTSEN/P3KE")
        ordering = ["-loaded_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region"], condition=Q(is_current=True), name="candidate_list_one_current"
            ),
            models.CheckConstraint(
                condition=Q(accepted__lte=models.F("rows")), name="candidate_list_accepted_le_rows"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.region_id} ({self.file_name})"


class Candidate(models.Model):
    """One person of a list: who, where, how poor (desil), what work, which household."""

    candidate_list = models.ForeignKey(
        CandidateList,
        verbose_name=_("daftar"),
        on_delete=models.CASCADE,
        related_name="candidates",
        db_index=False,  # candidate_list_desa below starts with it
    )
    row_number = models.PositiveIntegerField(_("baris berkas"))
    nik = models.CharField(_("NIK"), max_length=16, db_collation="C")
    name = models.CharField(_("nama"), max_length=150)
    sex = models.CharField(_("jenis kelamin"), max_length=1)
    birth_date = models.DateField(_("tanggal lahir"))
    desa = models.ForeignKey(
        "wilayah.Region",
        verbose_name=_("desa/kelurahan"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    desil = models.PositiveSmallIntegerField(_("desil"))
    occupation = models.ForeignKey(
        "registry.Occupation",
        verbose_name=_("pekerjaan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    occupation_text = models.CharField(_("pekerjaan (tertulis)"), max_length=120, blank=True)
    household = models.CharField(
        _("keluarga (nomor KK atau ID keluarga)"), max_length=40, blank=True, db_collation="C"
    )

    AUDITED_FIELDS = (
        "nik",
        "name",
        "sex",
        "birth_date",
        "desa",
        "desil",
        "occupation",
        "household",
    )

    class Meta:
        verbose_name = _("calon peserta")
        verbose_name_plural = _("calon peserta")
        ordering = ["candidate_list", "row_number"]
        indexes = [models.Index(fields=["candidate_list", "desa"], name="candidate_list_desa")]
        constraints = [
            models.UniqueConstraint(fields=["candidate_list", "nik"], name="candidate_nik_once"),
            models.CheckConstraint(condition=Q(nik__regex=r"^[0-9]{16}$"), name="candidate_nik"),
            models.CheckConstraint(
                condition=Q(desil__gte=1, desil__lte=10), name="candidate_desil"
            ),
            models.CheckConstraint(condition=Q(sex__in=["L", "P"]), name="candidate_sex"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({mask_nik(self.nik)})"
