"""The annotated workbook (:func:`annotated_workbook`): an uploaded file as it was read, every issue
marked on its row and cell and listed in a ``Keterangan`` column, with a summary sheet. Plain data
in, ``bytes`` out; the data rows are spliced in as XML (``common.spreadsheet.append_rows``).

The uploaded columns, header text and cell text exactly as read (text escaped against formula
injection, nothing else changed), every row on its original row number, plus a last column
``Keterangan`` with the row's issues in plain Indonesian; erroneous cells red, warned cells
yellow. The operator corrects it and uploads the same file again. ``Ringkasan``: counts per kind
of issue, its short name first; the internal code only in a small grey last column, for whoever
supports the operator.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook

from cakupan.common.spreadsheet import (
    FORMULA_TRIGGERS,
    MAX_CELL_CHARS,
    OOXML_SPECIAL,
    append_rows,
    escape_formula,
    fit_cell,
    inline_string_cell,
    xf_index,
    xlsx_workbook,
    xml_text,
)
from cakupan.intake.columns.issues import Severity
from cakupan.intake.schema import issue_label
from cakupan.intake.workbooks.styling import (
    _CHUNK_ROWS,
    _ERROR_FILL,
    _ERROR_NOTE_FILL,
    _EXCEL_MAX_COLS,
    _EXCEL_MAX_ROWS,
    _HEADER_FILL,
    _WARNING_FILL,
    _WARNING_NOTE_FILL,
    DATA_SHEET,
    _print_setup,
)

__all__ = ["ANNOTATION_HEADER", "annotated_workbook", "issue_text"]


SUMMARY_SHEET = "Ringkasan"
ANNOTATION_HEADER = "Keterangan"


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
    """One issue as written in the Keterangan column: its message as a sentence (ending with a
    full stop), so that several issues of a row read as one paragraph. The code is not written
    here: operators read messages, the summary sheet names the code for support staff."""
    text = message.strip() or issue_label(code)
    return text if text.endswith((".", "!", "?")) else f"{text}."


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
    Keterangan) lists the messages of all issues of the row as sentences (:func:`issue_text`),
    joined by a space; no code appears on the data sheet.

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

    note_texts = {index: " ".join(texts) for index, texts in notes.items()}
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
    code_fmt = workbook.add_format({"border": 1, "font_color": "#808080", "font_size": 8})
    code_head = workbook.add_format(
        {
            "bold": True,
            "bg_color": _HEADER_FILL,
            "border": 1,
            "font_color": "#808080",
            "font_size": 8,
        }
    )
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, 1, 14)
    sheet.set_column(2, 2, 14)
    sheet.set_column(3, 3, 80)
    sheet.set_column(4, 4, 18)
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
    for col, text in enumerate(("Masalah", "Jenis", "Jumlah baris", "Contoh pesan")):
        sheet.write_string(row, col, text, head)
    sheet.write_string(row, 4, "Kode (untuk petugas)", code_head)
    order = sorted(
        code_rows, key=lambda code: (code_severity[code] != "error", -len(code_rows[code]), code)
    )
    for code in order:
        row += 1
        is_error = code_severity[code] == "error"
        sheet.write_string(row, 0, escape_formula(issue_label(code)), boxed)
        sheet.write_string(
            row,
            1,
            "Kesalahan" if is_error else "Peringatan",
            error_fmt if is_error else warning_fmt,
        )
        sheet.write_number(row, 2, len(code_rows[code]), boxed_number)
        sheet.write_string(row, 3, escape_formula(messages.get(code, "")), boxed)
        sheet.write_string(row, 4, escape_formula(code), code_fmt)

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
        sheet.merge_range(row, 0, row, 4, text, wrap)
        sheet.set_row(row, 30)
        row += 1
