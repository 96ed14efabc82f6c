"""Claims: a death, work accident or occupational disease, from the report to the money paid.

A :class:`Claim` is reported against a person by NIK and tied to the membership that covered them
on the event date (its unit, payer, segment and region are copied for scoping and the summaries).
It stores the rules result it was decided on (``eligibility``, JSON from ``rules.eligibility``).
Heirs (:class:`Heir`, in the order of PP 44/2015 Pasal 37) receive the money; children among them
may be named for scholarships. Documents are uploaded per checklist item. After BPJS approves, the
cash entitlement becomes one :class:`ClaimComponent` per benefit line (each paid with amount,
date and reference) and every scholarship child a schedule of :class:`ScholarshipInstalment` per
school year. Each status change is a :class:`ClaimTransition` and an audit row.

The database holds what it can: one death claim per person (rejected ones aside), four eyes
(the verifier is never the submitter), a reason for every rejection and every payment above the
entitlement, whole non-negative rupiah, 16-digit NIKs.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cakupan.common.fields import EncryptedTextField, MoneyField
from cakupan.common.nik import mask_nik
from cakupan.registry.models import Segment


class ClaimType(models.TextChoices):
    JKM = "jkm", _("JKM (meninggal dunia bukan akibat kerja)")
    JKK_DEATH = "jkk-death", _("JKK meninggal dunia (kecelakaan kerja/penyakit akibat kerja)")
    JKK_ACCIDENT = "jkk-accident", _("JKK kecelakaan kerja/penyakit akibat kerja")


class EventKind(models.TextChoices):
    DEATH = "death", _("Meninggal dunia")
    ACCIDENT = "accident", _("Kecelakaan kerja")
    DISEASE = "disease", _("Penyakit akibat kerja")


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", _("Draf")
    SUBMITTED = "submitted", _("Diajukan")
    VERIFIED = "verified", _("Diverifikasi")
    FILED = "filed", _("Diajukan ke BPJS Ketenagakerjaan")
    APPROVED = "approved", _("Disetujui BPJS Ketenagakerjaan")
    REJECTED = "rejected", _("Ditolak BPJS Ketenagakerjaan")
    PAID = "paid", _("Dibayar")


#: Statuses in which BPJS Ketenagakerjaan holds a complete claim and the payment clock runs.
CLOCK_STATUSES = (ClaimStatus.FILED, ClaimStatus.APPROVED)


class Claim(models.Model):
    """One event of one person and what it gives. See the module docstring."""

    number = models.CharField(_("nomor klaim"), max_length=30, unique=True, db_collation="C")
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("peserta"),
        on_delete=models.PROTECT,
        related_name="claims",
    )
    membership = models.ForeignKey(
        "registry.Membership",
        verbose_name=_("kepesertaan yang melindungi"),
        on_delete=models.PROTECT,
        related_name="claims",
    )
    unit = models.ForeignKey(
        "registry.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="claims"
    )
    payer = models.ForeignKey(
        "registry.Unit",
        verbose_name=_("pembayar iuran"),
        on_delete=models.PROTECT,
        related_name="paid_claims",
    )
    region = models.ForeignKey(
        "wilayah.Region",
        verbose_name=_("wilayah unit"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    segment = models.CharField(_("segmen"), max_length=25, choices=Segment.choices)
    type = models.CharField(_("jenis klaim"), max_length=15, choices=ClaimType.choices)
    event_kind = models.CharField(_("peristiwa"), max_length=10, choices=EventKind.choices)
    event_date = models.DateField(_("tanggal peristiwa"))
    event_place = models.CharField(_("tempat"), max_length=200)
    cause = models.CharField(_("penyebab"), max_length=300)
    at_work = models.BooleanField(_("di tempat kerja/saat bekerja"), default=False)
    commuting = models.BooleanField(_("dalam perjalanan pergi/pulang kerja"), default=False)
    occurred_at = models.DateTimeField(_("waktu kecelakaan"), null=True, blank=True)
    employer_reported_at = models.DateTimeField(
        _("laporan tahap I pemberi kerja"), null=True, blank=True
    )
    stmb_days = models.PositiveIntegerField(_("hari tidak mampu bekerja"), null=True, blank=True)
    disability_percent = models.DecimalField(
        _("persentase cacat"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    total_disability = models.BooleanField(_("cacat total tetap"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT
    )
    # The rules result the claim was decided on (``rules.eligibility`` as JSON), refreshed while
    # the claim is a draft and frozen from submission.
    eligibility = models.JSONField(_("hasil aturan"))
    regulation = models.CharField(_("regulasi manfaat"), max_length=20)
    cash_entitlement = MoneyField(_("hak tunai (Rp)"))
    scholarship_entitlement = MoneyField(_("beasiswa paling banyak (Rp)"), default=0)
    employer_pays_first = models.BooleanField(_("dibayar pemberi kerja lebih dulu"), default=False)
    stage1_report_late = models.BooleanField(_("laporan tahap I terlambat"), default=False)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dilaporkan oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("dilaporkan"), default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diajukan oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("diajukan"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diverifikasi oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("diverifikasi"), null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diterima BPJS oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The day BPJS Ketenagakerjaan received the complete claim: the payment clock starts here.
    filed_on = models.DateField(_("diterima BPJS"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diputus oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_on = models.DateField(_("diputus"), null=True, blank=True)
    rejection_reason = models.CharField(_("alasan penolakan"), max_length=500, blank=True)
    paid_on = models.DateField(_("lunas"), null=True, blank=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    AUDITED_FIELDS = (
        "status",
        "type",
        "event_kind",
        "event_date",
        "event_place",
        "cause",
        "at_work",
        "commuting",
        "occurred_at",
        "employer_reported_at",
        "stmb_days",
        "disability_percent",
        "total_disability",
        "membership",
        "cash_entitlement",
        "scholarship_entitlement",
        "employer_pays_first",
        "stage1_report_late",
        "submitted_by",
        "verified_by",
        "filed_by",
        "filed_on",
        "decided_by",
        "decided_on",
        "rejection_reason",
        "paid_on",
    )

    class Meta:
        verbose_name = _("klaim")
        verbose_name_plural = _("klaim")
        ordering = ["-event_date", "-id"]
        indexes = [
            models.Index(fields=["status", "filed_on"], name="claim_status_filed"),
            models.Index(fields=["region", "event_date"], name="claim_region_event"),
            models.Index(fields=["person"], name="claim_person"),
        ]
        constraints = [
            # A person dies once: a second report of the death is refused with the first one's
            # number (a claim BPJS rejected may be reported again).
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(event_kind="death") & ~Q(status="rejected"),
                name="claim_one_death_per_person",
            ),
            models.CheckConstraint(
                condition=Q(type="jkk-accident", event_kind__in=["accident", "disease"])
                | Q(type__in=["jkm", "jkk-death"], event_kind="death"),
                name="claim_type_matches_event",
            ),
            # Four eyes: whoever submitted a claim never verifies it.
            models.CheckConstraint(
                condition=Q(verified_by__isnull=True)
                | Q(submitted_by__isnull=True)
                | ~Q(verified_by=F("submitted_by")),
                name="claim_verifier_not_submitter",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="claim_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(cash_entitlement__gte=0, scholarship_entitlement__gte=0),
                name="claim_entitlement_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(stmb_days__isnull=True) | Q(stmb_days__gte=1),
                name="claim_stmb_days_positive",
            ),
            models.CheckConstraint(
                condition=Q(disability_percent__isnull=True)
                | Q(disability_percent__gt=0, disability_percent__lte=100),
                name="claim_disability_percent_range",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "verified"])
                | Q(filed_on__isnull=False),
                name="claim_filed_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(paid_on__isnull=False), name="claim_paid_has_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_type_display()}"


class HeirRelation(models.TextChoices):
    """Heirs in the order of PP 44/2015 Pasal 37: spouse and children, then blood relatives up and
    down to the second degree, siblings, parents-in-law, the person named in a will."""

    SPOUSE = "spouse", _("Suami/istri")
    CHILD = "child", _("Anak")
    PARENT = "parent", _("Orang tua")
    GRANDCHILD = "grandchild", _("Cucu")
    GRANDPARENT = "grandparent", _("Kakek/nenek")
    SIBLING = "sibling", _("Saudara kandung")
    PARENT_IN_LAW = "parent_in_law", _("Mertua")
    WILL = "will", _("Pihak yang ditunjuk dalam wasiat")


#: The group of each relation in the order of PP 44/2015 Pasal 37 (1 comes first).
HEIR_GROUP = {
    HeirRelation.SPOUSE: 1,
    HeirRelation.CHILD: 1,
    HeirRelation.PARENT: 2,
    HeirRelation.GRANDCHILD: 2,
    HeirRelation.GRANDPARENT: 2,
    HeirRelation.SIBLING: 3,
    HeirRelation.PARENT_IN_LAW: 4,
    HeirRelation.WILL: 5,
}


class SchoolLevel(models.TextChoices):
    TK = "tk", _("TK")
    SD = "sd", _("SD/sederajat")
    SMP = "smp", _("SMP/sederajat")
    SMA = "sma", _("SMA/sederajat")
    PT = "pt", _("Perguruan tinggi/pelatihan")


class Heir(models.Model):
    """An heir (ahli waris) of a claim. NIK and bank account are personal data: lists show them
    masked and every view of them is written to the access log."""

    claim = models.ForeignKey(
        Claim, verbose_name=_("klaim"), on_delete=models.CASCADE, related_name="heirs"
    )
    nik = models.CharField(_("NIK"), max_length=16, db_collation="C")
    name = models.CharField(_("nama"), max_length=150)
    relation = models.CharField(_("hubungan"), max_length=15, choices=HeirRelation.choices)
    group = models.PositiveSmallIntegerField(_("urutan ahli waris"))
    birth_date = models.DateField(_("tanggal lahir"))
    phone = models.CharField(_("nomor HP"), max_length=20, blank=True)
    bank_name = models.CharField(_("bank"), max_length=60, blank=True)
    # Encrypted at rest (issue 13): the bank account of an heir and a child's school. Digits only,
    # 5-30 of them: checked by the service (the column holds ciphertext).
    bank_account = EncryptedTextField(_("nomor rekening"), blank=True)
    account_holder = models.CharField(_("atas nama rekening"), max_length=150, blank=True)
    is_recipient = models.BooleanField(_("penerima santunan"), default=False)
    scholarship = models.BooleanField(_("diusulkan beasiswa"), default=False)
    school_level = models.CharField(
        _("jenjang sekolah"), max_length=3, choices=SchoolLevel.choices, blank=True
    )
    school_class = models.PositiveSmallIntegerField(_("kelas/semester"), null=True, blank=True)
    school_name = EncryptedTextField(_("nama sekolah"), blank=True)
    married = models.BooleanField(_("sudah menikah"), default=False)
    working = models.BooleanField(_("sudah bekerja"), default=False)
    created_at = models.DateTimeField(_("dicatat"), auto_now_add=True)

    AUDITED_FIELDS = (
        "nik",
        "name",
        "relation",
        "birth_date",
        "phone",
        "bank_name",
        "bank_account",
        "account_holder",
        "is_recipient",
        "scholarship",
        "school_level",
        "school_class",
        "school_name",
        "married",
        "working",
    )

    class Meta:
        verbose_name = _("ahli waris")
        verbose_name_plural = _("ahli waris")
        ordering = ["group", "relation", "birth_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "nik"], name="heir_nik_once_per_claim"),
            models.CheckConstraint(condition=Q(nik__regex=r"^[0-9]{16}$"), name="heir_nik_16"),
            models.CheckConstraint(
                condition=Q(scholarship=False) | Q(relation="child") & ~Q(school_level=""),
                name="heir_scholarship_child_with_level",
            ),
            models.CheckConstraint(
                condition=Q(group__gte=1, group__lte=5), name="heir_group_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_relation_display()})"

    @property
    def masked_nik(self) -> str:
        return mask_nik(self.nik)

    @property
    def masked_account(self) -> str:
        """``****5678``: the last four digits only."""
        if not self.bank_account:
            return ""
        return "*" * 4 + self.bank_account[-4:]


class DocumentKind(models.TextChoices):
    AKTA_KEMATIAN = "akta_kematian", _("Akta kematian / surat keterangan kematian")
    KARTU_KELUARGA = "kartu_keluarga", _("Kartu keluarga (KK)")
    KTP_AHLI_WARIS = "ktp_ahli_waris", _("KTP ahli waris")
    SURAT_AHLI_WARIS = "surat_ahli_waris", _("Surat keterangan ahli waris")
    BUKU_REKENING = "buku_rekening", _("Buku rekening penerima")
    KTP_PESERTA = "ktp_peserta", _("KTP peserta")
    KARTU_PESERTA = "kartu_peserta", _("Kartu peserta BPJS Ketenagakerjaan")
    LAPORAN_TAHAP_1 = "laporan_tahap_1", _("Laporan kecelakaan kerja tahap I")
    LAPORAN_TAHAP_2 = "laporan_tahap_2", _("Laporan kecelakaan kerja tahap II")
    KETERANGAN_DOKTER = "keterangan_dokter", _("Surat keterangan dokter")
    KRONOLOGI = "kronologi", _("Kronologi kejadian / keterangan polisi")
    BUKTI_SEKOLAH = "bukti_sekolah", _("Bukti terdaftar sebagai siswa/mahasiswa")
    LAINNYA = "lainnya", _("Dokumen lain")


class ClaimDocument(models.Model):
    """An uploaded document, stored under a server-generated name with its SHA-256."""

    claim = models.ForeignKey(
        Claim, verbose_name=_("klaim"), on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("jenis dokumen"), max_length=20, choices=DocumentKind.choices)
    heir = models.ForeignKey(
        Heir,
        verbose_name=_("ahli waris"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="documents",
    )
    file_name = models.CharField(_("nama berkas asli"), max_length=255)
    file_path = models.CharField(_("lokasi berkas"), max_length=255)
    file_sha256 = models.CharField(_("sidik SHA-256"), max_length=64, db_collation="C")
    file_size = models.PositiveIntegerField(_("ukuran (byte)"))
    content_type = models.CharField(_("jenis berkas"), max_length=40)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("diunggah oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("diunggah"), auto_now_add=True)

    class Meta:
        verbose_name = _("dokumen klaim")
        verbose_name_plural = _("dokumen klaim")
        ordering = ["kind", "uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(file_size__gt=0), name="claimdocument_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.file_name}"


class ClaimComponent(models.Model):
    """One cash benefit line of an approved claim (santunan kematian, berkala, pemakaman ...) with
    its entitlement and, once paid, the amount, date and reference. A payment above the entitlement
    needs ``override_reason``; one that differs either way is flagged with both figures."""

    claim = models.ForeignKey(
        Claim, verbose_name=_("klaim"), on_delete=models.CASCADE, related_name="components"
    )
    position = models.PositiveSmallIntegerField(_("urutan"))
    item = models.CharField(_("komponen"), max_length=150)
    source = models.CharField(_("dasar hukum"), max_length=200, blank=True)
    entitlement = MoneyField(_("hak (Rp)"))
    paid_amount = MoneyField(_("dibayar (Rp)"), null=True, blank=True)
    paid_on = models.DateField(_("tanggal bayar"), null=True, blank=True)
    reference = models.CharField(_("referensi pembayaran"), max_length=100, blank=True)
    override_reason = models.CharField(_("alasan selisih"), max_length=300, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dicatat oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("komponen santunan")
        verbose_name_plural = _("komponen santunan")
        ordering = ["claim_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "position"], name="component_position"),
            models.CheckConstraint(condition=Q(entitlement__gte=0), name="component_entitlement"),
            models.CheckConstraint(
                condition=Q(paid_amount__isnull=True, paid_on__isnull=True, reference="")
                | Q(paid_amount__gte=0, paid_on__isnull=False) & ~Q(reference=""),
                name="component_payment_complete",
            ),
            models.CheckConstraint(
                condition=Q(paid_amount__isnull=True)
                | Q(paid_amount__lte=F("entitlement"))
                | ~Q(override_reason=""),
                name="component_over_entitlement_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.item}"

    @property
    def differs(self) -> bool:
        return self.paid_amount is not None and self.paid_amount != self.entitlement


class InstalmentStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Terjadwal")
    ENROLLED = "enrolled", _("Bukti sekolah diterima")
    PAID = "paid", _("Dibayar")
    STOPPED = "stopped", _("Dihentikan")


class StopReason(models.TextChoices):
    AGE = "age", _("Mencapai batas usia")
    MARRIED = "married", _("Menikah")
    WORKING = "working", _("Bekerja")
    DROPPED_OUT = "dropped_out", _("Putus sekolah")


class ScholarshipInstalment(models.Model):
    """One school year of one child's scholarship, from the rules engine's yearly schedule.

    ``year`` names the school year by the calendar year it starts in (July): the first instalment
    is the school year in which the event fell, the next ones follow. Paid after proof of
    enrolment; stopped at the age limit, marriage, work or dropping out."""

    claim = models.ForeignKey(
        Claim, verbose_name=_("klaim"), on_delete=models.CASCADE, related_name="instalments"
    )
    heir = models.ForeignKey(
        Heir, verbose_name=_("anak"), on_delete=models.PROTECT, related_name="instalments"
    )
    child_number = models.PositiveSmallIntegerField(_("anak ke"))
    year = models.PositiveSmallIntegerField(_("tahun ajaran mulai"))
    level = models.CharField(_("jenjang"), max_length=3, choices=SchoolLevel.choices)
    amount = MoneyField(_("nilai (Rp)"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InstalmentStatus.choices,
        default=InstalmentStatus.SCHEDULED,
    )
    proof = models.ForeignKey(
        ClaimDocument,
        verbose_name=_("bukti sekolah"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    school_name = models.CharField(_("sekolah"), max_length=150, blank=True)
    school_class = models.PositiveSmallIntegerField(_("kelas/semester"), null=True, blank=True)
    enrolled_on = models.DateField(_("bukti diterima"), null=True, blank=True)
    paid_amount = MoneyField(_("dibayar (Rp)"), null=True, blank=True)
    paid_on = models.DateField(_("tanggal bayar"), null=True, blank=True)
    reference = models.CharField(_("referensi pembayaran"), max_length=100, blank=True)
    override_reason = models.CharField(_("alasan selisih"), max_length=300, blank=True)
    stop_reason = models.CharField(
        _("alasan berhenti"), max_length=12, choices=StopReason.choices, blank=True
    )
    stop_note = models.CharField(_("keterangan berhenti"), max_length=300, blank=True)
    stopped_on = models.DateField(_("dihentikan"), null=True, blank=True)

    class Meta:
        verbose_name = _("angsuran beasiswa")
        verbose_name_plural = _("angsuran beasiswa")
        ordering = ["claim_id", "child_number", "year"]
        indexes = [models.Index(fields=["year", "status"], name="instalment_year_status")]
        constraints = [
            models.UniqueConstraint(fields=["heir", "year"], name="instalment_once_a_year"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="instalment_amount"),
            models.CheckConstraint(
                condition=~Q(status="paid")
                | Q(paid_amount__gte=0, paid_on__isnull=False, enrolled_on__isnull=False)
                & ~Q(reference=""),
                name="instalment_paid_complete",
            ),
            models.CheckConstraint(
                condition=~Q(status="stopped") | ~Q(stop_reason="") & Q(stopped_on__isnull=False),
                name="instalment_stop_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(paid_amount__isnull=True)
                | Q(paid_amount__lte=F("amount"))
                | ~Q(override_reason=""),
                name="instalment_over_amount_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.heir} {self.year}"

    @property
    def school_year(self) -> str:
        return f"{self.year}/{self.year + 1}"


class ClaimTransition(models.Model):
    """One status change of a claim: who, when, from and to, with the note given."""

    claim = models.ForeignKey(
        Claim, verbose_name=_("klaim"), on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(
        _("dari"), max_length=10, choices=ClaimStatus.choices, blank=True
    )
    to_status = models.CharField(_("menjadi"), max_length=10, choices=ClaimStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("nama pelaku"), max_length=150)
    at = models.DateTimeField(_("waktu"), default=timezone.now)
    note = models.CharField(_("catatan"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("riwayat status klaim")
        verbose_name_plural = _("riwayat status klaim")
        ordering = ["claim_id", "id"]

    def __str__(self) -> str:
        return f"{self.claim_id}: {self.from_status} -> {self.to_status}"
