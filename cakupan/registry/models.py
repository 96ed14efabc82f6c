"""People, the units that employ or pay for them, BPJS branch offices, agreements, memberships."""

from __future__ import annotations

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateRangeField, RangeBoundary, RangeOperators
from django.db import models
from django.db.models import F, Func, Q
from django.utils.translation import gettext_lazy as _

from cakupan.common.choices import choice_display
from cakupan.common.fields import MoneyField
from cakupan.common.nik import mask_nik


class DateRange(Func):
    """``daterange(start, end, '[]')``: both days included, open end when ``end`` is NULL."""

    function = "daterange"
    output_field = DateRangeField()


class Sex(models.TextChoices):
    LAKI_LAKI = "L", _("Laki-laki")
    PEREMPUAN = "P", _("Perempuan")


class Segment(models.TextChoices):
    NON_ASN = "non_asn", _("Pegawai non-ASN")
    PERANGKAT_DESA = "perangkat_desa", _("Kepala desa dan perangkat desa")
    BPD = "bpd", _("Badan Permusyawaratan Desa (BPD)")
    LEMBAGA_DESA = "lembaga_desa", _("Lembaga kemasyarakatan desa (LKD, RT/RW)")
    PEKERJA_KEAGAMAAN = "pekerja_keagamaan", _("Pekerja keagamaan")
    PEKERJA_RENTAN = "pekerja_rentan", _("Pekerja rentan")
    PENYELENGGARA_PEMILU = "penyelenggara_pemilu", _("Penyelenggara pemilu/pilkada ad hoc")


# Segments of village officials, counted together as "aparat desa dan BPD" in the reports.
VILLAGE_OFFICIAL_SEGMENTS = (Segment.PERANGKAT_DESA, Segment.BPD)


class FundingSource(models.TextChoices):
    APBD_KABKOTA = "apbd_kabkota", _("APBD kabupaten/kota")
    APBD_PROVINSI = "apbd_provinsi", _("APBD provinsi")
    APBDES_ADD = "apbdes_add", _("APBDes (ADD)")
    DANA_DESA = "dana_desa", _("Dana Desa")
    DONOR_CSR = "donor_csr", _("Donatur/CSR")
    MANDIRI = "mandiri", _("Mandiri")


class Scheme(models.TextChoices):
    PU = "pu", _("Penerima Upah (PU)")
    BPU = "bpu", _("Bukan Penerima Upah (BPU)")


class Programme(models.TextChoices):
    JKK = "jkk", _("Jaminan Kecelakaan Kerja (JKK)")
    JKM = "jkm", _("Jaminan Kematian (JKM)")
    JHT = "jht", _("Jaminan Hari Tua (JHT)")
    JP = "jp", _("Jaminan Pensiun (JP)")
    JKP = "jkp", _("Jaminan Kehilangan Pekerjaan (JKP)")


class MembershipStatus(models.TextChoices):
    DRAFT = "draft", _("Draf")
    SUBMITTED = "submitted", _("Diajukan")
    REGISTERED = "registered", _("Terdaftar di BPJS")
    ACTIVE = "active", _("Aktif")
    LAPSED = "lapsed", _("Nonaktif (menunggak)")
    ENDED = "ended", _("Berakhir")


# A membership gives protection on a date when its status is one of these and the date lies in
# [start_date, end_date]. Drafts and submissions are not yet known to BPJS; a lapse or an end
# closes end_date, so the past stays countable.
COVERED_STATUSES = (
    MembershipStatus.REGISTERED,
    MembershipStatus.ACTIVE,
    MembershipStatus.LAPSED,
    MembershipStatus.ENDED,
)


class UnitKind(models.TextChoices):
    OPD = "opd", _("Organisasi Perangkat Daerah (OPD)")
    PEMERINTAH_DESA = "pemerintah_desa", _("Pemerintah desa")
    BPD = "bpd", _("Badan Permusyawaratan Desa")
    LEMBAGA_DESA = "lembaga_desa", _("Lembaga desa")
    KELURAHAN = "kelurahan", _("Kelurahan")
    KECAMATAN = "kecamatan", _("Kecamatan")
    LEMBAGA_KEAGAMAAN = "lembaga_keagamaan", _("Lembaga keagamaan")
    KELOMPOK_RENTAN = "kelompok_rentan", _("Kelompok pekerja rentan")
    PENYELENGGARA_PEMILU = "penyelenggara_pemilu", _("Badan ad hoc pemilu/pilkada")
    LAINNYA = "lainnya", _("Lainnya")


class Person(models.Model):
    """A natural person, identified by NIK. Personal data: every change and view is audited."""

    # Before the fields: their get_FOO_display() bind to it (cakupan.common.choices).
    _get_FIELD_display = choice_display

    nik = models.CharField(_("NIK"), max_length=16, unique=True, db_collation="C")
    name = models.CharField(_("nama"), max_length=150)
    sex = models.CharField(_("jenis kelamin"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("tanggal lahir"))
    domicile = models.ForeignKey(
        "wilayah.Region",
        verbose_name=_("desa/kelurahan domisili"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,  # checked per statement (migration 0007, common.refchecks)
    )
    phone = models.CharField(_("nomor HP"), max_length=20, blank=True)
    kk_number = models.CharField(_("nomor KK"), max_length=16, blank=True, db_collation="C")
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    AUDITED_FIELDS = ("nik", "name", "sex", "birth_date", "domicile", "phone", "kk_number")

    class Meta:
        verbose_name = _("orang")
        verbose_name_plural = _("orang")
        ordering = ["name", "id"]
        indexes = [models.Index(F("name").asc(), name="person_name")]
        constraints = [
            models.CheckConstraint(
                condition=Q(nik__regex=r"^[0-9]{16}$"), name="person_nik_16_digits"
            ),
            models.CheckConstraint(
                condition=Q(kk_number="") | Q(kk_number__regex=r"^[0-9]{16}$"),
                name="person_kk_16_digits",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.masked_nik})"

    @property
    def masked_nik(self) -> str:
        """The NIK as shown where the full number is not needed: ``7324********0001``."""
        return mask_nik(self.nik)


class BranchOffice(models.Model):
    """A BPJS Ketenagakerjaan branch office (kantor cabang) and the kabupaten/kota it serves."""

    # What the Django admin's changes write to the audit log (registry.services.admin_save).
    AUDITED_FIELDS = ("code", "name")

    code = models.CharField(_("kode"), max_length=20, unique=True, db_collation="C")
    name = models.CharField(_("nama"), max_length=120)
    regions = models.ManyToManyField(
        "wilayah.Region",
        verbose_name=_("kabupaten/kota yang dilayani"),
        related_name="branch_offices",
    )

    class Meta:
        verbose_name = _("kantor cabang BPJS Ketenagakerjaan")
        verbose_name_plural = _("kantor cabang BPJS Ketenagakerjaan")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """Who employs or pays: an OPD, a pemerintah desa, a BPD, a religious body, a group of workers."""

    # Before the fields: their get_FOO_display() bind to it (cakupan.common.choices).
    _get_FIELD_display = choice_display

    # What the Django admin's changes write to the audit log (registry.services.admin_save).
    AUDITED_FIELDS = ("code", "name", "kind", "region", "verifies_segments", "parent", "payer")

    code = models.CharField(_("kode"), max_length=40, unique=True, db_collation="C")
    name = models.CharField(_("nama"), max_length=200)
    kind = models.CharField(_("jenis"), max_length=25, choices=UnitKind.choices)
    region = models.ForeignKey(
        "wilayah.Region", verbose_name=_("wilayah"), on_delete=models.PROTECT, related_name="units"
    )
    # The segments whose enrolment batches this unit (a DPMD, BKPSDM, Disnaker ...) verifies for
    # its kabupaten/kota: DPMD for village segments, BKPSDM for non-ASN, Disnaker for pekerja rentan.
    verifies_segments = ArrayField(
        models.CharField(max_length=25, choices=Segment.choices),
        verbose_name=_("memverifikasi segmen"),
        default=list,
        blank=True,
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("unit induk"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Who pays this unit's contribution bills; NULL: the unit pays for itself. A BPD or a lembaga
    # desa is paid by its pemerintah desa out of APBDes; a kelompok pekerja rentan funded by APBD by
    # the OPD that holds the budget. Bills go to ``coalesce(payer, unit)`` (one level, never a chain).
    payer = models.ForeignKey(
        "self",
        verbose_name=_("dibayar oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="paid_units",
    )

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("unit")
        ordering = ["region_id", "name"]
        indexes = [models.Index(fields=["region", "kind"], name="unit_region_kind")]
        constraints = [
            models.CheckConstraint(
                condition=Q(payer__isnull=True) | ~Q(payer=F("pk")), name="unit_not_own_payer"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class UnitFormation(models.Model):
    """Posts (formasi) a unit has for a segment over a period: the denominator of "posts filled".

    Buol's "87,8 persen perangkat desa terdaftar" is filled posts over these posts.
    """

    # What the Django admin's changes write to the audit log (registry.services.admin_save).
    AUDITED_FIELDS = ("unit", "segment", "posts", "valid_from", "valid_to")

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="formations"
    )
    segment = models.CharField(_("segmen"), max_length=25, choices=Segment.choices)
    posts = models.PositiveIntegerField(_("jumlah formasi"))
    valid_from = models.DateField(_("berlaku sejak"))
    valid_to = models.DateField(_("berlaku sampai"), null=True, blank=True)

    class Meta:
        verbose_name = _("formasi unit")
        verbose_name_plural = _("formasi unit")
        constraints = [
            ExclusionConstraint(
                name="formation_no_overlap",
                expressions=[
                    ("unit", RangeOperators.EQUAL),
                    ("segment", RangeOperators.EQUAL),
                    (
                        DateRange(
                            F("valid_from"),
                            F("valid_to"),
                            RangeBoundary(inclusive_lower=True, inclusive_upper=True),
                        ),
                        RangeOperators.OVERLAPS,
                    ),
                ],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit}: {self.posts} {self.get_segment_display()}"


class CooperationAgreement(models.Model):
    """A KSO/PKS between a regional government (or a DPMD) and BPJS Ketenagakerjaan."""

    # What the Django admin's changes write to the audit log (registry.services.admin_save).
    AUDITED_FIELDS = (
        "kind",
        "number",
        "title",
        "region",
        "unit",
        "branch_office",
        "parties",
        "signed_on",
        "valid_from",
        "valid_to",
        "segments",
        "legal_basis",
    )

    class Kind(models.TextChoices):
        KSO = "kso", _("Kerja Sama Operasional (KSO)")
        PKS = "pks", _("Perjanjian Kerja Sama (PKS)")
        NOTA_KESEPAHAMAN = "mou", _("Nota kesepahaman")

    kind = models.CharField(_("jenis"), max_length=5, choices=Kind.choices)
    number = models.CharField(_("nomor"), max_length=100)
    title = models.CharField(_("judul"), max_length=250)
    region = models.ForeignKey(
        "wilayah.Region",
        verbose_name=_("pemerintah daerah"),
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("perangkat daerah penanggung jawab"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    branch_office = models.ForeignKey(
        BranchOffice,
        verbose_name=_("kantor cabang"),
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    parties = models.TextField(_("para pihak"))
    signed_on = models.DateField(_("tanggal ditandatangani"))
    valid_from = models.DateField(_("berlaku sejak"))
    valid_to = models.DateField(_("berlaku sampai"), null=True, blank=True)
    segments = ArrayField(
        models.CharField(max_length=25, choices=Segment.choices), verbose_name=_("segmen")
    )
    legal_basis = models.CharField(_("dasar hukum"), max_length=250, blank=True)

    class Meta:
        verbose_name = _("perjanjian kerja sama")
        verbose_name_plural = _("perjanjian kerja sama")
        ordering = ["-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["branch_office", "number"], name="agreement_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="agreement_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class Occupation(models.Model):
    """A job as the reports name it (guru ngaji, penyuluh KB, ...), optionally under a group.

    Groups are what district reports count by ("tenaga pendidik" = guru PAUD + SD + SMP;
    "petugas keagamaan" = guru ngaji, imam, marbot, pendeta ...).
    """

    # What the Django admin's changes write to the audit log (registry.services.admin_save).
    AUDITED_FIELDS = ("code", "name", "group")

    code = models.SlugField(_("kode"), max_length=40, unique=True)
    name = models.CharField(_("nama"), max_length=120)
    group = models.ForeignKey(
        "self",
        verbose_name=_("kelompok"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    segments = ArrayField(
        models.CharField(max_length=25, choices=Segment.choices),
        verbose_name=_("segmen yang lazim"),
        default=list,
    )

    class Meta:
        verbose_name = _("pekerjaan")
        verbose_name_plural = _("pekerjaan")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's BPJS Ketenagakerjaan membership through one unit, in one segment, for a period.

    ``end_date`` is the last day covered (inclusive). A person may hold several memberships (two jobs),
    but never two overlapping ones in the same unit and segment. The database enforces that,
    whatever path writes the rows, with statement-level triggers (migration ``0005``, constraint
    name ``membership_no_overlap_in_unit_segment``): each INSERT or UPDATE statement checks the rows
    it wrote in one join through the ``membership_person`` index, after taking a transaction lock
    per unit and segment so that concurrent writers cannot both pass the check. That replaced a
    GiST exclusion constraint, which cost a GiST probe and insert per row (about a third of a bulk
    import's membership insert; ``docs/benchmarks.md``).
    """

    # Before the fields: their get_FOO_display() bind to it (cakupan.common.choices).
    _get_FIELD_display = choice_display

    person = models.ForeignKey(
        Person,
        verbose_name=_("orang"),
        on_delete=models.PROTECT,
        related_name="memberships",
        db_index=False,  # membership_person below
        db_constraint=False,  # checked per statement (migration 0007, common.refchecks)
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="memberships",
        db_index=False,  # membership_unit_segment below starts with it
        db_constraint=False,  # checked per statement (migration 0007, common.refchecks)
    )
    segment = models.CharField(_("segmen"), max_length=25, choices=Segment.choices)
    occupation = models.ForeignKey(
        Occupation,
        verbose_name=_("pekerjaan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
        db_constraint=False,  # checked per statement (migration 0007, common.refchecks)
    )
    # The job title as the file wrote it ("Kepala Dusun Maleku I", "Guru Honorer SDN 1 Malili"):
    # the occupation is the registry's class of it, the title keeps what the class leaves out.
    # db_default: bulk loaders that COPY memberships without this column (demo, benchmarks) stay valid.
    occupation_title = models.CharField(
        _("jabatan (seperti tertulis)"), max_length=150, blank=True, default="", db_default=""
    )
    funding_source = models.CharField(
        _("sumber dana"), max_length=20, choices=FundingSource.choices
    )
    scheme = models.CharField(_("skema"), max_length=3, choices=Scheme.choices)
    programmes = ArrayField(
        models.CharField(max_length=3, choices=Programme.choices), verbose_name=_("program")
    )
    wage = MoneyField(_("upah/penghasilan sebulan (Rp)"))
    risk_class = models.PositiveSmallIntegerField(_("kelas risiko JKK"), null=True, blank=True)
    start_date = models.DateField(_("mulai"))
    end_date = models.DateField(_("berakhir"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=MembershipStatus.choices, default=MembershipStatus.DRAFT
    )
    kpj_number = models.CharField(_("nomor KPJ"), max_length=20, blank=True, db_collation="C")
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    AUDITED_FIELDS = (
        "person",
        "unit",
        "segment",
        "occupation",
        "occupation_title",
        "funding_source",
        "scheme",
        "programmes",
        "wage",
        "risk_class",
        "start_date",
        "end_date",
        "status",
        "kpj_number",
    )

    class Meta:
        verbose_name = _("kepesertaan")
        verbose_name_plural = _("kepesertaan")
        ordering = ["-start_date", "id"]
        indexes = [
            models.Index(fields=["person"], name="membership_person"),
            models.Index(fields=["unit", "segment"], name="membership_unit_segment"),
            models.Index(fields=["segment", "start_date"], name="membership_segment_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="membership_period_order",
            ),
            models.CheckConstraint(condition=Q(wage__gte=0), name="membership_wage_not_negative"),
            models.CheckConstraint(
                condition=Q(risk_class__isnull=True) | Q(risk_class__gte=1, risk_class__lte=5),
                name="membership_risk_class_range",
            ),
            # JKK and JKM are the minimum for every segment we handle (PP 44/2015; Inpres 2/2021).
            models.CheckConstraint(
                condition=Q(programmes__contains=["jkk", "jkm"]), name="membership_jkk_jkm_minimum"
            ),
            # BPU members have no JP or JKP (PP 44/2015, Permenaker 5/2021; DOMAIN.md section 1).
            models.CheckConstraint(
                condition=Q(scheme=Scheme.PU) | ~Q(programmes__overlap=["jp", "jkp"]),
                name="membership_bpu_programmes",
            ),
            models.CheckConstraint(
                condition=Q(kpj_number="") | Q(kpj_number__regex=r"^[0-9]{8,20}$"),
                name="membership_kpj_digits",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} - {self.unit} ({self.get_segment_display()})"

    def is_covered_on(self, day: object) -> bool:
        return (
            self.status in COVERED_STATUSES
            and self.start_date <= day  # type: ignore[operator]
            and (self.end_date is None or day <= self.end_date)  # type: ignore[operator]
        )
