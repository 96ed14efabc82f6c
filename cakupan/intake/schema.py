"""What an enrolment file holds, whatever its headers: the canonical fields and the issue codes.

No Django imports: readers, validators and workbook writers share these names. Codes are stable
(they appear in JSON and in annotated files); messages are Bahasa Indonesia and may be reworded.

Each code has its message (``FILE_MESSAGES``; row messages are written where the row is checked,
with the values they name) and its short Indonesian name (``ISSUE_LABELS``, for summaries and
filters). Labels are marked with :func:`gettext_noop` so that ``makemessages`` collects them; the
web translates them when it shows them (``selectors.issue_label``).
"""

from __future__ import annotations

from enum import StrEnum

from cakupan.common.nik import NikCode


def gettext_noop(message: str) -> str:
    """Marks ``message`` for translation without translating it (no Django import here)."""
    return message


class Field(StrEnum):
    """Canonical columns. A file maps its own headers onto these (``headers.py``)."""

    NIK = "nik"
    NAME = "name"
    SEX = "sex"
    BIRTH_DATE = "birth_date"
    BIRTH_PLACE = "birth_place"  # split off "Tempat, Tanggal Lahir"
    DESA = "desa"  # desa/kelurahan of domicile (or of the post): Kemendagri code or name
    PHONE = "phone"
    KK_NUMBER = "kk_number"
    SEGMENT = "segment"
    OCCUPATION = "occupation"
    FUNDING_SOURCE = "funding_source"
    SCHEME = "scheme"
    WAGE = "wage"  # upah / gaji / siltap / penghasilan, Rp a month
    START_DATE = "start_date"
    END_DATE = "end_date"
    KPJ_NUMBER = "kpj_number"
    RISK_CLASS = "risk_class"


# A remembered mapping's value for a column the operator chose to ignore (``HeaderMemory.field``).
IGNORE = "ignore"

# Without these a row cannot become a membership. Segment may instead be given for the whole file.
REQUIRED_FIELDS = (Field.NIK, Field.NAME, Field.SEX, Field.BIRTH_DATE, Field.WAGE)

FIELD_LABELS: dict[Field, str] = {
    Field.NIK: "NIK",
    Field.NAME: "Nama",
    Field.SEX: "Jenis kelamin (L/P)",
    Field.BIRTH_DATE: "Tanggal lahir",
    Field.BIRTH_PLACE: "Tempat lahir",
    Field.DESA: "Desa/kelurahan",
    Field.PHONE: "Nomor HP",
    Field.KK_NUMBER: "Nomor KK",
    Field.SEGMENT: "Segmen",
    Field.OCCUPATION: "Pekerjaan/jabatan",
    Field.FUNDING_SOURCE: "Sumber dana",
    Field.SCHEME: "Skema (PU/BPU)",
    Field.WAGE: "Upah/penghasilan sebulan (Rp)",
    Field.START_DATE: "Tanggal mulai",
    Field.END_DATE: "Tanggal berakhir",
    Field.KPJ_NUMBER: "Nomor KPJ",
    Field.RISK_CLASS: "Kelas risiko JKK",
}


class FileIssue(StrEnum):
    """The file as a whole cannot be used: nothing from it is kept (exit code 2 in the CLI)."""

    TOO_LARGE = "file_too_large"
    EMPTY = "file_empty"
    UNSUPPORTED_TYPE = "file_type_unsupported"
    MACRO_WORKBOOK = "file_macro_workbook"
    UNREADABLE = "file_unreadable"
    ENCRYPTED = "file_encrypted"
    ZIP_BOMB = "file_zip_bomb"
    ZIP_TOO_MANY_ENTRIES = "file_zip_too_many_entries"
    ENCODING = "file_encoding_unknown"
    NO_HEADER = "file_no_header"
    NO_ROWS = "file_no_rows"
    TOO_MANY_ROWS = "file_too_many_rows"
    TOO_MANY_COLUMNS = "file_too_many_columns"
    TOO_MANY_CELLS = "file_too_many_cells"  # sheet area (incl. empty cells between) too big
    MISSING_COLUMNS = "file_missing_columns"
    DUPLICATE_COLUMNS = "file_duplicate_columns"
    QUOTA = "file_quota_exceeded"
    INFECTED = "file_infected"
    SCAN_FAILED = "file_scan_failed"
    PURGED = "file_purged"  # removed by retention (``privacy.services.retention_purge``)


FILE_MESSAGES: dict[FileIssue, str] = {
    FileIssue.TOO_LARGE: "Berkas terlalu besar ({size} MB); batasnya {limit} MB. Pecah berkas menjadi beberapa bagian.",
    FileIssue.EMPTY: "Berkas kosong.",
    FileIssue.UNSUPPORTED_TYPE: "Jenis berkas tidak didukung: {kind}. Unggah XLSX, XLS, ODS, CSV, atau tabel HTML yang disimpan sebagai .xls (misalnya unduhan OpenSID).",
    FileIssue.MACRO_WORKBOOK: "Berkas berisi makro (XLSM/XLSB). Simpan ulang sebagai XLSX biasa lalu unggah kembali.",
    FileIssue.UNREADABLE: "Berkas tidak dapat dibaca ({detail}). Buka dan simpan ulang berkas di Excel, lalu unggah kembali.",
    FileIssue.ENCRYPTED: "Berkas dilindungi kata sandi. Buka proteksinya lalu unggah kembali.",
    FileIssue.ZIP_BOMB: "Isi berkas XLSX/ODS terlalu besar setelah dibuka ({size} MB; batas {limit} MB). Berkas ditolak demi keamanan.",
    FileIssue.ZIP_TOO_MANY_ENTRIES: "Berkas XLSX/ODS berisi terlalu banyak bagian ({count}; batas {limit}). Berkas ditolak demi keamanan.",
    FileIssue.ENCODING: "Pengodean teks CSV tidak dikenali. Simpan sebagai 'CSV UTF-8' dari Excel.",
    FileIssue.NO_HEADER: "Baris judul kolom (NIK, Nama, ...) tidak ditemukan di {rows} baris pertama.",
    FileIssue.NO_ROWS: "Tidak ada baris data di bawah judul kolom.",
    FileIssue.TOO_MANY_ROWS: "Berkas berisi {count} baris; batasnya {limit} baris per berkas.",
    FileIssue.TOO_MANY_COLUMNS: "Berkas berisi {count} kolom; batasnya {limit} kolom.",
    FileIssue.TOO_MANY_CELLS: "Lembar kerja terlalu luas ({rows} baris x {columns} kolom, termasuk sel kosong di antaranya; batas {limit} sel). Hapus isi sel di luar tabel data, lalu unggah kembali.",
    FileIssue.MISSING_COLUMNS: "Kolom wajib tidak ditemukan: {columns}. Periksa judul kolom atau petakan kolom secara manual.",
    FileIssue.DUPLICATE_COLUMNS: "Lebih dari satu kolom dikenali sebagai {column}: {headers}. Hapus atau ganti judul salah satunya.",
    FileIssue.QUOTA: "Batas unggahan harian Anda sudah tercapai ({used} MB dalam {files} berkas selama 24 jam terakhir; batas {limit} MB dan {limit_files} berkas). Coba lagi besok atau hubungi admin.",
    FileIssue.INFECTED: "Berkas ditolak karena terdeteksi berisi virus atau kode berbahaya ({signature}).",
    FileIssue.SCAN_FAILED: "Berkas belum dapat diperiksa antivirus saat ini. Coba unggah lagi beberapa saat lagi.",
    FileIssue.PURGED: "Berkas asli sudah dihapus karena melewati masa simpan data pribadi (retensi). Unggah ulang berkas bila masih diperlukan.",
}


class FileError(Exception):
    """Raised by readers when the file cannot be used at all.

    A plain exception class: a frozen, slotted dataclass breaks when raised inside a
    ``contextlib.contextmanager`` block (``TypeError: super(type, obj)``).
    """

    def __init__(self, code: FileIssue, params: tuple[tuple[str, object], ...] = ()) -> None:
        self.code = code
        self.params = params
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return FILE_MESSAGES[self.code].format(**dict(self.params))

    def __str__(self) -> str:
        return self.message


def file_error(code: FileIssue, **params: object) -> FileError:
    return FileError(code, tuple(params.items()))


class RowIssue(StrEnum):
    """Problems with one cell or row. NIK problems use ``common.nik.NikCode`` values as they are."""

    REQUIRED = "value_required"
    NAME_INVALID = "name_invalid"
    SEX_INVALID = "sex_invalid"
    SEX_NORMALIZED = "sex_normalized"  # warning: "Laki-laki" read as L
    DATE_INVALID = "date_invalid"
    DATE_AMBIGUOUS = "date_ambiguous"
    DATE_NORMALIZED = "date_normalized"  # warning: "17 Agt 1980" or an Excel serial read as a date
    DATE_FUTURE = "date_future"
    BIRTH_PLACE_SPLIT = "birth_place_split"  # warning: "Malili, 17-08-1980" split in two
    AGE_OUT_OF_RANGE = "age_out_of_range"
    DESA_UNKNOWN = "desa_unknown"
    DESA_AMBIGUOUS = "desa_ambiguous"
    DESA_OUTSIDE_UNIT = "desa_outside_unit"
    WAGE_INVALID = "wage_invalid"
    WAGE_NORMALIZED = "wage_normalized"  # warning: "Rp2.500.000,00" or 2500000.0 read as 2500000
    WAGE_OUT_OF_BOUNDS = "wage_out_of_bounds"
    PHONE_INVALID = "phone_invalid"
    KK_INVALID = "kk_invalid"
    KPJ_INVALID = "kpj_invalid"
    SEGMENT_UNKNOWN = "segment_unknown"
    OCCUPATION_UNKNOWN = "occupation_unknown"
    FUNDING_SOURCE_UNKNOWN = "funding_source_unknown"
    SCHEME_UNKNOWN = "scheme_unknown"
    RISK_CLASS_INVALID = "risk_class_invalid"
    END_BEFORE_START = "end_before_start"
    NIK_DUPLICATE_IN_FILE = "nik_duplicate_in_file"
    NIK_ACTIVE_ELSEWHERE = "nik_active_elsewhere"  # possible double funding (same segment)
    NIK_ACTIVE_OTHER_SEGMENT = "nik_active_other_segment"  # warning: a second job elsewhere
    NAME_DIFFERS_FROM_REGISTRY = "name_differs_from_registry"  # warning
    # Warnings: a coded value no vocabulary rule fits; the row is kept (occupation "lainnya" of the
    # segment, the unit's default funding/scheme) and the operator may map the value once.
    OCCUPATION_UNMAPPED = "occupation_unmapped"
    FUNDING_SOURCE_UNMAPPED = "funding_source_unmapped"
    SCHEME_UNMAPPED = "scheme_unmapped"
    SEGMENT_UNMAPPED = "segment_unmapped"
    # Warnings: possibly the same person twice (pg_trgm name similarity, NIK one or two digits off),
    # or one NIK with a clearly different name in the registry.
    POSSIBLE_DUPLICATE_IN_FILE = "possible_duplicate_in_file"
    POSSIBLE_DUPLICATE_IN_REGISTRY = "possible_duplicate_in_registry"
    NIK_NAME_CONFLICT = "nik_name_conflict"


# Warnings never reject a row; everything else does.
WARNING_CODES = frozenset(
    {
        RowIssue.SEX_NORMALIZED,
        RowIssue.DATE_NORMALIZED,
        RowIssue.BIRTH_PLACE_SPLIT,
        RowIssue.WAGE_NORMALIZED,
        RowIssue.NAME_DIFFERS_FROM_REGISTRY,
        RowIssue.NIK_ACTIVE_OTHER_SEGMENT,
        RowIssue.OCCUPATION_UNMAPPED,
        RowIssue.FUNDING_SOURCE_UNMAPPED,
        RowIssue.SCHEME_UNMAPPED,
        RowIssue.SEGMENT_UNMAPPED,
        RowIssue.POSSIBLE_DUPLICATE_IN_FILE,
        RowIssue.POSSIBLE_DUPLICATE_IN_REGISTRY,
        RowIssue.NIK_NAME_CONFLICT,
        "nik_regency_unknown",
        "nik_district_unknown",
    }
)


# Short names of the issue codes, for the summary and the filter. Codes not listed show as is.
ISSUE_LABELS: dict[str, str] = {
    NikCode.EMPTY: gettext_noop("NIK kosong"),
    NikCode.EXCEL_DAMAGED: gettext_noop("NIK rusak oleh Excel"),
    NikCode.NOT_DIGITS: gettext_noop("NIK berisi selain angka"),
    NikCode.LENGTH: gettext_noop("NIK tidak 16 digit"),
    NikCode.PROVINCE_UNKNOWN: gettext_noop("Kode provinsi NIK tidak dikenal"),
    NikCode.REGION_ZERO: gettext_noop("Kode wilayah NIK 00"),
    NikCode.REGENCY_UNKNOWN: gettext_noop("Kode kabupaten/kota NIK tidak ada di data terbaru"),
    NikCode.DISTRICT_UNKNOWN: gettext_noop("Kode kecamatan NIK tidak ada di data terbaru"),
    NikCode.BIRTH_DATE_INVALID: gettext_noop("Tanggal lahir di NIK tidak valid"),
    NikCode.BIRTH_DATE_FUTURE: gettext_noop("Tanggal lahir di NIK di masa depan"),
    NikCode.SEQUENCE_ZERO: gettext_noop("Nomor urut NIK 0000"),
    NikCode.SEX_MISMATCH: gettext_noop("Jenis kelamin tidak cocok dengan NIK"),
    NikCode.BIRTH_DATE_MISMATCH: gettext_noop("Tanggal lahir tidak cocok dengan NIK"),
    RowIssue.REQUIRED: gettext_noop("Isian wajib kosong"),
    RowIssue.NAME_INVALID: gettext_noop("Nama tidak valid"),
    RowIssue.SEX_INVALID: gettext_noop("Jenis kelamin tidak valid"),
    RowIssue.SEX_NORMALIZED: gettext_noop("Jenis kelamin dibaca ulang"),
    RowIssue.DATE_INVALID: gettext_noop("Tanggal tidak valid"),
    RowIssue.DATE_AMBIGUOUS: gettext_noop("Tanggal bermakna ganda"),
    RowIssue.DATE_NORMALIZED: gettext_noop("Tanggal dibaca ulang"),
    RowIssue.DATE_FUTURE: gettext_noop("Tanggal di masa depan"),
    RowIssue.BIRTH_PLACE_SPLIT: gettext_noop("Tempat dan tanggal lahir dipisah"),
    RowIssue.AGE_OUT_OF_RANGE: gettext_noop("Usia di luar batas"),
    RowIssue.DESA_UNKNOWN: gettext_noop("Desa/kelurahan tidak dikenal"),
    RowIssue.DESA_AMBIGUOUS: gettext_noop("Nama desa/kelurahan bermakna ganda"),
    RowIssue.DESA_OUTSIDE_UNIT: gettext_noop("Desa/kelurahan di luar wilayah unit"),
    RowIssue.WAGE_INVALID: gettext_noop("Upah tidak valid"),
    RowIssue.WAGE_NORMALIZED: gettext_noop("Upah dibaca ulang"),
    RowIssue.WAGE_OUT_OF_BOUNDS: gettext_noop("Upah di luar batas"),
    RowIssue.PHONE_INVALID: gettext_noop("Nomor HP tidak valid"),
    RowIssue.KK_INVALID: gettext_noop("Nomor KK tidak valid"),
    RowIssue.KPJ_INVALID: gettext_noop("Nomor KPJ tidak valid"),
    RowIssue.SEGMENT_UNKNOWN: gettext_noop("Segmen tidak dikenal"),
    RowIssue.OCCUPATION_UNKNOWN: gettext_noop("Pekerjaan/jabatan tidak dikenal"),
    RowIssue.FUNDING_SOURCE_UNKNOWN: gettext_noop("Sumber dana tidak dikenal"),
    RowIssue.SCHEME_UNKNOWN: gettext_noop("Skema tidak dikenal"),
    RowIssue.RISK_CLASS_INVALID: gettext_noop("Kelas risiko tidak valid"),
    RowIssue.END_BEFORE_START: gettext_noop("Tanggal berakhir sebelum tanggal mulai"),
    RowIssue.NIK_DUPLICATE_IN_FILE: gettext_noop("NIK ganda dalam berkas"),
    RowIssue.NIK_ACTIVE_ELSEWHERE: gettext_noop("NIK sudah terdaftar di unit lain (segmen sama)"),
    RowIssue.NIK_ACTIVE_OTHER_SEGMENT: gettext_noop("NIK terdaftar di segmen lain"),
    RowIssue.NAME_DIFFERS_FROM_REGISTRY: gettext_noop("Nama berbeda dengan registri"),
    RowIssue.OCCUPATION_UNMAPPED: gettext_noop("Pekerjaan/jabatan belum dipetakan"),
    RowIssue.FUNDING_SOURCE_UNMAPPED: gettext_noop("Sumber dana belum dipetakan"),
    RowIssue.SCHEME_UNMAPPED: gettext_noop("Skema belum dipetakan"),
    RowIssue.SEGMENT_UNMAPPED: gettext_noop("Segmen belum dipetakan"),
    RowIssue.POSSIBLE_DUPLICATE_IN_FILE: gettext_noop("Mungkin orang yang sama dalam berkas"),
    RowIssue.POSSIBLE_DUPLICATE_IN_REGISTRY: gettext_noop("Mungkin orang yang sama di registri"),
    RowIssue.NIK_NAME_CONFLICT: gettext_noop("NIK tercatat atas nama yang jauh berbeda"),
}


def issue_label(code: str) -> str:
    """The short Indonesian name of an issue code (untranslated); an unknown code names itself."""
    return ISSUE_LABELS.get(code, code)


def issue_severity(code: str) -> str:
    """``"warning"`` for the codes that never reject a row, ``"error"`` for every other code."""
    return "warning" if code in WARNING_CODES else "error"
