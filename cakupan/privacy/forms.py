"""Forms of the privacy pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class RevealForm(forms.Form):
    """Why a read-only role asks to see a person's data in full (written to the access log)."""

    alasan = forms.CharField(
        min_length=10,
        max_length=300,
        strip=True,
        error_messages={
            "required": _("Tulis alasan Anda melihat data lengkap."),
            "min_length": _("Alasan terlalu singkat: tulis paling sedikit 10 karakter."),
            "max_length": _("Alasan terlalu panjang: paling banyak 300 karakter."),
        },
    )
