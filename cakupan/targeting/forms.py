"""The plan's form (a GET form, so a plan is a link): region, year, N per desa, budget, desil, payer."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cakupan.accounts.planning import RegionYearForm
from cakupan.common.forms import CHOICE_ERRORS, RupiahField
from cakupan.targeting.plan import APBD, APBDES


class PlanForm(RegionYearForm):
    """Region and year (:class:`~cakupan.accounts.planning.RegionYearForm`), then the targets."""

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
