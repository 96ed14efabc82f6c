"""The enrolment template (:func:`enrolment_template`): the XLSX form an operator fills in for one
segment, with its columns formatted so that Excel leaves a NIK alone, dropdowns from the unit's
lists, and instructions. Plain data in, ``bytes`` out; no database, no Django.

``Data`` (first, active): the header row (exactly ``schema.FIELD_LABELS``, in
:data:`TEMPLATE_FIELDS` order, columns A-L, so the header mapping needs nothing new; formats
such as dd-mm-yyyy are in the input messages and on ``Petunjuk``) and 2,000 prepared rows.
NIK, Nomor HP and Nomor KK are formatted as text (``@``) so Excel never turns a NIK into
``7,32401E+15``; the dates are ``dd-mm-yyyy``, the wage ``#,##0``. Dropdowns: sex (L/P),
occupation, funding source and desa (lists on the hidden sheet ``Daftar``). ``Petunjuk``:
instructions. ``Daftar`` (hidden, protected): the lists with their codes.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from cakupan.common.spreadsheet import escape_formula, xlsx_workbook
from cakupan.intake.schema import FIELD_LABELS, REQUIRED_FIELDS, Field
from cakupan.intake.workbooks.styling import (
    _HEADER_FILL,
    _REQUIRED_FILL,
    DATA_SHEET,
    _print_setup,
)

__all__ = [
    "LIST_SHEET",
    "MAX_UPLOAD_MB",
    "TEMPLATE_FIELDS",
    "TEMPLATE_ROWS",
    "enrolment_template",
]


HELP_SHEET = "Petunjuk"
LIST_SHEET = "Daftar"

#: Rows of the template prepared with formats and dropdowns (below the header row).
TEMPLATE_ROWS = 2000
#: The upload limit stated in the instructions.
MAX_UPLOAD_MB = 50


_Kind = Literal["text", "date", "wage", "general"]

#: The template's columns, A to L: field, cell kind, column width.
_TEMPLATE_COLUMNS: tuple[tuple[Field, _Kind, int], ...] = (
    (Field.NIK, "text", 20),
    (Field.NAME, "general", 30),
    (Field.SEX, "general", 11),
    (Field.BIRTH_PLACE, "general", 18),
    (Field.BIRTH_DATE, "date", 13),
    (Field.DESA, "general", 26),
    (Field.PHONE, "text", 16),
    (Field.KK_NUMBER, "text", 20),
    (Field.OCCUPATION, "general", 30),
    (Field.FUNDING_SOURCE, "general", 22),
    (Field.WAGE, "wage", 17),
    (Field.START_DATE, "date", 13),
)
TEMPLATE_FIELDS: tuple[Field, ...] = tuple(field for field, _, _ in _TEMPLATE_COLUMNS)

_NUM_FORMATS: dict[_Kind, str | None] = {
    "text": "@",
    "date": "dd-mm-yyyy",
    "wage": "#,##0",
    "general": None,
}

# Explanations and examples for the Petunjuk sheet.
_FIELD_HELP: dict[Field, tuple[str, str]] = {
    Field.NIK: (
        "Nomor Induk Kependudukan dari KTP/KK: tepat 16 digit angka. Kolom ini berformat Teks; "
        "jangan ubah formatnya ke Angka (Excel akan mengganti digit ke-16 dengan 0).",
        "7324015708800001",
    ),
    Field.NAME: ("Nama lengkap sesuai KTP.", "Siti Aminah"),
    Field.SEX: ("L untuk laki-laki, P untuk perempuan (pilih dari daftar).", "P"),
    Field.BIRTH_PLACE: ("Kota/kabupaten tempat lahir sesuai KTP.", "Malili"),
    Field.BIRTH_DATE: ("Tanggal lahir, format hari-bulan-tahun (dd-mm-yyyy).", "17-08-1980"),
    Field.DESA: ("Desa/kelurahan tempat tinggal atau tempat bertugas (pilih dari daftar).", ""),
    Field.PHONE: ("Nomor HP aktif, diawali 08 atau 62. Berformat Teks.", "081234567890"),
    Field.KK_NUMBER: ("Nomor Kartu Keluarga: 16 digit. Berformat Teks.", "7324011203150004"),
    Field.OCCUPATION: ("Pekerjaan atau jabatan (pilih dari daftar).", ""),
    Field.FUNDING_SOURCE: ("Dari mana iuran dibayar (pilih dari daftar).", ""),
    Field.WAGE: (
        "Upah, honor, siltap atau penghasilan sebulan dalam rupiah, angka saja tanpa Rp, titik "
        "atau koma.",
        "2500000",
    ),
    Field.START_DATE: (
        "Tanggal mulai kepesertaan (dd-mm-yyyy). Boleh dikosongkan bila mulai secepatnya.",
        "01-07-2025",
    ),
}


def enrolment_template(
    *,
    segment: str,
    segment_label: str,
    unit_name: str | None,
    occupations: Sequence[tuple[str, str]],
    funding_sources: Sequence[tuple[str, str]],
    desa: Sequence[tuple[str, str]],
    default_funding: str | None,
) -> bytes:
    """The XLSX enrolment form for one segment (and optionally one unit).

    ``occupations``, ``funding_sources`` and ``desa`` are ``(code, name)`` pairs in display order;
    the dropdowns offer the names (the reader resolves names and codes). An empty list leaves that
    column without a dropdown. ``default_funding`` (a code or a label) is named in the
    instructions as what an empty "Sumber dana" means. ``segment`` (the code) is stored in the
    document properties and on the ``Daftar`` sheet, ``segment_label`` is shown.
    """
    output = io.BytesIO()
    workbook = xlsx_workbook(output)
    title = f"Formulir pendaftaran peserta BPJS Ketenagakerjaan: {segment_label}"
    workbook.set_properties(
        {
            "title": title,
            "subject": f"segmen={segment}",
            "company": unit_name or "",
            "comments": "Cakupan: formulir pendaftaran peserta",
        }
    )
    data = workbook.add_worksheet(DATA_SHEET)
    help_sheet = workbook.add_worksheet(HELP_SHEET)
    lists = workbook.add_worksheet(LIST_SHEET)

    ranges = _write_lists(workbook, lists, segment, occupations, funding_sources, desa)
    _write_template_data(workbook, data, ranges)
    default_label = _funding_label(default_funding, funding_sources)
    _write_instructions(workbook, help_sheet, title, segment_label, unit_name, default_label)

    data.activate()
    lists.hide()
    lists.protect()
    workbook.close()
    return output.getvalue()


def _wrapped_height(text: str, width: int) -> float:
    """Row height (points) for ``text`` wrapped in a column ``width`` characters wide."""
    lines = 1 + len(text) // max(int(width * 1.15), 1)
    return 15.0 * lines


def _funding_label(default: str | None, sources: Sequence[tuple[str, str]]) -> str | None:
    if not default:
        return None
    for code, label in sources:
        if default in (code, label):
            return label
    return default


def _write_lists(
    workbook: Workbook,
    sheet: Worksheet,
    segment: str,
    occupations: Sequence[tuple[str, str]],
    funding_sources: Sequence[tuple[str, str]],
    desa: Sequence[tuple[str, str]],
) -> dict[Field, str]:
    """Write the hidden lists (A-B occupations, D-E funding, G-H desa); return dropdown sources."""
    bold = workbook.add_format({"bold": True})
    text = workbook.add_format({"num_format": "@"})
    ranges: dict[Field, str] = {}
    blocks = (
        (Field.OCCUPATION, 0, "Kode pekerjaan", occupations),
        (Field.FUNDING_SOURCE, 3, "Kode sumber dana", funding_sources),
        (Field.DESA, 6, "Kode desa/kelurahan", desa),
    )
    for field, col, code_header, items in blocks:
        sheet.write_string(0, col, code_header, bold)
        sheet.write_string(0, col + 1, FIELD_LABELS[field], bold)
        sheet.set_column(col, col, 20, text)
        sheet.set_column(col + 1, col + 1, 40)
        for i, (code, name) in enumerate(items, start=1):
            sheet.write_string(i, col, escape_formula(code), text)
            sheet.write_string(i, col + 1, escape_formula(name))
        if items:
            letter = xl_col_to_name(col + 1)
            ranges[field] = f"={LIST_SHEET}!${letter}$2:${letter}${len(items) + 1}"
    sheet.write_string(0, 9, "Segmen", bold)
    sheet.write_string(1, 9, escape_formula(segment), text)
    return ranges


def _write_template_data(workbook: Workbook, sheet: Worksheet, ranges: Mapping[Field, str]) -> None:
    required = set(REQUIRED_FIELDS)
    header = {"bold": True, "text_wrap": True, "valign": "top", "border": 1}
    header_fmt = workbook.add_format({**header, "bg_color": _HEADER_FILL})
    required_fmt = workbook.add_format({**header, "bg_color": _REQUIRED_FILL})
    last = TEMPLATE_ROWS  # 0-based index of the last prepared row
    sheet.set_row(0, 45)
    for col, (field, kind, width) in enumerate(_TEMPLATE_COLUMNS):
        num_format = _NUM_FORMATS[kind]
        cell_fmt = workbook.add_format({"num_format": num_format}) if num_format else None
        sheet.set_column(col, col, width, cell_fmt)
        sheet.write_string(
            0, col, FIELD_LABELS[field], required_fmt if field in required else header_fmt
        )
        if cell_fmt is not None:
            # Column formats apply to cells typed later; the cells themselves carry it too, for
            # readers (and phone apps) that ignore column formats.
            for row in range(1, last + 1):
                sheet.write_blank(row, col, None, cell_fmt)
        validation = _template_validation(field, ranges)
        if validation is not None:
            sheet.data_validation(1, col, last, col, validation)
    sheet.freeze_panes(1, 0)
    _print_setup(sheet, landscape=True, repeat_rows=1)
    sheet.ignore_errors(
        {"number_stored_as_text": f"A2:{xl_col_to_name(len(_TEMPLATE_COLUMNS) - 1)}{last + 1}"}
    )


def _template_validation(field: Field, ranges: Mapping[Field, str]) -> dict[str, Any] | None:
    """The data validation of one template column (``None``: none)."""
    digits16 = {
        "validate": "length",
        "criteria": "==",
        "value": 16,
        "error_type": "warning",
        "input_message": "16 digit, format Teks",
    }
    date_hint = {"validate": "any", "input_message": "Format dd-mm-yyyy, contoh 17-08-1980"}
    if field is Field.NIK:
        return {
            **digits16,
            "input_title": "NIK",
            "error_title": "NIK harus 16 digit",
            "error_message": "NIK harus tepat 16 digit angka, sesuai KTP/KK.",
        }
    if field is Field.KK_NUMBER:
        return {
            **digits16,
            "input_title": "Nomor KK",
            "error_title": "Nomor KK harus 16 digit",
            "error_message": "Nomor Kartu Keluarga harus tepat 16 digit angka.",
        }
    if field is Field.PHONE:
        return {
            "validate": "any",
            "input_title": "Nomor HP",
            "input_message": "Format Teks, contoh 081234567890",
        }
    if field is Field.SEX:
        return {
            "validate": "list",
            "source": ["L", "P"],
            "error_type": "stop",
            "input_title": "Jenis kelamin",
            "input_message": "L = laki-laki, P = perempuan",
            "error_title": "Isi L atau P",
            "error_message": "Jenis kelamin diisi L (laki-laki) atau P (perempuan).",
        }
    if field in (Field.BIRTH_DATE, Field.START_DATE):
        return {**date_hint, "input_title": FIELD_LABELS[field]}
    if field is Field.WAGE:
        return {
            "validate": "integer",
            "criteria": ">=",
            "value": 0,
            "error_type": "warning",
            "input_title": "Upah sebulan (Rp)",
            "input_message": "Angka saja, tanpa Rp, titik atau koma. Contoh 2500000",
            "error_title": "Upah tidak terbaca",
            "error_message": "Tulis upah sebulan sebagai angka bulat, contoh 2500000.",
        }
    if field in ranges:
        # Sumber dana is a closed list: stop. Occupation and desa may be written by code or in
        # another spelling that the reader still recognises: warn only.
        stop = field is Field.FUNDING_SOURCE
        return {
            "validate": "list",
            "source": ranges[field],
            "error_type": "stop" if stop else "warning",
            "input_title": FIELD_LABELS[field][:32],
            "input_message": "Pilih dari daftar",
            "error_title": "Tidak ada di daftar",
            "error_message": (
                "Pilih salah satu isi daftar."
                if stop
                else "Isian ini tidak ada di daftar. Periksa ejaannya atau pilih dari daftar."
            ),
        }
    return None


def _write_instructions(
    workbook: Workbook,
    sheet: Worksheet,
    title: str,
    segment_label: str,
    unit_name: str | None,
    default_funding: str | None,
) -> None:
    title_fmt = workbook.add_format({"bold": True, "font_size": 14})
    bold = workbook.add_format({"bold": True})
    head = workbook.add_format(
        {"bold": True, "bg_color": _HEADER_FILL, "border": 1, "valign": "top"}
    )
    wrap = workbook.add_format({"text_wrap": True, "valign": "top", "border": 1})
    text_wrap = workbook.add_format(
        {"text_wrap": True, "valign": "top", "num_format": "@", "border": 1}
    )
    para = workbook.add_format({"text_wrap": True, "valign": "top"})
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 8)
    sheet.set_column(2, 2, 70)
    sheet.set_column(3, 3, 20)
    _print_setup(sheet, landscape=True)

    row = 0
    sheet.write_string(row, 0, escape_formula(title), title_fmt)
    row += 1
    sheet.write_string(row, 0, "Segmen", bold)
    sheet.write_string(row, 1, escape_formula(segment_label))
    if unit_name:
        row += 1
        sheet.write_string(row, 0, "Unit", bold)
        sheet.write_string(row, 1, escape_formula(unit_name))

    row += 2
    sheet.write_string(row, 0, "Kolom di lembar Data", bold)
    row += 1
    for col, text in enumerate(("Kolom", "Wajib", "Penjelasan", "Contoh")):
        sheet.write_string(row, col, text, head)
    required = set(REQUIRED_FIELDS)
    for field in TEMPLATE_FIELDS:
        row += 1
        explanation, example = _FIELD_HELP[field]
        if field is Field.FUNDING_SOURCE and default_funding:
            explanation += f" Bila dikosongkan, dipakai sumber dana bawaan unit: {default_funding}."
        sheet.write_string(row, 0, FIELD_LABELS[field], wrap)
        sheet.write_string(row, 1, "Ya" if field in required else "", wrap)
        sheet.write_string(row, 2, escape_formula(explanation), wrap)
        sheet.set_row(row, _wrapped_height(explanation, 70))
        sheet.write_string(row, 3, escape_formula(example), text_wrap)

    rules = (
        "Satu baris untuk satu orang, mulai dari baris 2 tepat di bawah judul kolom. Judul kolom "
        "berwarna biru tua wajib diisi.",
        "Jangan mengubah, menghapus atau memindahkan judul kolom di baris 1. Jangan menggabungkan "
        "sel (merge cells) dan jangan menyisipkan baris judul atau baris jumlah di tengah data.",
        "NIK harus tepat 16 digit dan ditulis sebagai Teks. Kolom NIK, Nomor HP dan Nomor KK di "
        "formulir ini sudah berformat Teks. Bila menyalin dari berkas lain, pakai Tempel Khusus > "
        "Nilai (Paste Special > Values) agar format Teks tidak hilang. NIK yang tampil seperti "
        "7,32401E+15 atau berakhiran 0 yang salah sudah dirusak Excel: ketik ulang dari KTP/KK.",
        "NIK perempuan: dua digit tanggal lahir di dalam NIK (digit ke-7 dan ke-8) ditambah 40, "
        "misalnya lahir tanggal 17 menjadi 57. Ini normal, bukan kesalahan.",
        "Tanggal ditulis hari-bulan-tahun dengan tahun 4 digit: 17-08-1980. Juga diterima "
        "17/08/1980, 1980-08-17, dan sel berformat tanggal Excel. Jangan menulis bulan lebih dulu "
        "(08/17/1980); tanggal yang bisa terbaca dua arah dapat ditolak.",
        "Upah ditulis sebagai angka rupiah sebulan tanpa Rp, titik atau koma, misalnya 2500000.",
        "Jenis kelamin, desa/kelurahan, pekerjaan/jabatan dan sumber dana: pilih dari daftar "
        "(tanda panah di sel).",
        "Pekerjaan/jabatan boleh juga ditulis seperti di SK: Kaur Keuangan, Kasi Pemerintahan, "
        "Kepala Dusun Maleku I, Ketua BPD, Guru Honorer SDN 1 Malili, Imam Masjid. Sebutan yang "
        "lazim dikenali; jabatan yang belum dikenal tetap diterima, dicatat sebagai Lainnya dengan "
        "teks aslinya, dan dapat dipetakan sekali di halaman batch (diingat untuk unit Anda). "
        "Sumber dana boleh ditulis ADD, Dana Desa, APBD dan sebagainya.",
        "Simpan sebagai Excel biasa (.xlsx), bukan .xlsm atau .xlsb. Ukuran berkas paling besar "
        f"{MAX_UPLOAD_MB} MB; berkas yang lebih besar dipecah menjadi beberapa berkas. Lembar "
        "Petunjuk boleh dibiarkan.",
        "Setelah diunggah, setiap baris diperiksa. Bila ada masalah, unduh berkas hasil "
        "pemeriksaan: isinya sama dengan berkas Anda dan pada nomor baris yang sama, ditambah kolom "
        "Keterangan. Sel merah adalah kesalahan (baris ditolak), sel kuning adalah peringatan "
        "(baris tetap diterima).",
        "Perbaiki sel merah langsung di berkas hasil pemeriksaan itu, simpan, lalu unggah kembali "
        "berkas tersebut. Kolom Keterangan, lembar Ringkasan dan warnanya tidak perlu dihapus.",
    )
    number_fmt = workbook.add_format({"align": "right", "valign": "top"})
    row += 2
    sheet.write_string(row, 0, "Aturan pengisian", bold)
    for number, rule in enumerate(rules, start=1):
        row += 1
        sheet.write_string(row, 0, f"{number}.", number_fmt)
        sheet.merge_range(row, 1, row, 3, rule, para)
        sheet.set_row(row, _wrapped_height(rule, 98))
