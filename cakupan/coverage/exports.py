"""The follow-up lists as one XLSX workbook: a cover sheet, then a sheet per list.

Written through ``common.spreadsheet`` (text escaped against formula injection, NIKs masked as on
the pages, dates as dates). One list alone downloads as CSV through ``common.exports`` with
:func:`followup_columns`. The view logs every download (``registry.selectors.export_record``).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cakupan.common.exports import Column
from cakupan.common.spreadsheet import write_cell, xlsx_workbook
from cakupan.coverage.followup import FollowupList
from cakupan.coverage.selectors import Place

# (key in the row, header) per list, in column order; headers and sheet names in the reader's
# language, like the rest of the workbook.
COLUMNS: dict[str, list[tuple[str, Promise]]] = {
    "desa_without_officials": [
        ("desa_code", gettext_lazy("Kode desa")),
        ("desa", gettext_lazy("Desa")),
        ("kecamatan", gettext_lazy("Kecamatan")),
        ("unit", gettext_lazy("Unit")),
        ("contact", gettext_lazy("Kontak")),
    ],
    "desa_below_rentan_target": [
        ("desa_code", gettext_lazy("Kode desa")),
        ("desa", gettext_lazy("Desa")),
        ("kecamatan", gettext_lazy("Kecamatan")),
        ("covered", gettext_lazy("Pekerja rentan terlindungi")),
        ("target", gettext_lazy("Target")),
        ("gap", gettext_lazy("Kekurangan")),
        ("unit", gettext_lazy("Unit")),
        ("contact", gettext_lazy("Kontak")),
    ],
    "memberships_ending": [
        ("person", gettext_lazy("Nama")),
        ("nik", gettext_lazy("NIK (disamarkan)")),
        ("segment_label", gettext_lazy("Segmen")),
        ("end_date", gettext_lazy("Berakhir")),
        ("unit", gettext_lazy("Unit")),
        ("contact", gettext_lazy("Kontak")),
    ],
    "bpu_lapsing": [
        ("person", gettext_lazy("Nama")),
        ("nik", gettext_lazy("NIK (disamarkan)")),
        ("oldest_unpaid_month", gettext_lazy("Bulan tertua belum dibayar")),
        ("lapses_on", gettext_lazy("Nonaktif pada")),
        ("unit", gettext_lazy("Unit")),
        ("contact", gettext_lazy("Kontak")),
    ],
    "posts_unfilled": [
        ("unit", gettext_lazy("Unit")),
        ("region", gettext_lazy("Kode wilayah")),
        ("segment_label", gettext_lazy("Segmen")),
        ("posts", gettext_lazy("Formasi")),
        ("filled", gettext_lazy("Terisi")),
        ("vacant", gettext_lazy("Kosong")),
        ("contact", gettext_lazy("Kontak")),
    ],
}
# Columns holding counts (numbers) and dates; the rest is text (a masked NIK too).
_NUMBERS = frozenset({"covered", "target", "gap", "posts", "filled", "vacant"})
_DATES = frozenset({"end_date", "lapses_on", "oldest_unpaid_month"})


def followup_columns(key: str) -> tuple[Column, ...]:
    """The columns of list ``key`` for ``common.exports`` (its CSV download)."""
    return tuple(
        Column(
            str(header),
            name,
            kind="number" if name in _NUMBERS else "date" if name in _DATES else "text",
            width=40 if name in ("contact", "unit") else 18,
        )
        for name, header in COLUMNS[key]
    )


SHEET_NAMES: dict[str, Promise] = {
    "desa_without_officials": gettext_lazy("Desa tanpa aparat"),
    "desa_below_rentan_target": gettext_lazy("Desa di bawah target"),
    "memberships_ending": gettext_lazy("Kepesertaan berakhir"),
    "bpu_lapsing": gettext_lazy("BPU akan nonaktif"),
    "posts_unfilled": gettext_lazy("Formasi kosong"),
}


def followup_workbook(place: Place, on: dt.date, lists: dict[str, FollowupList]) -> bytes:
    output = io.BytesIO()
    book = xlsx_workbook(output)
    bold = book.add_format({"bold": True})
    date = book.add_format({"num_format": "dd-mm-yyyy"})
    month = book.add_format({"num_format": "mm-yyyy"})
    cover = book.add_worksheet(_("Ringkasan"))
    cover.set_column(0, 0, 44)
    cover.set_column(1, 1, 14)
    write_cell(cover, 0, 0, _("Daftar tindak lanjut cakupan"), bold)
    write_cell(cover, 1, 0, f"{place.kind_label} {place.name}".strip())
    write_cell(cover, 2, 0, _("Per tanggal"))
    write_cell(cover, 2, 1, on, date)
    write_cell(cover, 4, 0, _("Daftar"), bold)
    write_cell(cover, 4, 1, _("Jumlah"), bold)
    for i, found in enumerate(lists.values(), start=5):
        write_cell(cover, i, 0, found.title)
        write_cell(cover, i, 1, len(found.rows) if found.available else None)
        if found.note:
            write_cell(cover, i, 2, found.note)
    for key, found in lists.items():
        sheet = book.add_worksheet(str(SHEET_NAMES[key]))
        columns = COLUMNS[key]
        for col, (_key, header) in enumerate(columns):
            write_cell(sheet, 0, col, str(header), bold)
            sheet.set_column(col, col, 40 if _key in ("contact", "unit") else 18)
        if not found.available or not found.rows:
            write_cell(sheet, 1, 0, found.note or _("Tidak ada."))
            continue
        for r, row in enumerate(found.rows, start=1):
            for col, (name, _header) in enumerate(columns):
                value: Any = row.get(name)
                fmt = month if name == "oldest_unpaid_month" else date
                write_cell(sheet, r, col, value, fmt if isinstance(value, dt.date) else None)
        sheet.autofilter(0, 0, len(found.rows), len(columns) - 1)
        sheet.freeze_panes(1, 0)
    book.close()
    return output.getvalue()
