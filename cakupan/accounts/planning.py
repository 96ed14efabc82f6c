"""The region and year of a planning page: the budget planner (``/anggaran/``) and the pekerja
rentan plan (``/sasaran/``).

Both are GET forms (a plan is a link) whose region is a select of the regions the user may plan
(:func:`~cakupan.accounts.access.regions_plannable_by`) or, for a superadmin, a code typed in; a
region outside the user's scope answers 404 like every other record out of scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, TypeVar

from django import forms
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from cakupan.accounts.access import region_in_scope
from cakupan.common.forms import LAST_YEAR
from cakupan.wilayah.models import Region
from cakupan.wilayah.selectors import RegionNotFound, region_get

F = TypeVar("F", bound="RegionYearForm")


class RegionYearForm(forms.Form):
    """A planning form's region and year; subclasses add their targets and may name the year
    differently (``year_label``, ``year_required``)."""

    year_label: Any = _("Tahun")
    year_required: Any = _("Isi tahun.")

    region = forms.CharField(
        label=_("Wilayah"),
        max_length=20,
        error_messages={"required": _("Pilih atau isi kode wilayah.")},
    )
    year = forms.IntegerField(
        min_value=2016,
        max_value=LAST_YEAR,
        error_messages={"invalid": _("Tulis tahun sebagai empat angka, misalnya 2027.")},
    )

    def __init__(self, *args: Any, regions: list[Region] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        year = self.fields["year"]
        year.label = self.year_label
        year.error_messages["required"] = self.year_required
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


def planning_form(
    form_class: type[F],
    query: Mapping[str, Any],
    *,
    allowed: list[Region] | None,
    today: dt.date,
    initial: Mapping[str, Any] | None = None,
) -> tuple[F, Region | None]:
    """The page's form and, when it was submitted and is valid, its region.

    Before submitting (no ``year`` in the query) the form starts at next year and at the region
    asked for in ``?region=`` when the user may plan it, else the first one offered. An unknown code
    is an error on the form; a region outside ``allowed`` (``None``: any) raises ``Http404``.
    """
    if "year" not in query:
        start: dict[str, Any] = {"year": today.year + 1, **(initial or {})}
        wanted = query.get("region", "")
        if allowed:
            codes = [r.code for r in allowed]
            start["region"] = wanted if wanted in codes else codes[0]
        elif allowed is None and wanted:
            start["region"] = wanted
        return form_class(initial=start, regions=allowed), None
    form = form_class(query, regions=allowed)
    if not form.is_valid():
        return form, None
    try:
        region = region_get(form.cleaned_data["region"])
    except RegionNotFound:
        form.add_error("region", _("Kode wilayah tidak dikenal."))
        return form, None
    if not region_in_scope(region, allowed):
        raise Http404
    return form, region
