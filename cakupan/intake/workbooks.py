"""The workbooks the intake hands out: the enrolment template, the annotated copy of an upload, and
the registration file for BPJS Ketenagakerjaan.

Pure: plain data in, ``bytes`` out; no database, no Django. Written with xlsxwriter through
``common.spreadsheet`` (no text ever becomes a formula, number or link; text starting with
``= + - @``, tab, CR ... gets a leading ``'``). The data rows of the annotated workbook and of the
XLSX registration file are generated as XML and spliced in (``common.spreadsheet.append_rows``):
xlsxwriter needs 40 s for 200,000 rows, the splice about 4 s.

Enrolment template (:func:`enrolment_template`)
    ``Data`` (first, active): the header row (exactly ``schema.FIELD_LABELS``, in
    :data:`TEMPLATE_FIELDS` order, columns A-L, so the header mapping needs nothing new; formats
    such as dd-mm-yyyy are in the input messages and on ``Petunjuk``) and 2,000 prepared rows.
    NIK, Nomor HP and Nomor KK are formatted as text (``@``) so Excel never turns a NIK into
    ``7,32401E+15``; the dates are ``dd-mm-yyyy``, the wage ``#,##0``. Dropdowns: sex (L/P),
    occupation, funding source and desa (lists on the hidden sheet ``Daftar``). ``Petunjuk``:
    instructions. ``Daftar`` (hidden, protected): the lists with their codes.

Annotated workbook (:func:`annotated_workbook`)
    The uploaded columns, header text and cell text exactly as read (text escaped against formula
    injection, nothing else changed), every row on its original row number, plus a last column
    ``Keterangan`` with the row's issues; erroneous cells red, warned cells yellow. The operator
    corrects it and uploads the same file again. ``Ringkasan``: counts per issue code.

Registration file (:func:`bpjs_registration_file`)
    One row per verified membership, columns :data:`REGISTRATION_COLUMNS`, as CSV or XLSX.
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import re
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from cakupan.common.spreadsheet import (
    FORMULA_TRIGGERS,
    MAX_CELL_CHARS,
    OOXML_SPECIAL,
    append_rows,
    escape_formula,
    fit_cell,
    inline_string_cell,
    write_csv,
    xf_index,
    xlsx_workbook,
    xml_text,
)
from cakupan.intake.schema import FIELD_LABELS, REQUIRED_FIELDS, Field

__all__ = [
    "ANNOTATION_HEADER",
    "DATA_SHEET",
    "LIST_SHEET",
    "MAX_UPLOAD_MB",
    "REGISTRATION_COLUMNS",
    "TEMPLATE_FIELDS",
    "TEMPLATE_ROWS",
    "annotated_workbook",
    "bpjs_registration_file",
    "enrolment_template",
    "issue_text",
]

DATA_SHEET = "Data"
HELP_SHEET = "Petunjuk"
LIST_SHEET = "Daftar"
SUMMARY_SHEET = "Ringkasan"
ANNOTATION_HEADER = "Keterangan"

#: Rows of the template prepared with formats and dropdowns (below the header row).
TEMPLATE_ROWS = 2000
#: The upload limit stated in the instructions.
MAX_UPLOAD_MB = 50

_EXCEL_MAX_ROWS = 1_048_576
_EXCEL_MAX_COLS = 16_384

# Colours (Excel's own "good/bad/neutral" palette, readable on a phone in daylight).
_HEADER_FILL = "#D9E1F2"
_REQUIRED_FILL = "#B4C6E7"
_ERROR_FILL = "#FF8B8B"  # an erroneous cell
_ERROR_NOTE_FILL = "#FFE1E1"  # the Keterangan cell of a rejected row
_WARNING_FILL = "#FFE26F"  # a cell with a warning
_WARNING_NOTE_FILL = "#FFF6CC"  # the Keterangan cell of a row with warnings only


# --------------------------------------------------------------------------------------------
# Enrolment template
# --------------------------------------------------------------------------------------------

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


def _print_setup(sheet: Worksheet, *, landscape: bool, repeat_rows: int = 0) -> None:
    """A4, one page wide, the header rows repeated on every page."""
    sheet.set_paper(9)
    if landscape:
        sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    if repeat_rows:
        sheet.repeat_rows(0, repeat_rows - 1)


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


# --------------------------------------------------------------------------------------------
# Annotated workbook
# --------------------------------------------------------------------------------------------

Severity = Literal["error", "warning"]
_SEVERITIES: tuple[Severity, ...] = ("error", "warning")
#: ``(row index into rows, column header or "" for the row, code, message, severity)``.
Issue = tuple[int, str, str, str, str]

_IDENTIFIER_WORDS = frozenset(
    {"nik", "ktp", "kk", "hp", "telp", "telepon", "wa", "whatsapp", "kpj", "npwp"}
)
_WORD = re.compile(r"[a-z0-9]+")


def _is_identifier_header(header: str) -> bool:
    """Does the header name a NIK/KK/phone/KPJ-like column (kept as text whatever its name)?"""
    lowered = header.lower()
    words = _WORD.findall(lowered)
    joined = "".join(words)
    return (
        bool(_IDENTIFIER_WORDS.intersection(words))
        or joined in _IDENTIFIER_WORDS
        or "kependudukan" in joined
        or "kartukeluarga" in joined
        or "handphone" in joined
        or "nomorhp" in joined
    )


def issue_text(code: str, message: str) -> str:
    """One issue as written in the Keterangan column: ``[code] message``."""
    return f"[{code}] {message}"


def annotated_workbook(
    *,
    headers: Sequence[str],
    rows: Sequence[Sequence[str | None]],
    row_numbers: Sequence[int],
    header_row: int,
    issues: Iterable[Issue],
    title: str,
    code_messages: Mapping[str, str] | None = None,
    text_columns: Collection[int] | None = None,
) -> bytes:
    """The uploaded rows with their issues marked, for the operator to correct and upload again.

    ``header_row`` and ``row_numbers`` are the 1-based row numbers of the header and of each row in
    the uploaded file (for a CSV: the line numbers). The header goes on ``header_row`` and each row
    on its number when the numbers are strictly increasing and below the header; otherwise the rows
    follow the header in the given order and the summary says so. Row 1 holds ``title`` when the
    header is lower down (the original title rows are not kept); ``title`` is always on the
    summary sheet and in the document properties.

    Values are written as text, exactly as given, escaped only against formula injection (and cut
    to Excel's 32,767 characters a cell, which only a CSV can exceed). Columns
    ``text_columns`` (0-based; default: the headers that name a NIK, KK, phone, KPJ or NPWP) are
    formatted as text, so that a NIK typed in while correcting stays 16-digit text.

    ``issues``: ``(row index into rows, column header or "" for the whole row, code, message,
    severity)``; severity ``"error"`` (row rejected: red) or ``"warning"`` (yellow). The header is
    matched exactly, else ignoring case and surrounding spaces; an issue whose header is not among
    ``headers`` only goes to the Keterangan column. The Keterangan
    column (the last one; ``"Keterangan (hasil pemeriksaan)"`` if the file already has a
    Keterangan) lists all issues of the row as ``[code] message`` joined by ``"; "``.

    ``code_messages`` gives the summary's message per code; by default the first message seen.
    200,000 rows of 13 columns take about 4 s.
    """
    if len(rows) != len(row_numbers):
        raise ValueError("rows and row_numbers differ in length")
    if not 1 <= header_row < _EXCEL_MAX_ROWS:
        raise ValueError(f"header_row out of range: {header_row}")

    width = max([len(headers), *(len(row) for row in rows)]) if rows else len(headers)
    if width + 1 > _EXCEL_MAX_COLS:
        raise ValueError(f"too many columns: {width}")
    # Issues name a column by its header: exactly, else ignoring case and surrounding spaces.
    column_of: dict[str, int] = {}
    for col, name in enumerate(headers):
        column_of.setdefault(name, col)
    for col, name in enumerate(headers):
        if name:
            column_of.setdefault(name.strip().casefold(), col)
    note_col = width
    note_header = _annotation_header(headers)
    if text_columns is None:
        text_columns = [
            col for col, name in enumerate(headers) if name and _is_identifier_header(name)
        ]
    text_cols = frozenset(text_columns)

    # Per row: Keterangan texts, the worst severity, and the severity of each marked cell.
    notes: dict[int, list[str]] = {}
    worst: dict[int, Severity] = {}
    marks: dict[int, dict[int, Severity]] = {}
    code_rows: dict[str, set[int]] = {}
    code_severity: dict[str, Severity] = {}
    first_message: dict[str, str] = {}
    for index, header, code, message, severity in issues:
        if not 0 <= index < len(rows):
            raise ValueError(f"issue for row index {index}, but there are {len(rows)} rows")
        if severity not in ("error", "warning"):
            raise ValueError(f"unknown severity {severity!r}")
        sev: Severity = "error" if severity == "error" else "warning"
        notes.setdefault(index, []).append(issue_text(code, message))
        if sev == "error" or index not in worst:
            worst[index] = sev
        marked = column_of.get(header, column_of.get(header.strip().casefold())) if header else None
        if marked is not None:
            issue_marks = marks.setdefault(index, {})
            if sev == "error" or marked not in issue_marks:
                issue_marks[marked] = sev
        code_rows.setdefault(code, set()).add(index)
        if sev == "error" or code not in code_severity:
            code_severity[code] = sev
        first_message.setdefault(code, message)

    in_place = _rows_in_place(row_numbers, header_row)
    first_data = header_row  # 0-based index of the row after the header
    positions: Sequence[int] = (
        [number - 1 for number in row_numbers]
        if in_place
        else range(first_data, first_data + len(rows))
    )
    if rows and positions[-1] >= _EXCEL_MAX_ROWS:
        raise ValueError("too many rows for one worksheet")

    # The structure is written with xlsxwriter, the data rows by _annotated_rows (40 s -> 3 s for
    # 200,000 rows: see common.spreadsheet).
    output = io.BytesIO()
    workbook = xlsx_workbook(output)
    workbook.set_properties({"title": title, "comments": "Cakupan: hasil pemeriksaan berkas"})
    sheet = workbook.add_worksheet(DATA_SHEET)  # sheet1.xml

    title_fmt = workbook.add_format({"bold": True, "font_size": 12})
    header_fmt = workbook.add_format(
        {"bold": True, "bg_color": _HEADER_FILL, "border": 1, "valign": "top"}
    )
    note_header_fmt = workbook.add_format(
        {"bold": True, "bg_color": _ERROR_NOTE_FILL, "border": 1, "valign": "top"}
    )
    text_fmt = workbook.add_format({"num_format": "@"})
    cell_fmts = {
        (sev, text): workbook.add_format(
            {"bg_color": _ERROR_FILL if sev == "error" else _WARNING_FILL}
            | ({"num_format": "@"} if text else {})
        )
        for sev in _SEVERITIES
        for text in (False, True)
    }
    note_fmts = {
        "error": workbook.add_format({"bg_color": _ERROR_NOTE_FILL, "num_format": "@"}),
        "warning": workbook.add_format({"bg_color": _WARNING_NOTE_FILL, "num_format": "@"}),
    }
    styles = _Styles(
        text=xf_index(text_fmt),
        cells={key: xf_index(fmt) for key, fmt in cell_fmts.items()},
        notes={"error": xf_index(note_fmts["error"]), "warning": xf_index(note_fmts["warning"])},
    )

    for col in range(width):
        sheet.set_column(
            col,
            col,
            _column_width(headers[col] if col < len(headers) else "", rows, col),
            text_fmt if col in text_cols else None,
        )
    sheet.set_column(note_col, note_col, 80, text_fmt)
    last_row = positions[-1] if rows else header_row - 1
    sheet.freeze_panes(header_row, 0)
    _print_setup(sheet, landscape=True, repeat_rows=header_row)
    sheet.autofilter(header_row - 1, 0, last_row, note_col)
    sheet.ignore_errors(
        {"number_stored_as_text": f"A1:{xl_col_to_name(note_col)}{_EXCEL_MAX_ROWS}"}
    )
    if header_row > 1:
        sheet.write_string(0, 0, escape_formula(title), title_fmt)
    hr = header_row - 1
    for col, name in enumerate(headers):
        sheet.write_string(hr, col, escape_formula(name or ""), header_fmt)
    sheet.write_string(hr, note_col, note_header, note_header_fmt)

    _write_summary(
        workbook,
        title=title,
        total=len(rows),
        worst=worst,
        code_rows=code_rows,
        code_severity=code_severity,
        messages={**first_message, **(code_messages or {})},
        in_place=in_place,
        note_header=note_header,
    )
    sheet.activate()
    workbook.close()

    note_texts = {index: "; ".join(texts) for index, texts in notes.items()}
    return append_rows(
        output.getvalue(),
        sheet_number=1,
        rows_xml=_annotated_rows(
            rows, positions, marks, note_texts, worst, text_cols, note_col, styles
        ),
        dimension=f"A1:{xl_col_to_name(note_col)}{last_row + 1}",
    )


@dataclass(frozen=True, slots=True)
class _Styles:
    """Style indices of the annotated data rows."""

    text: int
    cells: Mapping[tuple[Severity, bool], int]  # (severity, text column) -> fill
    notes: Mapping[Severity, int]  # worst severity of the row -> Keterangan fill


# Rows of XML per chunk handed to the zip writer.
_CHUNK_ROWS = 2000


def _annotated_rows(
    rows: Sequence[Sequence[str | None]],
    positions: Sequence[int],
    marks: Mapping[int, Mapping[int, Severity]],
    notes: Mapping[int, str],
    worst: Mapping[int, Severity],
    text_cols: frozenset[int],
    note_col: int,
    styles: _Styles,
) -> Iterator[str]:
    """The ``<row>`` elements of the data rows, in chunks. The hot loop of 200,000-row files."""
    letters = [xl_col_to_name(col) for col in range(note_col + 1)]
    # Per column: '<c r="B' and the attributes closing the reference of an unmarked cell.
    opens = [f'<c r="{letter}' for letter in letters]
    plain = [
        f'" s="{styles.text}" t="inlineStr"><is><t'
        if col in text_cols
        else '" t="inlineStr"><is><t'
        for col in range(note_col)
    ]
    triggers = FORMULA_TRIGGERS
    special = OOXML_SPECIAL
    half_limit = MAX_CELL_CHARS // 2  # shorter text always fits (see fit_cell)
    chunk: list[str] = []
    for index, (pos, row) in enumerate(zip(positions, rows, strict=True)):
        number = str(pos + 1)
        cells: list[str] = []
        row_marks = marks.get(index)
        if row_marks is None:
            needs_escape = special.search("".join([v for v in row if v])) is not None
            for col, value in enumerate(row):
                if value:
                    if value[0] in triggers:
                        value = "'" + value
                    if len(value) > half_limit:
                        value = fit_cell(value)
                    if needs_escape:
                        value = xml_text(value)
                    space = ' xml:space="preserve">' if value[0] <= " " or value[-1] <= " " else ">"
                    cells.append(f"{opens[col]}{number}{plain[col]}{space}{value}</t></is></c>")
        else:
            for col in range(max(len(row), max(row_marks) + 1)):
                value = row[col] if col < len(row) else None
                severity = row_marks.get(col)
                if severity is None:
                    if value:
                        style = styles.text if col in text_cols else 0
                        cells.append(inline_string_cell(letters[col] + number, value, style))
                    continue
                style = styles.cells[severity, col in text_cols]
                if value:
                    cells.append(inline_string_cell(letters[col] + number, value, style))
                else:
                    cells.append(f'{opens[col]}{number}" s="{style}"/>')
        note = notes.get(index)
        if note:
            cells.append(
                inline_string_cell(letters[note_col] + number, note, styles.notes[worst[index]])
            )
        chunk.append(f'<row r="{number}">{"".join(cells)}</row>')
        if len(chunk) >= _CHUNK_ROWS:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def _annotation_header(headers: Sequence[str]) -> str:
    taken = {name.strip().casefold() for name in headers if name}
    for candidate in (ANNOTATION_HEADER, f"{ANNOTATION_HEADER} (hasil pemeriksaan)"):
        if candidate.casefold() not in taken:
            return candidate
    number = 2
    while f"{ANNOTATION_HEADER} (hasil pemeriksaan {number})".casefold() in taken:
        number += 1
    return f"{ANNOTATION_HEADER} (hasil pemeriksaan {number})"


def _rows_in_place(row_numbers: Sequence[int], header_row: int) -> bool:
    """Can every row go on its original number: strictly increasing, below the header, in Excel?"""
    previous = header_row
    for number in row_numbers:
        if number <= previous:
            return False
        previous = number
    return previous <= _EXCEL_MAX_ROWS


def _column_width(header: str, rows: Sequence[Sequence[str | None]], col: int) -> float:
    """Width from the header and the first 200 values, between 8 and 50 characters."""
    longest = len(header)
    for row in rows[:200]:
        if col < len(row):
            value = row[col]
            if value and len(value) > longest:
                longest = len(value)
    return float(min(max(longest + 2, 8), 50))


def _write_summary(
    workbook: Workbook,
    *,
    title: str,
    total: int,
    worst: Mapping[int, Severity],
    code_rows: Mapping[str, set[int]],
    code_severity: Mapping[str, Severity],
    messages: Mapping[str, str],
    in_place: bool,
    note_header: str,
) -> None:
    sheet = workbook.add_worksheet(SUMMARY_SHEET)
    title_fmt = workbook.add_format({"bold": True, "font_size": 14})
    bold = workbook.add_format({"bold": True})
    head = workbook.add_format({"bold": True, "bg_color": _HEADER_FILL, "border": 1})
    number_fmt = workbook.add_format({"num_format": "#,##0"})
    error_fmt = workbook.add_format({"bg_color": _ERROR_FILL, "border": 1})
    warning_fmt = workbook.add_format({"bg_color": _WARNING_FILL, "border": 1})
    boxed = workbook.add_format({"border": 1})
    boxed_number = workbook.add_format({"border": 1, "num_format": "#,##0"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 1, 14)
    sheet.set_column(2, 2, 14)
    sheet.set_column(3, 3, 80)
    _print_setup(sheet, landscape=True)

    severities = Counter(worst.values())
    rejected = severities["error"]
    counts = (
        ("Jumlah baris data", total),
        ("Diterima", total - rejected),
        ("Ditolak (ada kesalahan)", rejected),
        ("Diterima dengan peringatan", severities["warning"]),
    )
    sheet.write_string(0, 0, escape_formula(title), title_fmt)
    for row, (label, value) in enumerate(counts, start=2):
        sheet.write_string(row, 0, label, bold)
        sheet.write_number(row, 1, value, number_fmt)

    row = 2 + len(counts) + 1
    for col, text in enumerate(("Kode", "Jenis", "Jumlah baris", "Pesan")):
        sheet.write_string(row, col, text, head)
    order = sorted(
        code_rows, key=lambda code: (code_severity[code] != "error", -len(code_rows[code]), code)
    )
    for code in order:
        row += 1
        is_error = code_severity[code] == "error"
        sheet.write_string(row, 0, escape_formula(code), boxed)
        sheet.write_string(
            row,
            1,
            "Kesalahan" if is_error else "Peringatan",
            error_fmt if is_error else warning_fmt,
        )
        sheet.write_number(row, 2, len(code_rows[code]), boxed_number)
        sheet.write_string(row, 3, escape_formula(messages.get(code, "")), boxed)

    notes = [
        f"Perbaiki sel merah di lembar {DATA_SHEET} sesuai kolom {note_header}, simpan, lalu unggah "
        "kembali berkas ini. Sel kuning adalah peringatan: barisnya tetap diterima.",
        "Kolom " + note_header + ", lembar ini dan warnanya tidak perlu dihapus sebelum diunggah.",
    ]
    if in_place:
        notes.append(
            "Setiap baris data berada pada nomor baris yang sama dengan berkas yang diunggah."
        )
    else:
        notes.append(
            "Perhatian: nomor baris di berkas ini tidak sama dengan berkas yang diunggah; baris "
            "disusun berurutan di bawah judul kolom."
        )
    row += 2
    for text in notes:
        sheet.merge_range(row, 0, row, 3, text, wrap)
        sheet.set_row(row, 30)
        row += 1


# --------------------------------------------------------------------------------------------
# Registration file for BPJS Ketenagakerjaan
# --------------------------------------------------------------------------------------------

#: Columns of the registration file, in order. Source keys of each row dict in brackets:
#:
#: ``NIK`` (``nik``): 16 digits, text. ``NAMA`` (``name``). ``TGL_LAHIR`` (``birth_date``, a date):
#: text ``dd-mm-yyyy``. ``JENIS_KELAMIN`` (``sex``): ``L``/``P``. ``NO_HP`` (``phone``, optional).
#: ``UPAH`` (``wage``, whole rupiah): an integer number. ``PROGRAM`` (``programmes``, codes):
#: ``JKK,JKM`` in the order JKK, JKM, JHT, JP, JKP. ``SEGMEN`` (``segment``): our segment code.
#: ``NPP`` (``npp``, optional): the unit's BPJS employer number (Nomor Pendaftaran Perusahaan) when
#: known. ``KODE_UNIT`` (``unit_code``): our unit code. ``TGL_MULAI`` (``start_date``, a date):
#: text ``dd-mm-yyyy``. ``ID_CAKUPAN`` (``membership_id``): our membership id, text, to match the
#: reply of BPJS.
REGISTRATION_COLUMNS: tuple[str, ...] = (
    "NIK",
    "NAMA",
    "TGL_LAHIR",
    "JENIS_KELAMIN",
    "NO_HP",
    "UPAH",
    "PROGRAM",
    "SEGMEN",
    "NPP",
    "KODE_UNIT",
    "TGL_MULAI",
    "ID_CAKUPAN",
)
_PROGRAMME_ORDER = ("jkk", "jkm", "jht", "jp", "jkp")
_NIK = re.compile(r"[0-9]{16}")
_REGISTRATION_SHEET = "Peserta"


def _registration_values(number: int, row: Mapping[str, Any]) -> list[str | int]:
    """One row of the registration file; ``number`` (1-based) only names the row in errors."""

    def need(key: str) -> Any:
        try:
            return row[key]
        except KeyError:
            raise ValueError(f"registration row {number}: no {key!r}") from None

    nik = need("nik")
    if not isinstance(nik, str) or not _NIK.fullmatch(nik):
        # The NIK itself is personal data: not in the message.
        raise ValueError(f"registration row {number}: NIK is not 16 digits of text")
    sex = need("sex")
    if sex not in ("L", "P"):
        raise ValueError(f"registration row {number}: sex must be 'L' or 'P'")
    wage = need("wage")
    if isinstance(wage, bool) or not isinstance(wage, int | decimal.Decimal):
        raise ValueError(f"registration row {number}: wage must be an int or Decimal")
    if isinstance(wage, decimal.Decimal):
        if not wage.is_finite() or wage != wage.to_integral_value():
            raise ValueError(f"registration row {number}: wage is not whole rupiah")
        wage = int(wage)
    programmes = need("programmes")
    codes = [programmes] if isinstance(programmes, str) else list(programmes)
    codes = [str(code).strip().lower() for code in codes]
    unknown = [code for code in codes if code not in _PROGRAMME_ORDER]
    if unknown or not codes:
        raise ValueError(f"registration row {number}: programmes {codes!r}")
    ordered = sorted(set(codes), key=_PROGRAMME_ORDER.index)
    phone = row.get("phone") or ""
    npp = row.get("npp") or ""
    return [
        nik,
        str(need("name")),
        _ddmmyyyy(number, "birth_date", need("birth_date")),
        sex,
        str(phone),
        wage,
        ",".join(code.upper() for code in ordered),
        str(need("segment")),
        str(npp),
        str(need("unit_code")),
        _ddmmyyyy(number, "start_date", need("start_date")),
        str(need("membership_id")),
    ]


def _ddmmyyyy(number: int, key: str, value: object) -> str:
    if not isinstance(value, dt.date):
        raise ValueError(f"registration row {number}: {key} must be a date")
    return f"{value.day:02d}-{value.month:02d}-{value.year:04d}"


def bpjs_registration_file(
    *, rows: Iterable[Mapping[str, Any]], fmt: Literal["csv", "xlsx"]
) -> bytes:
    """The upload file for registering verified memberships with BPJS Ketenagakerjaan.

    Columns: :data:`REGISTRATION_COLUMNS` (see there for each column and the row keys it reads).
    ``UPAH`` is a number; every other column is text (XLSX cells formatted ``@``), text escaped
    against formula injection (a NIK, 16 digits, is never changed by it). CSV: UTF-8 with BOM,
    ``,``-delimited (``common.spreadsheet.write_csv``). Raises ``ValueError`` for a row that cannot
    be registered (NIK not 16 digits, sex not L/P, wage not whole rupiah, unknown programme,
    missing date), naming the row by its 1-based number and never echoing the NIK.
    """
    values = [_registration_values(number, row) for number, row in enumerate(rows, start=1)]
    if fmt == "csv":
        return write_csv(values, REGISTRATION_COLUMNS)
    if fmt != "xlsx":
        raise ValueError(f"unknown format {fmt!r}")

    output = io.BytesIO()
    workbook = xlsx_workbook(output)
    workbook.set_properties(
        {"title": "Registrasi peserta BPJS Ketenagakerjaan", "comments": "Cakupan"}
    )
    sheet = workbook.add_worksheet(_REGISTRATION_SHEET)
    header_fmt = workbook.add_format({"bold": True, "bg_color": _HEADER_FILL, "border": 1})
    text_fmt = workbook.add_format({"num_format": "@"})
    wage_fmt = workbook.add_format({"num_format": "0"})
    wage_col = REGISTRATION_COLUMNS.index("UPAH")
    widths = (19, 30, 12, 14, 15, 12, 16, 18, 14, 18, 12, 12)
    for col, name in enumerate(REGISTRATION_COLUMNS):
        sheet.set_column(col, col, widths[col], wage_fmt if col == wage_col else text_fmt)
        sheet.write_string(0, col, name, header_fmt)
    sheet.freeze_panes(1, 0)
    last_letter = xl_col_to_name(len(REGISTRATION_COLUMNS) - 1)
    sheet.ignore_errors({"number_stored_as_text": f"A2:{last_letter}{_EXCEL_MAX_ROWS}"})
    text_style, wage_style = xf_index(text_fmt), xf_index(wage_fmt)
    workbook.close()
    return append_rows(
        output.getvalue(),
        sheet_number=1,
        rows_xml=_registration_rows(values, text_style, wage_style),
        dimension=f"A1:{last_letter}{len(values) + 1}",
    )


def _registration_rows(
    values: Sequence[Sequence[str | int]], text_style: int, wage_style: int
) -> Iterator[str]:
    letters = [xl_col_to_name(col) for col in range(len(REGISTRATION_COLUMNS))]
    chunk: list[str] = []
    for number, row_values in enumerate(values, start=2):
        cells: list[str] = []
        for col, value in enumerate(row_values):
            ref = f"{letters[col]}{number}"
            if isinstance(value, int):
                cells.append(f'<c r="{ref}" s="{wage_style}"><v>{value}</v></c>')
            elif value:
                cells.append(inline_string_cell(ref, value, text_style))
        chunk.append(f'<row r="{number}">{"".join(cells)}</row>')
        if len(chunk) >= _CHUNK_ROWS:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)
