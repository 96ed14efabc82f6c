"""Reading denominator and participant-count files (CSV, XLSX, XLS, ODS) into checked rows.

The bytes go through intake's reader (:func:`cakupan.intake.readers.read_upload`): the same type
detection by content, zip and compound-file pre-flight, title rows skipped, and the same
:class:`~cakupan.intake.schema.FileError` for a file that cannot be used at all (the CLI exits 2).
The reader finds a header row by enrolment headers (NIK, Nama); these files have none, so the
headers of this module are handed to it as a remembered mapping that only serves to recognise the
header row (:func:`_header_hint`). Columns are then matched here, by the synonyms below.

Row problems never stop a file: each is reported with the row number the operator sees, and the
rows without problems are loaded (as intake does). No database access here: region codes are
checked by the service (:mod:`cakupan.coverage.services`).

Cell text (intake's reader rules): numbers from spreadsheets come as ``"113000.0"``, dates as
``"2022-11-09"``; numbers typed as text may use Indonesian thousands separators (``113.000``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from cakupan.common.dates import month_end, parse_month
from cakupan.coverage.models import DenominatorKind
from cakupan.intake.headers import normalise_header
from cakupan.intake.readers import Sheet, read_upload
from cakupan.intake.schema import FileError, FileIssue
from cakupan.wilayah.codes import InvalidRegionCode, normalize_region_code

__all__ = [
    "DenominatorRow",
    "Issue",
    "LoadedFile",
    "ParticipantRow",
    "parse_count",
    "parse_day",
    "read_denominators",
    "read_participant_counts",
]


@dataclass(frozen=True)
class Issue:
    row: int  # the row number the operator sees in the file
    column: str  # the file's own header text ("" for the whole row)
    code: str
    message: str


@dataclass(frozen=True)
class DenominatorRow:
    row: int
    region_code: str
    kind: str
    valid_from: dt.date
    value: int
    source: str
    published_on: dt.date | None
    note: str


@dataclass(frozen=True)
class ParticipantRow:
    row: int
    region_code: str
    as_of: dt.date
    pu: int
    bpu: int
    construction: int
    source: str


@dataclass
class LoadedFile:
    rows: list[DenominatorRow] | list[ParticipantRow]
    issues: list[Issue] = field(default_factory=list)
    total_rows: int = 0
    columns: dict[str, str] = field(default_factory=dict)  # our column key -> the file's header


# Column synonyms, compared after intake's header normalisation (lower case, no punctuation).
_REGION = (
    "kode wilayah",
    "kode",
    "kode kemendagri",
    "kode daerah",
    "kode kabupaten kota",
    "kode kab kota",
)
_NAME = ("nama wilayah", "wilayah", "kabupaten kota", "kab kota", "nama daerah", "nama")
_KIND = ("jenis", "jenis data", "jenis pembanding", "indikator")
_VALUE = ("nilai", "jumlah", "angka")
_VALID_FROM = ("berlaku sejak", "tanggal", "per tanggal", "tanggal berlaku", "periode")
_SOURCE = ("sumber", "sumber data")
_PUBLISHED = ("tanggal sumber", "tanggal terbit", "tanggal publikasi")
_NOTE = ("catatan", "keterangan")
_AS_OF = ("per tanggal", "tanggal", "tanggal data")
_MONTH = ("bulan", "periode", "bulan data")
_PU = ("pu", "penerima upah", "peserta pu", "aktif pu")
_BPU = ("bpu", "bukan penerima upah", "peserta bpu", "aktif bpu")
_CONSTRUCTION = ("jasa konstruksi", "jakon", "konstruksi", "peserta jakon", "aktif jakon")

DENOMINATOR_COLUMNS: dict[str, tuple[str, ...]] = {
    "region": _REGION,
    "name": _NAME,
    "kind": _KIND,
    "value": _VALUE,
    "valid_from": _VALID_FROM,
    "source": _SOURCE,
    "published_on": _PUBLISHED,
    "note": _NOTE,
}
PARTICIPANT_COLUMNS: dict[str, tuple[str, ...]] = {
    "region": _REGION,
    "name": _NAME,
    "as_of": _AS_OF,
    "month": _MONTH,
    "pu": _PU,
    "bpu": _BPU,
    "construction": _CONSTRUCTION,
    "source": _SOURCE,
}

# Values of the kind column: the codes themselves, or what people write (compared normalised).
_KIND_WORDS: dict[str, str] = {
    **{k: k for k in DenominatorKind.values},
    "sasaran potensi": DenominatorKind.POTENTIAL_WORKERS,
    "potensi": DenominatorKind.POTENTIAL_WORKERS,
    "potensi pekerja": DenominatorKind.POTENTIAL_WORKERS,
    "pekerja potensial": DenominatorKind.POTENTIAL_WORKERS,
    "penduduk bekerja": DenominatorKind.WORKING_POPULATION,
    "angkatan kerja bekerja": DenominatorKind.WORKING_POPULATION,
    "bps": DenominatorKind.WORKING_POPULATION,
    "pekerja rentan terdata": DenominatorKind.VULNERABLE_WORKERS,
    "dtsen": DenominatorKind.VULNERABLE_WORKERS,
    "p3ke": DenominatorKind.VULNERABLE_WORKERS,
    "target rentan per desa": DenominatorKind.RENTAN_TARGET_PER_DESA,
    "target pekerja rentan per desa": DenominatorKind.RENTAN_TARGET_PER_DESA,
}
KIND_ALIASES = {normalise_header(k): v for k, v in _KIND_WORDS.items()}

_FLOAT_INTEGER = re.compile(r"^(\d+)\.0$")  # a spreadsheet number cell holding a whole number
_GROUPED = re.compile(r"^\d{1,3}([.,]\d{3})+$")  # 113.000 or 113,000
_DATE_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")

MESSAGES = {
    "file_missing_columns": "Kolom wajib tidak ditemukan: {columns}.",
    "file_no_header": "Baris judul kolom ({columns}) tidak ditemukan di 20 baris pertama.",
    "value_required": "Kolom {column} wajib diisi.",
    "region_invalid": "Kode wilayah tidak valid: {value}.",
    "region_unknown": "Kode wilayah tidak dikenal: {value}.",
    "kind_unknown": "Jenis data pembanding tidak dikenal: {value} (pilihan: {choices}).",
    "number_invalid": "Bukan bilangan bulat tidak negatif: {value}.",
    "date_invalid": "Tanggal tidak valid (pakai YYYY-MM-DD atau DD-MM-YYYY): {value}.",
    "month_invalid": "Bulan tidak valid (pakai YYYY-MM): {value}.",
    "duplicate_row": "Baris ini mengulang wilayah dan tanggal baris {other}; baris {other} yang dipakai.",
    "target_implausible": "Target per desa {value} tidak masuk akal (paling banyak 100.000).",
}


class _FileError(FileError):
    """Intake's file error with this module's wording (the columns of these files, not NIK/Nama)."""

    def __init__(self, code: FileIssue, text: str) -> None:
        self._text = text
        super().__init__(code, ())

    @property
    def message(self) -> str:
        return self._text


def _missing_columns(columns: list[str]) -> FileError:
    return _FileError(
        FileIssue.MISSING_COLUMNS,
        MESSAGES["file_missing_columns"].format(columns=", ".join(columns)),
    )


def _header_hint(columns: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """A remembered mapping that makes intake's reader take our header row for a header row.

    The reader accepts a row with two recognised headers, one of them NIK or Nama; here the region
    code column plays the NIK (the key of every row) and every other column the name. Used for
    nothing but finding the header row.
    """
    hint = {synonym: "name" for names in columns.values() for synonym in names}
    hint.update(dict.fromkeys(columns["region"], "nik"))
    return hint


def _read(data: bytes, filename: str, columns: Mapping[str, tuple[str, ...]]) -> Sheet:
    try:
        return read_upload(data, filename, remembered=_header_hint(columns))
    except FileError as error:
        if error.code == FileIssue.NO_HEADER:
            wanted = ", ".join(names[0] for key, names in columns.items() if key != "name")
            raise _FileError(
                FileIssue.NO_HEADER, MESSAGES["file_no_header"].format(columns=wanted)
            ) from None
        raise


def _map(sheet: Sheet, columns: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Our column key -> the file's header, first match wins."""
    found: dict[str, str] = {}
    for header in sheet.headers:
        key = normalise_header(header)
        for name, synonyms in columns.items():
            if name not in found and key in synonyms:
                found[name] = header
                break
    return found


def _text(value: str | None) -> str:
    text = (value or "").strip()
    return text[1:] if text.startswith("'") else text


def parse_count(text: str) -> int | None:
    """A non-negative whole number as typed or as a spreadsheet gives it; None if it is not one."""
    text = text.replace(" ", "").replace("\u00a0", "")
    if text.isdigit():
        return int(text)
    found = _FLOAT_INTEGER.match(text)
    if found:
        return int(found.group(1))
    if _GROUPED.match(text) and len({c for c in text if c in ".,"}) == 1:
        return int(re.sub(r"[.,]", "", text))
    return None


def parse_day(text: str) -> dt.date | None:
    """``YYYY-MM-DD`` (also with a time, as the reader gives date cells) or ``DD-MM-YYYY``."""
    if len(text) >= 10 and text[4] == "-":
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            return None
    found = _DATE_DMY.match(text)
    if not found:
        return None
    day, month, year = (int(g) for g in found.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _region(text: str) -> str | None:
    found = _FLOAT_INTEGER.match(text)
    try:
        return normalize_region_code(found.group(1) if found else text)
    except InvalidRegionCode:
        return None


class _Rows:
    """Reads one row's cells by our column keys, collecting the row's issues."""

    def __init__(self, sheet: Sheet, mapping: dict[str, str]) -> None:
        self.sheet, self.mapping = sheet, mapping
        self.issues: list[Issue] = []

    def issue(self, row: int, key: str, code: str, **params: object) -> None:
        column = self.mapping.get(key, "")
        self.issues.append(
            Issue(row, column, code, MESSAGES[code].format(column=column or key, **params))
        )

    def cell(self, record: dict[str, str | None], key: str) -> str:
        header = self.mapping.get(key)
        return _text(record.get(header)) if header else ""

    def required(self, row: int, record: dict[str, str | None], key: str) -> str | None:
        text = self.cell(record, key)
        if not text:
            self.issue(row, key, "value_required")
            return None
        return text

    def count(self, row: int, record: dict[str, str | None], key: str) -> int | None:
        text = self.required(row, record, key)
        if text is None:
            return None
        value = parse_count(text)
        if value is None:
            self.issue(row, key, "number_invalid", value=text)
        return value

    def region(self, row: int, record: dict[str, str | None]) -> str | None:
        text = self.required(row, record, "region")
        if text is None:
            return None
        code = _region(text)
        if code is None:
            self.issue(row, "region", "region_invalid", value=text)
        return code

    def day(
        self, row: int, record: dict[str, str | None], key: str, *, required: bool
    ) -> dt.date | None:
        text = self.required(row, record, key) if required else self.cell(record, key)
        if not text:
            return None
        value = parse_day(text)
        if value is None:
            self.issue(row, key, "date_invalid", value=text)
        return value


def _records(sheet: Sheet) -> list[tuple[int, dict[str, str | None]]]:
    numbers = sheet.row_numbers.to_list()
    return list(zip(numbers, sheet.frame.to_dicts(), strict=True))


def _missing(
    mapping: dict[str, str], required: list[str], columns: Mapping[str, tuple[str, ...]]
) -> None:
    absent = [columns[key][0] for key in required if key not in mapping]
    if absent:
        raise _missing_columns(absent)


def read_denominators(data: bytes, filename: str, *, kind: str | None = None) -> LoadedFile:
    """Denominator values, one per row: region code, kind, value, date in force from, source.

    ``kind`` gives the kind for the whole file (then no kind column is needed). A later row for the
    same region, kind and date replaces an earlier one in the file and is reported.
    """
    sheet = _read(data, filename, DENOMINATOR_COLUMNS)
    mapping = _map(sheet, DENOMINATOR_COLUMNS)
    required = ["region", "value", "valid_from", "source"] + ([] if kind else ["kind"])
    _missing(mapping, required, DENOMINATOR_COLUMNS)
    reader = _Rows(sheet, mapping)
    rows: dict[tuple[str, str, dt.date], DenominatorRow] = {}
    records = _records(sheet)
    for number, record in records:
        before = len(reader.issues)
        region = reader.region(number, record)
        row_kind = kind
        if row_kind is None:
            text = reader.required(number, record, "kind")
            if text is not None:
                row_kind = KIND_ALIASES.get(normalise_header(text))
                if row_kind is None:
                    reader.issue(
                        number,
                        "kind",
                        "kind_unknown",
                        value=text,
                        choices=", ".join(DenominatorKind.values),
                    )
        value = reader.count(number, record, "value")
        valid_from = reader.day(number, record, "valid_from", required=True)
        source = reader.required(number, record, "source")
        published = reader.day(number, record, "published_on", required=False)
        if (
            row_kind == DenominatorKind.RENTAN_TARGET_PER_DESA
            and value is not None
            and value > 100_000
        ):
            reader.issue(number, "value", "target_implausible", value=value)
        if (
            len(reader.issues) > before
            or region is None
            or row_kind is None
            or value is None
            or valid_from is None
            or source is None
        ):
            continue
        key = (region, row_kind, valid_from)
        if key in rows:
            reader.issue(number, "", "duplicate_row", other=rows[key].row)
            continue
        rows[key] = DenominatorRow(
            number, region, row_kind, valid_from, value, source[:250], published,
            reader.cell(record, "note")[:300],
        )  # fmt: skip
    return LoadedFile(
        rows=list(rows.values()), issues=reader.issues, total_rows=len(records), columns=mapping
    )


def read_participant_counts(data: bytes, filename: str) -> LoadedFile:
    """A branch's active participants per kabupaten/kota and date: PU, BPU, jasa konstruksi.

    The date is a day (``per tanggal``) or a month (``bulan``, ``YYYY-MM``: its last day).
    """
    sheet = _read(data, filename, PARTICIPANT_COLUMNS)
    mapping = _map(sheet, PARTICIPANT_COLUMNS)
    _missing(mapping, ["region", "pu", "bpu", "construction", "source"], PARTICIPANT_COLUMNS)
    if "as_of" not in mapping and "month" not in mapping:
        raise _missing_columns([f"{_AS_OF[0]} / {_MONTH[0]}"])
    reader = _Rows(sheet, mapping)
    rows: dict[tuple[str, dt.date], ParticipantRow] = {}
    records = _records(sheet)
    for number, record in records:
        before = len(reader.issues)
        region = reader.region(number, record)
        if "as_of" in mapping:
            as_of = reader.day(number, record, "as_of", required=True)
        else:
            text = reader.required(number, record, "month")
            as_of = None
            if text is not None:
                try:
                    as_of = month_end(parse_month(text[:7]))
                except ValueError:
                    reader.issue(number, "month", "month_invalid", value=text)
        pu = reader.count(number, record, "pu")
        bpu = reader.count(number, record, "bpu")
        construction = reader.count(number, record, "construction")
        source = reader.required(number, record, "source")
        if (
            len(reader.issues) > before
            or region is None
            or as_of is None
            or pu is None
            or bpu is None
            or construction is None
            or source is None
        ):
            continue
        key = (region, as_of)
        if key in rows:
            reader.issue(number, "", "duplicate_row", other=rows[key].row)
            continue
        rows[key] = ParticipantRow(number, region, as_of, pu, bpu, construction, source[:250])
    return LoadedFile(
        rows=list(rows.values()), issues=reader.issues, total_rows=len(records), columns=mapping
    )
