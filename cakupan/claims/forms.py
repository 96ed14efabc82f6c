"""Forms of the claims pages: they read and type-check what people type; the services decide."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cakupan.claims.models import (
    ClaimStatus,
    ClaimType,
    DocumentKind,
    EventKind,
    HeirRelation,
    SchoolLevel,
    StopReason,
)
from cakupan.claims.storage import max_upload_bytes
from cakupan.common.forms import DayField, PercentField, RupiahField
from cakupan.registry.models import Segment

_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
_DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M"]


def _blank(choices: Any, label: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


class ClaimFilterForm(forms.Form):
    q = forms.CharField(label=_("Cari (NIK, nama, nomor klaim)"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=_blank(ClaimStatus.choices, _("Semua status"))
    )
    type = forms.ChoiceField(
        label=_("Jenis klaim"), required=False, choices=_blank(ClaimType.choices, _("Semua jenis"))
    )
    year = forms.IntegerField(
        label=_("Tahun peristiwa"), required=False, min_value=2015, max_value=2100
    )


class PreviewForm(forms.Form):
    """What the eligibility preview needs: the report without place and cause."""

    nik = forms.CharField(label=_("NIK peserta"), max_length=30)
    kind = forms.ChoiceField(label=_("Peristiwa"), choices=EventKind.choices)
    event_date = DayField(label=_("Tanggal peristiwa"))
    at_work = forms.BooleanField(
        label=_("Terjadi di tempat kerja atau saat bekerja"), required=False
    )
    commuting = forms.BooleanField(
        label=_("Terjadi dalam perjalanan pergi atau pulang kerja"), required=False
    )
    occurred_at = forms.DateTimeField(
        label=_("Waktu kecelakaan"),
        required=False,
        widget=_DATETIME,
        input_formats=_DATETIME_FORMATS,
        help_text=_("Untuk kecelakaan kerja: dasar batas laporan tahap I (2 x 24 jam)."),
    )
    employer_reported_at = forms.DateTimeField(
        label=_("Laporan tahap I pemberi kerja"),
        required=False,
        widget=_DATETIME,
        input_formats=_DATETIME_FORMATS,
    )
    stmb_days = forms.IntegerField(
        label=_("Hari tidak mampu bekerja (STMB)"), required=False, min_value=1, max_value=3650
    )
    disability_percent = PercentField(label=_("Persentase cacat sebagian"), required=False)
    total_disability = forms.BooleanField(label=_("Cacat total tetap"), required=False)

    def clean_disability_percent(self) -> Any:
        value = self.cleaned_data.get("disability_percent")
        if value is not None and not 0 < value <= 100:
            raise forms.ValidationError(
                _("Persentase cacat harus lebih dari 0 dan paling tinggi 100.")
            )
        return value


class ReportForm(PreviewForm):
    place = forms.CharField(label=_("Tempat"), max_length=200)
    cause = forms.CharField(label=_("Penyebab"), max_length=300)


class HeirForm(forms.Form):
    """Adding an heir, and editing one in place (``HeirForm(initial=heir_initial(heir))``)."""

    nik = forms.CharField(label=_("NIK"), max_length=30)
    name = forms.CharField(label=_("Nama"), max_length=150)
    relation = forms.ChoiceField(label=_("Hubungan dengan peserta"), choices=HeirRelation.choices)
    birth_date = DayField(label=_("Tanggal lahir"))
    phone = forms.CharField(label=_("Nomor HP"), max_length=20, required=False)
    bank_name = forms.CharField(label=_("Bank"), max_length=60, required=False)
    bank_account = forms.CharField(label=_("Nomor rekening"), max_length=40, required=False)
    account_holder = forms.CharField(label=_("Atas nama rekening"), max_length=150, required=False)
    is_recipient = forms.BooleanField(label=_("Penerima santunan"), required=False)
    scholarship = forms.BooleanField(label=_("Usulkan beasiswa (anak)"), required=False)
    school_level = forms.ChoiceField(
        label=_("Jenjang sekolah"), required=False, choices=_blank(SchoolLevel.choices, "-")
    )
    school_class = forms.IntegerField(
        label=_("Kelas/semester"), required=False, min_value=1, max_value=14
    )
    school_name = forms.CharField(label=_("Nama sekolah"), max_length=150, required=False)
    married = forms.BooleanField(label=_("Sudah menikah"), required=False)
    working = forms.BooleanField(label=_("Sudah bekerja"), required=False)


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Jenis dokumen"), choices=DocumentKind.choices)
    file = forms.FileField(label=_("Berkas (PDF, JPG, PNG)"))

    def clean_file(self) -> Any:
        uploaded = self.cleaned_data["file"]
        if uploaded.size > max_upload_bytes():
            raise forms.ValidationError(
                _("Berkas terlalu besar; paling besar %(mb)s MB.")
                % {"mb": max_upload_bytes() // 1024 // 1024}
            )
        return uploaded


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Alasan penolakan"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class PaymentForm(forms.Form):
    amount = RupiahField(label=_("Jumlah dibayar (Rp)"))
    paid_on = DayField(label=_("Tanggal bayar"))
    reference = forms.CharField(label=_("Referensi pembayaran"), max_length=100)
    override_reason = forms.CharField(
        label=_("Alasan bila berbeda dari hak"), max_length=300, required=False
    )

    def clean_paid_on(self) -> dt.date:
        day: dt.date = self.cleaned_data["paid_on"]
        return day


class ProofForm(forms.Form):
    file = forms.FileField(label=_("Bukti terdaftar (PDF, JPG, PNG)"))
    school_name = forms.CharField(label=_("Nama sekolah"), max_length=150)
    school_class = forms.IntegerField(
        label=_("Kelas/semester"), required=False, min_value=1, max_value=14
    )


class StopForm(forms.Form):
    reason = forms.ChoiceField(label=_("Alasan berhenti"), choices=StopReason.choices)
    note = forms.CharField(label=_("Keterangan"), max_length=300, required=False)
    on = DayField(label=_("Sejak tanggal"))


class SummaryForm(forms.Form):
    region = forms.ChoiceField(label=_("Wilayah"))
    year = forms.IntegerField(label=_("Tahun"), min_value=2015, max_value=2100)
    segment = forms.ChoiceField(
        label=_("Segmen"), required=False, choices=_blank(Segment.choices, _("Semua segmen"))
    )

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = regions  # type: ignore[attr-defined]


class RegionYearForm(forms.Form):
    region = forms.ChoiceField(label=_("Wilayah"), required=False)
    year = forms.IntegerField(
        label=_("Tahun ajaran mulai"), required=False, min_value=2015, max_value=2100
    )

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("Semua wilayah")), *regions]  # type: ignore[attr-defined]


def heir_initial(heir: Any) -> dict[str, Any]:
    """The form values of a recorded heir, for editing it."""
    return {name: getattr(heir, name) for name in HeirForm.base_fields}
