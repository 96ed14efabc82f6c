"""Monthly contribution bills per payer, their lines, payments and what follows from arrears.

A bill belongs to a payer unit (``coalesce(unit.payer, unit)`` of the memberships it charges) and a
contribution month. Its totals are the sums of its lines: the billing run writes both from the same
SQL statement, and every check below holds in the database whatever path writes the rows.

Payments are recorded as they arrive and allocated to bills oldest month first; what is left over
stays on the payment as ``unallocated`` (the payer's credit) and goes to the next bills.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from cakupan.common.fields import MoneyField
from cakupan.registry.models import Programme, Scheme

# Rates are fractions (0.0024 = 0.24%); eight places hold any relief of a rate (PP 49/2020: 1%).
RATE_DIGITS = 10
RATE_PLACES = 8


def RateField(verbose_name: Any = None, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(
        verbose_name, max_digits=RATE_DIGITS, decimal_places=RATE_PLACES, **kwargs
    )


def _programme_sum(party: str) -> Any:
    """``coalesce(jkk_<party>, 0) + ... + coalesce(jkp_<party>, 0)`` for a check constraint."""
    total: Any = Coalesce(F(f"jkk_{party}"), Decimal(0))
    for programme in ("jkm", "jht", "jp", "jkp"):
        total = total + Coalesce(F(f"{programme}_{party}"), Decimal(0))
    return total


class BillStatus(models.TextChoices):
    OPEN = "open", _("Belum dibayar")
    PARTIAL = "partial", _("Dibayar sebagian")
    PAID = "paid", _("Lunas")


class BillingRun(models.Model):
    """One billing run: a contribution month, an optional region scope, who ran it and what changed."""

    month = models.DateField(_("bulan iuran"))
    region = models.ForeignKey(
        "wilayah.Region",
        verbose_name=_("wilayah"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dijalankan oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("nama pelaku"), max_length=150)
    source = models.CharField(_("kanal"), max_length=10)
    started_at = models.DateTimeField(_("mulai"), auto_now_add=True)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    memberships = models.PositiveIntegerField(_("kepesertaan ditagih"), default=0)
    lines = models.PositiveIntegerField(_("baris tagihan"), default=0)
    payers = models.PositiveIntegerField(_("pembayar"), default=0)
    bills_created = models.PositiveIntegerField(_("tagihan baru"), default=0)
    bills_updated = models.PositiveIntegerField(_("tagihan dihitung ulang"), default=0)
    bills_removed = models.PositiveIntegerField(_("tagihan dihapus"), default=0)
    bills_unchanged = models.PositiveIntegerField(_("tagihan tetap"), default=0)
    bills_adjusted = models.PositiveIntegerField(_("tagihan perlu penyesuaian"), default=0)
    total = MoneyField(_("jumlah tagihan bulan ini (Rp)"), default=0)

    class Meta:
        verbose_name = _("proses penagihan")
        verbose_name_plural = _("proses penagihan")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(month__day=1), name="billingrun_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} ({self.region_id or '*'})"


class RunRate(models.Model):
    """A rate row a run used (from ``rules.contribution.month_rates``): the provenance of its lines.

    ``jkp`` tells the rows for memberships with JKP (JKK recomposed, PP 37/2021 / PP 6/2025) from
    the others.
    """

    run = models.ForeignKey(
        BillingRun, verbose_name=_("proses"), on_delete=models.CASCADE, related_name="rates"
    )
    jkp = models.BooleanField(_("dengan JKP"))
    scheme = models.CharField(_("skema"), max_length=3, choices=Scheme.choices)
    programme = models.CharField(_("program"), max_length=3, choices=Programme.choices)
    risk_class = models.PositiveSmallIntegerField(_("kelas risiko"), null=True, blank=True)
    employer_rate = RateField(_("tarif pemberi kerja"))
    worker_rate = RateField(_("tarif pekerja"))
    cap = MoneyField(_("batas upah (Rp)"), null=True, blank=True)
    minimum = MoneyField(_("iuran minimum (Rp)"), null=True, blank=True)
    flat = MoneyField(_("iuran tetap (Rp)"), null=True, blank=True)
    source = models.TextField(_("dasar hukum"))

    class Meta:
        verbose_name = _("tarif yang dipakai")
        verbose_name_plural = _("tarif yang dipakai")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "jkp", "scheme", "programme", "risk_class"],
                name="runrate_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme} {self.programme} {self.risk_class or ''}".strip()


class Bill(models.Model):
    """What one payer owes for one contribution month: the sum of its lines.

    ``due_date`` comes from the rules of the month (PU: the 15th of the following month; BPU: the
    15th of the month itself; PP 49/2020 months: the 30th); a bill holding both schemes is due on
    the earlier date. ``adjustment``: when the registry changed after the bill received a payment,
    the bill is not rewritten; the difference (recomputed total minus billed total, may be negative)
    is kept here for the payer and BPJS to settle.
    """

    payer = models.ForeignKey(
        "registry.Unit", verbose_name=_("pembayar"), on_delete=models.PROTECT, related_name="bills"
    )
    month = models.DateField(_("bulan iuran"))
    due_date = models.DateField(_("jatuh tempo"))
    lines_count = models.PositiveIntegerField(_("jumlah baris"))
    memberships_count = models.PositiveIntegerField(_("jumlah kepesertaan"))
    employer_total = MoneyField(_("bagian pemberi kerja (Rp)"))
    worker_total = MoneyField(_("bagian pekerja (Rp)"))
    total = MoneyField(_("jumlah (Rp)"))
    pu_total = MoneyField(_("jumlah PU (Rp)"))
    bpu_total = MoneyField(_("jumlah BPU (Rp)"))
    paid = MoneyField(_("dibayar (Rp)"), default=0)
    status = models.CharField(
        _("status"), max_length=8, choices=BillStatus.choices, default=BillStatus.OPEN
    )
    # An order-independent digest of the lines (bit_xor of one hash per line): a rerun compares it
    # with the recomputed lines to tell an unchanged bill from a changed one without reading lines.
    fingerprint = models.BigIntegerField(_("sidik baris"))
    adjustment = MoneyField(_("penyesuaian diperlukan (Rp)"), default=0)
    run = models.ForeignKey(
        BillingRun,
        verbose_name=_("dihitung oleh proses"),
        on_delete=models.PROTECT,
        related_name="bills",
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        verbose_name = _("tagihan iuran")
        verbose_name_plural = _("tagihan iuran")
        ordering = ["-month", "payer_id"]
        indexes = [
            models.Index(fields=["month"], name="bill_month"),
            models.Index(
                fields=["payer", "due_date"], name="bill_unpaid", condition=~Q(status="paid")
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["payer", "month"], name="bill_payer_month_unique"),
            models.CheckConstraint(condition=Q(month__day=1), name="bill_month_first_day"),
            models.CheckConstraint(condition=Q(due_date__gte=F("month")), name="bill_due_after"),
            models.CheckConstraint(
                condition=Q(employer_total__gte=0, worker_total__gte=0, pu_total__gte=0)
                & Q(bpu_total__gte=0),
                name="bill_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(total=F("employer_total") + F("worker_total")),
                name="bill_total_employer_worker",
            ),
            models.CheckConstraint(
                condition=Q(total=F("pu_total") + F("bpu_total")), name="bill_total_schemes"
            ),
            models.CheckConstraint(
                condition=Q(paid__gte=0, paid__lte=F("total")), name="bill_paid_range"
            ),
            models.CheckConstraint(
                condition=Q(status=BillStatus.PAID, paid=F("total"))
                | Q(status=BillStatus.PARTIAL, paid__gt=0, paid__lt=F("total"))
                | Q(status=BillStatus.OPEN, paid=0, total__gt=0),
                name="bill_status_matches_paid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payer} {self.month:%m/%Y}"

    @property
    def outstanding(self) -> object:
        return self.total - self.paid


# The programmes a bill entry carries amounts for, in the order of ``rules.contribution.PROGRAMMES``
# (kept literal here: the models do not import the rules engine).
ENTRY_PROGRAMMES = ("jkk", "jkm", "jht", "jp", "jkp")


class BillEntry(models.Model):
    """One membership on a bill: its amounts for each programme. Whole rupiah.

    This is the stored form of a bill's lines: one row per membership (not per membership and
    programme), so that a month of a million memberships writes a million rows and index entries,
    not 2.2 million (docs/benchmarks.md, "Billing run"). For each programme ``p`` of
    :data:`ENTRY_PROGRAMMES` the row holds ``p_basis`` (the wage, capped for JP; the declared
    income for BPU), ``p_rate`` (employer plus worker rate; NULL when the amount is a nominal: BPU
    JKM flat amount, a BPU bracket nominal, the BPU JKK minimum), ``p_employer`` and ``p_worker``;
    all four are NULL when the membership is not billed for ``p`` that month (programme not held,
    JP past the retirement age, no rate for the month). ``employer``, ``worker`` and ``total`` are
    the row's sums. ``risk_class`` is the JKK class applied (PU only); ``risk_class_assumed``: the
    membership has no class and the government-employer class was used (``pu.jkk.government_class``,
    class I; DOMAIN.md section 2.1, confidence L).

    Read the lines through :class:`BillLine` (a database view, one row per membership and
    programme). Entries are written only by the billing run, in one ``INSERT ... SELECT`` from the
    bills it has just written and the month's computed entries; the bill's totals are sums over
    the same rows.

    References: ``bill`` and ``membership`` are checked by statement-level triggers (migrations
    0003-0005) instead of row-level foreign keys: one set-based anti-join per INSERT/UPDATE
    statement over its transition table, and a guard on DELETE of bills and memberships that
    still have entries, all under the billing advisory lock. Same guarantee (no entry without its
    bill and membership, no bill or membership deleted from under its entries), without a
    deferred trigger event and an index lookup per row at commit.
    """

    pk = models.CompositePrimaryKey("bill_id", "membership_id")
    bill = models.ForeignKey(
        Bill,
        verbose_name=_("tagihan"),
        on_delete=models.CASCADE,
        related_name="entries",
        db_index=False,  # the primary key starts with it
        db_constraint=False,  # checked per statement: see the class docstring
    )
    membership = models.ForeignKey(
        "registry.Membership",
        verbose_name=_("kepesertaan"),
        on_delete=models.PROTECT,
        related_name="bill_entries",
        db_index=False,  # see the partial index below
        db_constraint=False,  # checked per statement: see the class docstring
    )
    # The membership's person, copied in the same statement for reports. No database constraint
    # of its own: the membership reference is checked, a membership keeps its person (PROTECT),
    # so this one adds nothing but a lookup per row on millions of rows.
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("orang"),
        on_delete=models.PROTECT,
        related_name="bill_entries",
        db_index=False,
        db_constraint=False,
    )
    scheme = models.CharField(_("skema"), max_length=3, choices=Scheme.choices)
    risk_class = models.PositiveSmallIntegerField(_("kelas risiko"), null=True, blank=True)
    risk_class_assumed = models.BooleanField(_("kelas risiko bawaan"), default=False)
    jkk_basis = MoneyField(_("JKK: dasar (Rp)"), null=True, blank=True)
    jkk_rate = RateField(_("JKK: tarif"), null=True, blank=True)
    jkk_employer = MoneyField(_("JKK: pemberi kerja (Rp)"), null=True, blank=True)
    jkk_worker = MoneyField(_("JKK: pekerja (Rp)"), null=True, blank=True)
    jkm_basis = MoneyField(_("JKM: dasar (Rp)"), null=True, blank=True)
    jkm_rate = RateField(_("JKM: tarif"), null=True, blank=True)
    jkm_employer = MoneyField(_("JKM: pemberi kerja (Rp)"), null=True, blank=True)
    jkm_worker = MoneyField(_("JKM: pekerja (Rp)"), null=True, blank=True)
    jht_basis = MoneyField(_("JHT: dasar (Rp)"), null=True, blank=True)
    jht_rate = RateField(_("JHT: tarif"), null=True, blank=True)
    jht_employer = MoneyField(_("JHT: pemberi kerja (Rp)"), null=True, blank=True)
    jht_worker = MoneyField(_("JHT: pekerja (Rp)"), null=True, blank=True)
    jp_basis = MoneyField(_("JP: dasar (Rp)"), null=True, blank=True)
    jp_rate = RateField(_("JP: tarif"), null=True, blank=True)
    jp_employer = MoneyField(_("JP: pemberi kerja (Rp)"), null=True, blank=True)
    jp_worker = MoneyField(_("JP: pekerja (Rp)"), null=True, blank=True)
    jkp_basis = MoneyField(_("JKP: dasar (Rp)"), null=True, blank=True)
    jkp_rate = RateField(_("JKP: tarif"), null=True, blank=True)
    jkp_employer = MoneyField(_("JKP: pemberi kerja (Rp)"), null=True, blank=True)
    jkp_worker = MoneyField(_("JKP: pekerja (Rp)"), null=True, blank=True)
    employer = MoneyField(_("pemberi kerja (Rp)"))
    worker = MoneyField(_("pekerja (Rp)"))
    total = MoneyField(_("jumlah (Rp)"))

    class Meta:
        verbose_name = _("rincian tagihan per kepesertaan")
        verbose_name_plural = _("rincian tagihan per kepesertaan")
        indexes = [
            # The lapse check reads the BPU entries of each membership.
            models.Index(
                fields=["membership", "bill"], name="billentry_bpu", condition=Q(scheme="bpu")
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(employer=_programme_sum("employer"), worker=_programme_sum("worker")),
                name="billentry_programme_sums",
            ),
            models.CheckConstraint(
                condition=Q(total=F("employer") + F("worker")), name="billentry_total"
            ),
            *(
                models.CheckConstraint(
                    condition=(
                        Q(**{f"{p}_basis__isnull": True, f"{p}_rate__isnull": True})
                        & Q(**{f"{p}_employer__isnull": True, f"{p}_worker__isnull": True})
                    )
                    # A CHECK passes on NULL: the parts present are asked for explicitly.
                    | (
                        Q(**{f"{p}_basis__isnull": False, f"{p}_basis__gte": 0})
                        & Q(**{f"{p}_employer__isnull": False, f"{p}_employer__gte": 0})
                        & Q(**{f"{p}_worker__isnull": False, f"{p}_worker__gte": 0})
                    ),
                    name=f"billentry_{p}_complete",
                )
                for p in ENTRY_PROGRAMMES
            ),
            models.CheckConstraint(
                condition=Q(
                    *(Q(**{f"{p}_employer__isnull": False}) for p in ENTRY_PROGRAMMES),
                    _connector=Q.OR,
                ),
                name="billentry_not_empty",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bill_id}/{self.membership_id}: {self.total}"


class BillLine(models.Model):
    """One membership and programme on a bill, read from :class:`BillEntry` (a database view).

    The view ``billing_billline`` (migration 0005) unpivots each entry into a row per programme
    it carries amounts for: ``basis``, ``rate``, ``employer``, ``worker`` and ``total =
    employer + worker`` of that programme; ``risk_class`` and ``risk_class_assumed`` on the JKK
    row only. Read-only: every write goes to :class:`BillEntry`.
    """

    pk = models.CompositePrimaryKey("bill_id", "membership_id", "programme")
    # References of a view: joins and select_related work; no constraint, and deleting does
    # nothing here (the entry table behind the view has the rules).
    bill = models.ForeignKey(
        Bill,
        verbose_name=_("tagihan"),
        on_delete=models.DO_NOTHING,
        related_name="lines",
        db_constraint=False,
    )
    membership = models.ForeignKey(
        "registry.Membership",
        verbose_name=_("kepesertaan"),
        on_delete=models.DO_NOTHING,
        related_name="bill_lines",
        db_constraint=False,
    )
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("orang"),
        on_delete=models.DO_NOTHING,
        related_name="bill_lines",
        db_constraint=False,
    )
    scheme = models.CharField(_("skema"), max_length=3, choices=Scheme.choices)
    programme = models.CharField(_("program"), max_length=3, choices=Programme.choices)
    risk_class = models.PositiveSmallIntegerField(_("kelas risiko"), null=True, blank=True)
    risk_class_assumed = models.BooleanField(_("kelas risiko bawaan"), default=False)
    basis = MoneyField(_("dasar perhitungan (Rp)"))
    rate = RateField(_("tarif"), null=True, blank=True)
    employer = MoneyField(_("pemberi kerja (Rp)"))
    worker = MoneyField(_("pekerja (Rp)"))
    total = MoneyField(_("jumlah (Rp)"))

    class Meta:
        managed = False
        verbose_name = _("baris tagihan")
        verbose_name_plural = _("baris tagihan")

    def __str__(self) -> str:
        return f"{self.membership_id} {self.programme}: {self.total}"


class Payment(models.Model):
    """Money a payer paid (a transfer, an SP2D). Allocated to bills oldest first; the rest is credit."""

    payer = models.ForeignKey(
        "registry.Unit",
        verbose_name=_("pembayar"),
        on_delete=models.PROTECT,
        related_name="payments",
    )
    paid_on = models.DateField(_("tanggal bayar"))
    amount = MoneyField(_("jumlah (Rp)"))
    # Not yet allocated to any bill: the payer's credit, applied to the next bills.
    unallocated = MoneyField(_("belum teralokasi (Rp)"))
    reference = models.CharField(_("nomor referensi"), max_length=100)
    note = models.CharField(_("catatan"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dicatat oleh"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by_label = models.CharField(_("nama pencatat"), max_length=150)
    source = models.CharField(_("kanal"), max_length=10)
    created_at = models.DateTimeField(_("dicatat"), auto_now_add=True)

    class Meta:
        verbose_name = _("pembayaran")
        verbose_name_plural = _("pembayaran")
        ordering = ["-paid_on", "-id"]
        constraints = [
            # The same transfer cannot be recorded twice for a payer.
            models.UniqueConstraint(fields=["payer", "reference"], name="payment_reference_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(unallocated__gte=0, unallocated__lte=F("amount")),
                name="payment_unallocated_range",
            ),
            models.CheckConstraint(condition=~Q(reference=""), name="payment_reference_given"),
        ]

    def __str__(self) -> str:
        return f"{self.payer} {self.paid_on} {self.amount}"


class Allocation(models.Model):
    """The part of a payment that settles a bill."""

    payment = models.ForeignKey(
        Payment,
        verbose_name=_("pembayaran"),
        on_delete=models.PROTECT,
        related_name="allocations",
    )
    bill = models.ForeignKey(
        Bill, verbose_name=_("tagihan"), on_delete=models.PROTECT, related_name="allocations"
    )
    amount = MoneyField(_("jumlah (Rp)"))
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("alokasi pembayaran")
        verbose_name_plural = _("alokasi pembayaran")
        constraints = [
            models.UniqueConstraint(fields=["payment", "bill"], name="allocation_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
        ]
        indexes = [models.Index(fields=["bill"], name="allocation_bill")]

    def __str__(self) -> str:
        return f"{self.payment_id} -> {self.bill_id}: {self.amount}"


class MembershipLapse(models.Model):
    """A BPU membership that lapsed after the grace period (DOMAIN.md section 5)."""

    membership = models.OneToOneField(
        "registry.Membership",
        verbose_name=_("kepesertaan"),
        on_delete=models.PROTECT,
        related_name="lapse",
    )
    lapsed_on = models.DateField(_("nonaktif sejak"))
    last_paid_month = models.DateField(_("bulan terakhir dibayar"), null=True, blank=True)
    oldest_unpaid_month = models.DateField(_("bulan tertua belum dibayar"))
    reason = models.CharField(_("alasan"), max_length=300)
    checked_on = models.DateField(_("diperiksa pada"))
    created_at = models.DateTimeField(_("dicatat"), auto_now_add=True)

    class Meta:
        verbose_name = _("kepesertaan nonaktif karena menunggak")
        verbose_name_plural = _("kepesertaan nonaktif karena menunggak")
        ordering = ["-lapsed_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_paid_month__isnull=True)
                | Q(last_paid_month__lt=F("oldest_unpaid_month")),
                name="lapse_months_order",
            ),
            models.CheckConstraint(
                condition=Q(lapsed_on__gt=F("oldest_unpaid_month")), name="lapse_after_unpaid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.membership_id} {self.lapsed_on}"


class ArrearsFlag(models.Model):
    """A PU payer more than the grace months in arrears (PP 44/2015 as DOMAIN.md 4.3 and 2.4 read it).

    While the flag is open, a work accident of its workers is paid by the employer first and
    reimbursed by BPJS Ketenagakerjaan after the arrears are settled. ``cleared_on`` closes it.
    """

    payer = models.ForeignKey(
        "registry.Unit",
        verbose_name=_("pembayar"),
        on_delete=models.PROTECT,
        related_name="arrears_flags",
    )
    flagged_on = models.DateField(_("ditandai pada"))
    oldest_unpaid_month = models.DateField(_("bulan tertua belum dibayar"))
    months_in_arrears = models.PositiveSmallIntegerField(_("bulan menunggak"))
    amount = MoneyField(_("tunggakan (Rp)"))
    cleared_on = models.DateField(_("selesai pada"), null=True, blank=True)
    created_at = models.DateTimeField(_("dicatat"), auto_now_add=True)

    class Meta:
        verbose_name = _("penanda tunggakan pemberi kerja")
        verbose_name_plural = _("penanda tunggakan pemberi kerja")
        ordering = ["-flagged_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["payer"], condition=Q(cleared_on__isnull=True), name="arrearsflag_one_open"
            ),
            models.CheckConstraint(
                condition=Q(cleared_on__isnull=True) | Q(cleared_on__gte=F("flagged_on")),
                name="arrearsflag_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payer} {self.flagged_on}"
