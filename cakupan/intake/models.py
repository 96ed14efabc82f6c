"""Import batches: one uploaded enrolment file, its validation results and its workflow."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cakupan.registry.models import Segment


class BatchStatus(models.TextChoices):
    DRAFT = "draft", _("Draf (belum diperiksa)")
    VALIDATED = "validated", _("Sudah diperiksa")
    COMMITTED = "committed", _("Tersimpan di registri")
    SUBMITTED = "submitted", _("Diajukan ke kabupaten")
    RETURNED = "returned", _("Dikembalikan ke operator")
    VERIFIED = "verified", _("Diverifikasi")
    SENT = "sent", _("Dikirim ke BPJS Ketenagakerjaan")
    REGISTERED = "registered", _("Terdaftar di BPJS Ketenagakerjaan")
    FAILED = "failed", _("Berkas tidak dapat dipakai")


class Phase(models.TextChoices):
    QUEUED = "queued", _("Menunggu giliran")
    READING = "reading", _("Membaca berkas")
    VALIDATING = "validating", _("Memeriksa baris")
    CHECKING_REGISTRY = "checking_registry", _("Mencocokkan dengan registri")
    WRITING = "writing", _("Menyimpan")
    DONE = "done", _("Selesai")


class ImportBatch(models.Model):
    """An uploaded file for one unit. The raw file is kept under a server-generated name with its hash.

    Validation never writes to the registry; commit re-runs the whole pipeline from the stored file
    inside one transaction, so a crash leaves the registry either fully updated or untouched and a
    rerun completes it.
    """

    unit = models.ForeignKey(
        "registry.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="batches"
    )
    segment = models.CharField(_("segmen"), max_length=25, choices=Segment.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diunggah oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("diunggah"), auto_now_add=True)
    source = models.CharField(_("kanal"), max_length=10)
    file_name = models.CharField(_("nama berkas asli"), max_length=255)
    file_path = models.CharField(_("lokasi berkas"), max_length=255)
    file_sha256 = models.CharField(
        _("sidik SHA-256"), max_length=64, db_collation="C", db_index=True
    )
    file_size = models.PositiveBigIntegerField(_("ukuran (byte)"))
    file_type = models.CharField(_("jenis berkas"), max_length=5, blank=True)
    header_row = models.PositiveIntegerField(_("baris judul kolom"), null=True, blank=True)
    mapping = models.JSONField(_("pemetaan kolom"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=BatchStatus.choices, default=BatchStatus.DRAFT
    )
    phase = models.CharField(_("tahap"), max_length=20, choices=Phase.choices, default=Phase.QUEUED)
    progress_done = models.PositiveIntegerField(_("baris selesai"), default=0)
    progress_total = models.PositiveIntegerField(_("jumlah baris"), default=0)
    rows = models.PositiveIntegerField(_("baris"), default=0)
    accepted = models.PositiveIntegerField(_("diterima"), default=0)
    rejected = models.PositiveIntegerField(_("ditolak"), default=0)
    new = models.PositiveIntegerField(_("baru"), default=0)
    changed = models.PositiveIntegerField(_("berubah"), default=0)
    unchanged = models.PositiveIntegerField(_("tidak berubah"), default=0)
    issue_counts = models.JSONField(_("jumlah masalah per kode"), default=dict, blank=True)
    file_error = models.JSONField(_("kesalahan berkas"), null=True, blank=True)
    validated_at = models.DateTimeField(_("diperiksa"), null=True, blank=True)
    committed_at = models.DateTimeField(_("disimpan"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("diajukan"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("diajukan oleh"),
    )
    verified_at = models.DateTimeField(_("diverifikasi"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("diverifikasi oleh"),
    )
    returned_at = models.DateTimeField(_("dikembalikan"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("dikembalikan oleh"),
    )
    # Why the verifier sent the batch back (the operator reads it on the batch page). Kept after a
    # new submission, so that the verifier sees what was asked last time.
    return_note = models.TextField(_("catatan pengembalian"), blank=True)
    sent_at = models.DateTimeField(_("dikirim ke BPJS"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("dikirim oleh"),
    )
    registered_at = models.DateTimeField(_("terdaftar"), null=True, blank=True)
    # The last reply of BPJS Ketenagakerjaan as read (``workflow.ReplyResult.as_summary``): counts
    # and every row that did not fit (NIK masked), shown on the batch page after the upload.
    reply_summary = models.JSONField(_("hasil balasan BPJS terakhir"), null=True, blank=True)

    class Meta:
        verbose_name = _("batch impor")
        verbose_name_plural = _("batch impor")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["unit", "-created_at"], name="batch_unit_created")]
        constraints = [
            models.CheckConstraint(
                condition=Q(accepted__lte=models.F("rows")) & Q(rejected__lte=models.F("rows")),
                name="batch_counts_within_rows",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.file_name}"


class ImportIssue(models.Model):
    """One problem found in one row (or cell) of a batch's file, as the operator sees it."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="issues")
    row_number = models.PositiveIntegerField(_("baris"))
    column = models.CharField(_("kolom"), max_length=200, blank=True)
    field = models.CharField(_("isian"), max_length=30, blank=True)
    code = models.CharField(_("kode"), max_length=40)
    severity = models.CharField(_("tingkat"), max_length=7)
    message = models.TextField(_("pesan"))

    class Meta:
        verbose_name = _("masalah impor")
        verbose_name_plural = _("masalah impor")
        ordering = ["batch", "row_number", "id"]
        indexes = [models.Index(fields=["batch", "row_number"], name="issue_batch_row")]

    def __str__(self) -> str:
        return f"{self.row_number}: {self.code}"


class BatchMembership(models.Model):
    """Which membership each accepted row of a committed batch created or confirmed.

    Also the provenance of the rows a batch created (issue 15, item 5): ``person_created`` and
    ``membership_created`` say that this row of the batch's file created them (the registry's bulk
    write audits them with one row per batch, ``registry.services.bulk``). The batch keeps who
    committed which file (name, SHA-256) when.
    """

    batch = models.ForeignKey(
        ImportBatch,
        on_delete=models.CASCADE,
        related_name="links",
        db_index=False,  # batch_membership_unique starts with it
        db_constraint=False,  # checked per statement (migration 0007, common.refchecks)
    )
    membership = models.ForeignKey(
        "registry.Membership",
        on_delete=models.CASCADE,
        related_name="batch_links",
        db_constraint=False,  # checked per statement (migration 0007, common.refchecks)
    )
    row_number = models.PositiveIntegerField(_("baris"))
    person_created = models.BooleanField(
        _("orang dibuat oleh baris ini"), default=False, db_default=False
    )
    membership_created = models.BooleanField(
        _("kepesertaan dibuat oleh baris ini"), default=False, db_default=False
    )

    class Meta:
        verbose_name = _("kepesertaan dalam batch")
        verbose_name_plural = _("kepesertaan dalam batch")
        constraints = [
            models.UniqueConstraint(fields=["batch", "membership"], name="batch_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"#{self.batch_id}:{self.row_number}"


class HeaderMemory(models.Model):
    """A column mapping an operator chose once for a unit, reused for that unit's next files."""

    unit = models.ForeignKey(
        "registry.Unit", on_delete=models.CASCADE, related_name="header_memory"
    )
    header = models.CharField(_("judul kolom (dinormalkan)"), max_length=200)
    field = models.CharField(_("isian"), max_length=30)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("pemetaan kolom tersimpan")
        verbose_name_plural = _("pemetaan kolom tersimpan")
        constraints = [
            models.UniqueConstraint(fields=["unit", "header"], name="header_memory_unique")
        ]

    def __str__(self) -> str:
        return f"{self.header} -> {self.field}"


class ValueMemory(models.Model):
    """A coded value an operator mapped once for a unit ("Kaur Kesra" -> kepala seksi, or
    "abaikan"), applied to that unit's next files before the vocabulary (``columns.vocabulary``).
    """

    unit = models.ForeignKey("registry.Unit", on_delete=models.CASCADE, related_name="value_memory")
    field = models.CharField(_("isian"), max_length=30)
    value = models.CharField(_("nilai (dinormalkan)"), max_length=200)
    target = models.CharField(_("dipetakan ke"), max_length=40)  # a code, or schema.IGNORE
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("pemetaan nilai tersimpan")
        verbose_name_plural = _("pemetaan nilai tersimpan")
        constraints = [
            models.UniqueConstraint(fields=["unit", "field", "value"], name="value_memory_unique")
        ]

    def __str__(self) -> str:
        return f"{self.field}: {self.value} -> {self.target}"
