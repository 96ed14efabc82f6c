"""The plan's form (a GET form, so a plan is a link): region, year, N per desa, budget, desil, payer."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cakupan.common.forms import CHOICE_ERRORS, LAST_YEAR, RupiahField
from cakupan.targeting.plan import APBD, APBDES
from cakupan.wilayah.models import Region


class PlanForm(forms.Form):
    region = forms.CharField(
        label=_("Wilayah"), max_length=20, error_messages={"required": _("Pilih wilayah.")}
    )
    year = forms.IntegerField(
        label=_("Tahun"),
        min_value=2016,
        max_value=LAST_YEAR,
        error_messages={
            "required": _("Isi tahun."),
            "invalid": _("Tulis tahun sebagai empat angka, misalnya 2027."),
        },
    )
    per_desa = forms.IntegerField(
        label=_("Orang per desa"),
        min_value=1,
        max_value=100_000,
        initial=100,
        error_messages={
            "required": _("Isi jumlah orang per desa."),
            "invalid": _("Tulis jumlah orang sebagai bilangan bulat."),
        },
    )
    budget = RupiahField(
        label=_("Anggaran paling banyak (tidak wajib)"),
        required=False,
        help_text=_("Bila diisi, rencana berhenti pada anggaran ini."),
    )
    desil_max = forms.TypedChoiceField(
        label=_("Desil paling tinggi"),
        choices=[("", _("Semua desil"))] + [(str(d), str(d)) for d in range(1, 11)],
        coerce=int,
        empty_value=None,
        required=False,
        error_messages=CHOICE_ERRORS,
    )
    payer = forms.ChoiceField(
        label=_("Pembayar"),
        choices=[(APBDES, _("APBDes tiap desa")), (APBD, _("APBD kabupaten/kota"))],
        initial=APBDES,
        error_messages=CHOICE_ERRORS,
    )

    def __init__(self, *args: Any, regions: list[Region] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["region"]
        if regions is not None:
            field.widget = forms.Select(choices=[(r.code, f"{r.name} ({r.code})") for r in regions])
        else:
            field.widget.attrs.update({"placeholder": "73.24", "autocomplete": "off"})
