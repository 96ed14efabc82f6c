from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Nama token"),
        max_length=100,
        help_text=_("Untuk apa token ini, mis. 'OpenSID Desa Malili'."),
    )
    expires_days = forms.IntegerField(
        label=_("Masa berlaku (hari)"),
        min_value=1,
        max_value=settings.API_TOKEN_MAX_DAYS,
        initial=settings.API_TOKEN_DEFAULT_DAYS,
    )
    read_only = forms.BooleanField(
        label=_("Hanya baca (tidak dapat mengubah data)"), required=False
    )
