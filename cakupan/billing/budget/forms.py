"""The budget planner's form: region, fiscal year and targets (a GET form, so a plan is a link)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from cakupan.accounts.planning import RegionYearForm
from cakupan.common.forms import RupiahField


class BudgetForm(RegionYearForm):
    """Inputs of :func:`~cakupan.billing.budget.plan.budget_plan` (a GET form): the region and
    fiscal year (:class:`~cakupan.accounts.planning.RegionYearForm`), then the targets."""

    year_label = _("Tahun anggaran")
    year_required = _("Isi tahun anggaran.")

    village_posts = forms.BooleanField(
        label=_("Seluruh formasi perangkat desa dan BPD"), required=False, initial=True
    )
    non_asn = forms.BooleanField(
        label=_("Seluruh pegawai non-ASN terdaftar"), required=False, initial=True
    )
    continuing = forms.BooleanField(
        label=_("Peserta lain yang sedang berjalan"), required=False, initial=True
    )
    rentan_per_desa = forms.IntegerField(
        label=_("Pekerja rentan per desa"),
        min_value=0,
        max_value=100_000,
        initial=0,
        required=False,
        help_text=_(
            "Sasaran BPU per desa. Yang sudah terdaftar termasuk hitungan ini dan tetap dibayar "
            "pembayarnya sekarang (APBD bila lewat dinas); tambahannya dibayar APBDes desa itu."
        ),
        error_messages={"invalid": _("Tulis jumlah orang sebagai bilangan bulat.")},
    )
    rentan_income = RupiahField(
        label=_("Penghasilan pekerja rentan"),
        initial="1.000.000",
        required=False,
        help_text=_("Penghasilan sebulan yang dilaporkan (BPU), bawaan Rp1.000.000."),
    )
    reference_wage = RupiahField(
        label=_("Upah acuan formasi kosong (tidak wajib)"),
        required=False,
        help_text=_(
            "Dipakai bila formasi kosong tidak punya upah pembanding di unit atau wilayah."
        ),
    )

    def clean_rentan_per_desa(self) -> int:
        return self.cleaned_data.get("rentan_per_desa") or 0

    def clean_rentan_income(self) -> Decimal:
        return self.cleaned_data.get("rentan_income") or Decimal(1_000_000)
