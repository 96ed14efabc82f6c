"""The coverage pages' query string: the day (``on``), the indicator, the sort order."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cakupan.common.forms import DayField


class OnForm(forms.Form):
    """``?on=YYYY-MM-DD`` (also DD-MM-YYYY); empty means today."""

    on = DayField(label=_("Per tanggal"), required=False)
