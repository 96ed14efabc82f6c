"""Forms of the import pages: upload, template, issue filter, column mapping, BPJS export and reply.

Messages about the file itself come from ``schema.FILE_MESSAGES`` (the same Indonesian text the
CLI and the API give); everything else is translatable.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from cakupan.accounts.access import MaybeViewer
from cakupan.intake.defaults import default_segment
from cakupan.intake.schema import FIELD_LABELS, IGNORE, Field, FileIssue, file_error
from cakupan.intake.selectors import SEVERITIES, ColumnMapping, IssueCount
from cakupan.registry.models import Segment, Unit

ACCEPTED_TYPES = ".xlsx,.xls,.ods,.csv"


class UnitChoiceField(forms.ModelChoiceField[Unit]):
    """Units named with their place, since many desa have a "Pemerintah Desa" of the same name."""

    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.name} · {obj.region.name}"


def _file_field(label: Any) -> forms.FileField:
    return forms.FileField(
        label=label,
        allow_empty_file=True,  # an empty file gets the intake's own message, see _checked_file
        error_messages={"required": _("Pilih berkas yang akan diunggah.")},
        widget=forms.FileInput(
            attrs={
                "accept": ACCEPTED_TYPES,
                "data-too-large-text": _(
                    "Berkas ini lebih besar dari batas unggahan. Pecah berkas menjadi beberapa bagian."
                ),
            }
        ),
    )


def _limit_widget(field: forms.Field) -> None:
    """The size limit on the file input, for intake.js to warn before a long upload."""
    field.widget.attrs["data-max-bytes"] = settings.INTAKE_MAX_UPLOAD_BYTES


def _checked_file(uploaded: UploadedFile) -> UploadedFile:
    """Refuse a file that is too large (before reading it) or empty, with the intake's messages."""
    limit = settings.INTAKE_MAX_UPLOAD_BYTES
    size = uploaded.size or 0
    if size > limit:
        error = file_error(FileIssue.TOO_LARGE, size=round(size / 2**20, 1), limit=limit // 2**20)
        raise forms.ValidationError(error.message, code=error.code)
    if size == 0:
        error = file_error(FileIssue.EMPTY)
        raise forms.ValidationError(error.message, code=error.code)
    return uploaded


def _segment_choices(automatic: Any) -> list[tuple[str, Any]]:
    return [("", automatic), *Segment.choices]


class UploadForm(forms.Form):
    unit = UnitChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        empty_label=_("Pilih unit"),
        error_messages={"required": _("Pilih unit pemilik data ini.")},
    )
    segment = forms.ChoiceField(
        label=_("Segmen peserta"),
        required=False,
        choices=_segment_choices(_("Otomatis menurut jenis unit")),
        help_text=_("Biarkan otomatis bila semua orang dalam berkas dari segmen bawaan unit."),
    )
    file = _file_field(_("Berkas daftar peserta"))

    def __init__(self, *args: Any, units: Any, user: MaybeViewer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ModelChoiceField)
        unit_field.queryset = units
        _limit_widget(self.fields["file"])
        own = getattr(user, "unit", None)
        if own is not None and units.filter(pk=own.pk).exists():
            self.initial.setdefault("unit", own.pk)
            self.initial.setdefault("segment", default_segment(own.kind) or "")

    def clean_file(self) -> UploadedFile:
        return _checked_file(self.cleaned_data["file"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        unit = cleaned.get("unit")
        if unit is not None and not cleaned.get("segment"):
            segment = default_segment(unit.kind)
            if segment is None:
                self.add_error(
                    "segment", _("Unit ini tidak punya segmen bawaan: pilih segmen pesertanya.")
                )
            else:
                cleaned["segment"] = segment
        return cleaned


class TemplateForm(forms.Form):
    """The unit and segment of an enrolment template (a GET form)."""

    unit = UnitChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        empty_label=_("Pilih unit"),
        error_messages={"required": _("Pilih unit.")},
    )
    segment = forms.ChoiceField(
        label=_("Segmen peserta"),
        required=False,
        choices=_segment_choices(_("Otomatis menurut jenis unit")),
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ModelChoiceField)
        unit_field.queryset = units

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        unit = cleaned.get("unit")
        if unit is not None and not cleaned.get("segment"):
            segment = default_segment(unit.kind)
            if segment is None:
                self.add_error(
                    "segment", _("Unit ini tidak punya segmen bawaan: pilih segmen pesertanya.")
                )
            else:
                cleaned["segment"] = segment
        return cleaned


class IssueFilterForm(forms.Form):
    """Filters of a batch's issue table (GET). Values that do not fit are ignored, not reported."""

    tingkat = forms.ChoiceField(
        label=_("Tingkat"),
        required=False,
        choices=[("", _("Semua tingkat")), *SEVERITIES],
    )
    kode = forms.ChoiceField(label=_("Jenis masalah"), required=False)
    baris = forms.IntegerField(
        label=_("Nomor baris"),
        required=False,
        min_value=1,
        max_value=10_000_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, counts: list[IssueCount], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kode = self.fields["kode"]
        assert isinstance(kode, forms.ChoiceField)
        kode.choices = [("", _("Semua jenis masalah")), *((c.code, c.label) for c in counts)]

    def filters(self) -> dict[str, Any]:
        """The valid filters as ``issue_list`` keywords."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "severity": data.get("tingkat") or "",
            "code": data.get("kode") or "",
            "row": data.get("baris"),
        }


class MappingForm(forms.Form):
    """One select per column no field was found for: which field it holds, or "ignore".

    Every choice is remembered for the unit, "ignore" too (``schema.IGNORE``), so the next file with
    the same headers is neither refused nor asked about again. Columns the unit ignored before are
    offered again, preset to "ignore", when the form is shown for a file that misses a required
    field.
    """

    def __init__(self, *args: Any, mapping: ColumnMapping, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.headers = [*mapping.unrecognised, *mapping.ignored]
        self.taken = mapping.taken
        self.missing = [FIELD_LABELS[Field(f)] for f in mapping.missing]
        # (header, the field it was read as; "" when the header is that field's own name)
        self.recognised = [
            (header, "" if header == FIELD_LABELS[Field(value)] else FIELD_LABELS[Field(value)])
            for value, header in mapping.taken.items()
        ]
        choices = [(IGNORE, _("abaikan kolom ini"))] + [(f.value, FIELD_LABELS[f]) for f in Field]
        before = set(mapping.ignored)
        for index, header in enumerate(self.headers):
            self.fields[f"kolom_{index}"] = forms.ChoiceField(
                label=header,
                choices=choices,
                initial=IGNORE,
                help_text=_("Sebelumnya dipilih: abaikan kolom ini.") if header in before else "",
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        chosen: dict[str, str] = {}
        used: dict[str, str] = {}
        for index, header in enumerate(self.headers):
            name = f"kolom_{index}"
            value = cleaned.get(name)
            if not value:
                continue  # refused by the field itself
            if value == IGNORE:
                chosen[header] = IGNORE
                continue
            label = FIELD_LABELS[Field(value)]
            if value in self.taken:
                self.add_error(
                    name,
                    _("%(field)s sudah dibaca dari kolom “%(header)s”.")
                    % {"field": label, "header": self.taken[value]},
                )
            elif value in used:
                self.add_error(
                    name,
                    _("%(field)s juga dipilih untuk kolom “%(header)s”.")
                    % {"field": label, "header": used[value]},
                )
            else:
                used[value] = header
                chosen[header] = value
        if self.missing and not used and not self.errors:
            raise forms.ValidationError(
                _(
                    "Pilih isian untuk paling sedikit satu kolom, atau unggah berkas yang diperbaiki."
                )
            )
        cleaned["mapping"] = chosen
        return cleaned


class ValueMappingForm(forms.Form):
    """One select per coded value of the batch that the vocabulary did not know (or that the unit
    mapped before): which occupation, funding source ... it stands for, or "abaikan".

    Left at "tidak dipetakan", a value stays as the vocabulary reads it (a job title as "lainnya"
    of the segment, with a warning); a previous mapping of that value is forgotten.
    """

    def __init__(
        self,
        *args: Any,
        values: dict[str, list[dict[str, Any]]],
        targets: dict[str, list[tuple[str, str]]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.entries: list[tuple[str, str, str, dict[str, Any]]] = []  # (name, field, key, entry)
        for field_value, entries in values.items():
            if field_value not in targets:
                continue
            choices = [
                ("", _("tidak dipetakan")),
                (IGNORE, _("abaikan nilai ini")),
                *targets[field_value],
            ]
            for index, entry in enumerate(entries):
                name = f"nilai_{field_value}_{index}"
                how = entry.get("how")
                initial = (
                    IGNORE
                    if how == "ignored"
                    else (entry.get("target") or "")
                    if how == "memory"
                    else ""
                )
                self.fields[name] = forms.ChoiceField(
                    label=str(entry.get("text") or entry.get("key")),
                    choices=choices,
                    initial=initial,
                    required=False,
                    help_text=FIELD_LABELS[Field(field_value)],
                )
                self.entries.append((name, field_value, str(entry["key"]), entry))

    def mappings(self) -> dict[str, dict[str, str | None]]:
        """``{field: {normalised value: target or None}}`` from the cleaned form."""
        chosen: dict[str, dict[str, str | None]] = {}
        for name, field_value, key, _entry in self.entries:
            chosen.setdefault(field_value, {})[key] = self.cleaned_data.get(name) or None
        return chosen


class ExportForm(forms.Form):
    fmt = forms.ChoiceField(choices=[("csv", "CSV"), ("xlsx", "XLSX")])


class ReplyForm(forms.Form):
    file = _file_field(_("Berkas balasan BPJS Ketenagakerjaan"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _limit_widget(self.fields["file"])

    def clean_file(self) -> UploadedFile:
        return _checked_file(self.cleaned_data["file"])


class ReturnForm(forms.Form):
    """The verifier's note when a batch goes back to its operator."""

    note = forms.CharField(
        label=_("Catatan untuk operator"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Apa yang perlu diperbaiki, misalnya baris atau orang yang salah. Operator membaca "
            "catatan ini di halaman batch."
        ),
        error_messages={"required": _("Tulis catatan untuk operator: apa yang perlu diperbaiki.")},
    )
