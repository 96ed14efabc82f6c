"""Forms of the bill pages: the bill list filter and payments (the budget form: ``budget.forms``).

Like the calculators' forms (``parameters.forms``) they only read and type-check what the user
typed; the services and the rules engine decide what is allowed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cakupan.billing.models import BillStatus
from cakupan.billing.selectors import UNPAID
from cakupan.common.forms import CHOICE_ERRORS, DayField, MonthField, RupiahField


class BillFilterForm(forms.Form):
    """The bill list: by contribution month, status and payer (a GET form)."""

    month = MonthField(label=_("Bulan iuran"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, error_messages=CHOICE_ERRORS)
    payer = forms.ChoiceField(label=_("Pembayar"), required=False, error_messages=CHOICE_ERRORS)

    def __init__(self, *args: Any, payers: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        status = self.fields["status"]
        payer = self.fields["payer"]
        assert isinstance(status, forms.ChoiceField)
        assert isinstance(payer, forms.ChoiceField)
        status.choices = [
            ("", _("Semua status")),
            (UNPAID, _("Belum lunas (terbuka atau sebagian)")),
            *BillStatus.choices,
        ]
        payer.choices = [("", _("Semua pembayar")), *payers]


class PaymentForm(forms.Form):
    """A payment for a bill: amount, date and the transfer's reference (SP2D, bank reference)."""

    amount = RupiahField(
        label=_("Jumlah dibayar"),
        help_text=_(
            "Lebih dari sisa tagihan: kelebihannya menjadi saldo untuk tagihan berikutnya."
        ),
        error_messages={"required": _("Isi jumlah yang dibayar.")},
    )
    paid_on = DayField(
        label=_("Tanggal bayar"), error_messages={"required": _("Isi tanggal bayar.")}
    )
    reference = forms.CharField(
        label=_("Nomor referensi"),
        max_length=100,
        help_text=_("Nomor SP2D atau referensi transfer; satu nomor hanya dicatat sekali."),
        error_messages={"required": _("Isi nomor referensi pembayaran.")},
    )
    note = forms.CharField(label=_("Catatan (tidak wajib)"), max_length=300, required=False)

    def clean_paid_on(self) -> dt.date:
        paid_on: dt.date = self.cleaned_data["paid_on"]
        if paid_on > timezone.localdate():
            raise forms.ValidationError(_("Tanggal bayar tidak boleh sesudah hari ini."))
        return paid_on


class BillingRunForm(forms.Form):
    """Which contribution month to bill, and where (a superadmin types a region code; an admin
    kabupaten bills its own kabupaten/kota, so the field is not shown)."""

    month = MonthField(
        label=_("Bulan iuran"),
        error_messages={"required": _("Isi bulan iuran yang akan ditagih.")},
    )
    region = forms.CharField(
        label=_("Kode wilayah"),
        max_length=20,
        required=False,
        help_text=_("Kode Kemendagri kabupaten/kota, misalnya 73.24."),
        widget=forms.TextInput(attrs={"placeholder": "73.24", "autocomplete": "off"}),
    )


class SummaryForm(forms.Form):
    """The billing summary: a region in the user's scope, a year, optionally one segment."""

    region = forms.CharField(label=_("Wilayah"), max_length=20, required=False)
    year = forms.IntegerField(
        label=_("Tahun iuran"),
        min_value=2015,
        max_value=2100,
        required=False,
        error_messages={"invalid": _("Tulis tahun sebagai empat angka, misalnya 2024.")},
    )
    segment = forms.ChoiceField(label=_("Segmen"), required=False, error_messages=CHOICE_ERRORS)

    def __init__(self, *args: Any, regions: list[Any] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from cakupan.registry.models import Segment

        segment = self.fields["segment"]
        assert isinstance(segment, forms.ChoiceField)
        segment.choices = [("", _("Semua segmen")), *Segment.choices]
        field = self.fields["region"]
        if regions is not None:
            field.widget = forms.Select(choices=[(r.code, f"{r.name} ({r.code})") for r in regions])
        else:
            field.widget.attrs.update({"placeholder": "73.02", "autocomplete": "off"})
            field.help_text = _("Kode wilayah Kemendagri, misalnya 73.02.")
