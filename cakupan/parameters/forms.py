"""Forms of the public calculators and the parameter table (GET forms: a result is a shareable link).

The forms only read and type-check what the user typed (rupiah as written in Indonesia, months as
``YYYY-MM``, dates); what the regulation allows (minimum programmes, months before July 2015, a
disability percentage above 100) is decided by the rules engine, whose ``RulesError`` the views
show next to the form. Bounds here only keep absurd input (a 40-digit wage, the year 9999) away
from the calculators.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cakupan.common.forms import CHOICE_ERRORS, DayField, MonthField, PercentField, RupiahField
from cakupan.registry.models import Programme, Scheme
from cakupan.rules.benefits import BENEFIT_TYPES
from cakupan.rules.contribution import PROGRAMMES
from cakupan.rules.params import SCHOLARSHIP_LEVELS

PU_ONLY = frozenset({"jp", "jkp"})

RISK_CLASS_CHOICES = [
    ("1", _("Kelas I (risiko sangat rendah)")),
    ("2", _("Kelas II (risiko rendah)")),
    ("3", _("Kelas III (risiko sedang)")),
    ("4", _("Kelas IV (risiko tinggi)")),
    ("5", _("Kelas V (risiko sangat tinggi)")),
]
BENEFIT_LABELS = {
    "jkm": _("Jaminan Kematian (JKM): meninggal bukan karena kecelakaan kerja"),
    "jkk-death": _("JKK: meninggal akibat kecelakaan kerja"),
    "jkk-total-disability": _("JKK: cacat total tetap"),
    "jkk-partial-disability": _("JKK: cacat sebagian"),
    "stmb": _("JKK: santunan sementara tidak mampu bekerja (STMB)"),
    "scholarship": _("Beasiswa pendidikan anak (jalur JKM)"),
}
LEVEL_LABELS = {
    "tk": _("TK"),
    "sd": _("SD"),
    "smp": _("SMP"),
    "sma": _("SMA/SMK"),
    "pt": _("Perguruan tinggi"),
}
CHILD_FIELDS = ("child_1", "child_2", "child_3")
PARAMETER_STATUS_CHOICES = [
    ("", _("Semua nilai")),
    ("unverified", _("Hanya yang belum terverifikasi")),
    ("overridden", _("Hanya yang diubah admin")),
]


def _programme_choices() -> list[tuple[str, Any]]:
    labels = dict(Programme.choices)
    return [(code, labels[code]) for code in PROGRAMMES]


class ContributionForm(forms.Form):
    """One person-month for ``rules.contribution.calculate_contribution`` (a GET form)."""

    scheme = forms.ChoiceField(
        label=_("Skema kepesertaan"),
        choices=Scheme.choices,
        initial=Scheme.PU,
        widget=forms.RadioSelect,
        error_messages={**CHOICE_ERRORS, "required": _("Pilih skema: PU atau BPU.")},
    )
    month = MonthField(
        label=_("Bulan iuran"),
        help_text=_("Tarif yang dipakai adalah tarif yang berlaku untuk bulan ini."),
        error_messages={"required": _("Isi bulan iuran.")},
    )
    wage = RupiahField(
        label=_("Upah sebulan (PU) atau penghasilan yang dilaporkan (BPU)"),
        help_text=_("Rupiah utuh, misalnya 3.000.000."),
        error_messages={"required": _("Isi upah atau penghasilan sebulan.")},
    )
    risk_class = forms.ChoiceField(
        label=_("Kelas risiko JKK (PU)"),
        choices=RISK_CLASS_CHOICES,
        initial="1",
        required=False,
        help_text=_("Pemberi kerja pemerintah umumnya kelas I."),
        error_messages=CHOICE_ERRORS,
    )
    programmes = forms.MultipleChoiceField(
        label=_("Program"),
        choices=_programme_choices,
        initial=["jkk", "jkm"],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("JKK dan JKM paling sedikit. JP dan JKP hanya untuk PU."),
        error_messages={
            **CHOICE_ERRORS,
            "required": _("Pilih program, paling sedikit JKK dan JKM."),
        },
    )
    birth_date = DayField(
        label=_("Tanggal lahir (tidak wajib)"),
        required=False,
        help_text=_("Untuk memeriksa usia pensiun pada iuran JP. Tidak disimpan."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        scheme = cleaned.get("scheme")
        chosen = set(cleaned.get("programmes") or ())
        if scheme == Scheme.BPU and chosen & PU_ONLY:
            self.add_error(
                "programmes",
                _("JP dan JKP hanya untuk peserta penerima upah (PU), tidak untuk BPU."),
            )
        if scheme == Scheme.PU and not cleaned.get("risk_class"):
            self.add_error("risk_class", _("Pilih kelas risiko JKK untuk peserta PU."))
        return cleaned


class BenefitForm(forms.Form):
    """One event for ``rules.benefits.calculate_benefit`` (a GET form).

    ``data-for`` on each optional field names the benefit types that use it; ``calculators.js`` shows
    only those, and without JavaScript every field stays visible with its help text.
    """

    type = forms.ChoiceField(
        label=_("Jenis manfaat"),
        choices=[(code, BENEFIT_LABELS[code]) for code in BENEFIT_TYPES],
        initial="jkm",
        error_messages={**CHOICE_ERRORS, "required": _("Pilih jenis manfaat.")},
    )
    event_date = DayField(
        label=_("Tanggal peristiwa"),
        help_text=_("Tanggal meninggal, kecelakaan, atau mulai tidak mampu bekerja."),
        error_messages={"required": _("Isi tanggal peristiwa.")},
    )
    membership_start = DayField(
        label=_("Mulai kepesertaan"),
        required=False,
        help_text=_("Untuk syarat masa iur beasiswa jalur JKM."),
    )
    wage = RupiahField(
        label=_("Upah sebulan terakhir"),
        required=False,
        help_text=_("Wajib untuk manfaat JKK dan STMB."),
    )
    percent = PercentField(
        label=_("Persentase cacat"),
        required=False,
        help_text=_("Cacat sebagian: persentase menurut tabel lampiran PP 44/2015 (0-100)."),
    )
    days = forms.IntegerField(
        label=_("Jumlah hari tidak mampu bekerja"),
        required=False,
        min_value=1,
        max_value=36_500,
        help_text=_("Untuk STMB."),
        error_messages={"invalid": _("Tulis jumlah hari sebagai bilangan bulat.")},
    )
    child_1 = forms.ChoiceField(
        label=_("Anak ke-1: jenjang sekolah"), required=False, error_messages=CHOICE_ERRORS
    )
    child_2 = forms.ChoiceField(
        label=_("Anak ke-2: jenjang sekolah"), required=False, error_messages=CHOICE_ERRORS
    )
    child_3 = forms.ChoiceField(
        label=_("Anak ke-3: jenjang sekolah"),
        required=False,
        error_messages=CHOICE_ERRORS,
        help_text=_("Beasiswa paling banyak 2 anak; anak ke-3 hanya dicatat."),
    )

    #: Benefit types that use each optional field (for ``data-for``; see the class docstring).
    USED_BY = {
        "membership_start": ("jkm", "scholarship"),
        "wage": ("jkk-death", "jkk-total-disability", "jkk-partial-disability", "stmb"),
        "percent": ("jkk-partial-disability",),
        "days": ("stmb",),
        **dict.fromkeys(CHILD_FIELDS, ("jkm", "jkk-death", "jkk-total-disability", "scholarship")),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        levels = [("", _("Tidak ada"))] + [
            (code, LEVEL_LABELS[code]) for code in SCHOLARSHIP_LEVELS
        ]
        for name in CHILD_FIELDS:
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = levels
        for name, types in self.USED_BY.items():
            self.fields[name].widget.attrs["data-for"] = " ".join(types)

    def children(self) -> tuple[str, ...]:
        """The levels given, in order, skipping empty choices (child 1 empty, child 2 SD -> SD)."""
        return tuple(
            self.cleaned_data[name] for name in CHILD_FIELDS if self.cleaned_data.get(name)
        )


class ParameterFilterForm(forms.Form):
    """The parameter table: entries in force on a date, and/or only the flagged ones."""

    on = DayField(
        label=_("Berlaku pada tanggal"),
        required=False,
        help_text=_("Kosongkan untuk melihat semua periode."),
    )
    status = forms.ChoiceField(
        label=_("Tampilkan"),
        choices=PARAMETER_STATUS_CHOICES,
        required=False,
        error_messages=CHOICE_ERRORS,
    )
    kode = forms.BooleanField(
        label=_("Tampilkan kode parameter"),
        required=False,
        help_text=_("Kode internal untuk petugas dan pengembang, misalnya pu.jkk.rate.1."),
    )
