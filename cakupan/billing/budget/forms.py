"""The budget planner's form: region, fiscal year and targets (a GET form, so a plan is a link)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cakupan.common.forms import LAST_YEAR, RupiahField
from cakupan.wilayah.models import Region


class BudgetForm(forms.Form):
    """Inputs of :func:`~cakupan.billing.budget.plan.budget_plan` (a GET form).

    ``region`` is a select of ``regions`` when the user's scope gives a short list, otherwise a code
    typed in (superadmin); whether the code is inside the user's scope is decided by the view.
    """

    region = forms.CharField(
        label=_("Wilayah"),
        max_length=20,
        error_messages={"required": _("Pilih atau isi kode wilayah.")},
    )
    year = forms.IntegerField(
        label=_("Tahun anggaran"),
        min_value=2016,
        max_value=LAST_YEAR,
        error_messages={
            "required": _("Isi tahun anggaran."),
            "invalid": _("Tulis tahun sebagai empat angka, misalnya 2027."),
        },
    )
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

    def __init__(self, *args: Any, regions: list[Region] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["region"]
        if regions is not None:
            field.widget = forms.Select(choices=[(r.code, f"{r.name} ({r.code})") for r in regions])
        else:
            field.widget.attrs.update(
                {"placeholder": "73.24", "autocomplete": "off", "spellcheck": "false"}
            )
            field.help_text = _(
                "Kode wilayah Kemendagri, misalnya 73.24 (kabupaten) atau 73.24.04."
            )

    def clean_rentan_per_desa(self) -> int:
        return self.cleaned_data.get("rentan_per_desa") or 0

    def clean_rentan_income(self) -> Decimal:
        return self.cleaned_data.get("rentan_income") or Decimal(1_000_000)
