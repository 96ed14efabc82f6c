"""Column headers of an uploaded list: normalise them and map them onto canonical ``Field`` s.

No Django imports. The readers use :func:`match_header` to find the header row (a row with at
least two recognised headers, one of them NIK or Nama); the intake service uses
:func:`map_headers` to decide which column is which.

Normalisation (:func:`normalise_header`), in this order:

1. Unicode NFKC (full-width letters, NBSP and other odd spaces become plain ones), lower case;
2. text in parentheses or brackets is dropped: ``"Jenis Kelamin (L/P)"``, ``"Upah (Rp)"``,
   ``"NIK (16 digit)"``, and the ``" (2)"`` the readers add to repeated headers;
3. punctuation (``. , : ; / \\ - _ & + * # ' "`` and similar) becomes a space, so ``"No.KTP"``,
   ``"No. KTP"`` and ``"no_ktp"`` all read ``"no ktp"``; ``"T.T.L"`` reads ``"t t l"``;
4. the currency words ``rp`` / ``rupiah`` are dropped, whitespace is collapsed and stripped.

The result is idempotent (normalising twice changes nothing), so it is the key an operator's
remembered mapping is stored under.

Matching (:func:`match_header`): the normalised text is looked up in a synonym table; if that
fails, a few qualifier words that never change the meaning (``peserta``, ``pegawai``, ``lengkap``,
``sesuai ktp``, ``per bulan``, ...) are removed and the lookup is tried again; wage headers are
also recognised as any combination of wage words (``"Upah/Penghasilan Sebulan"``,
``"Gaji Pokok Per Bulan"``). Anything else is unrecognised: the operator maps it by hand once and
the mapping is remembered (``remembered`` in :func:`map_headers`). ``"Nama Ibu Kandung"`` or
``"Nama Desa"`` are therefore never taken for the person's name: only exact synonyms count.

Remembered choices (``{normalise_header(text): Field value or schema.IGNORE}``) win over the
synonym table everywhere: in :func:`map_headers` and in :func:`is_header_row`, which the readers
use to find the header row, so a file whose headers are known only from the unit's choices is
still read.

Headers that hold place *and* date of birth (``"TTL"``, ``"Tempat, Tanggal Lahir"``,
``"Tempat/Tgl Lahir"``) map to ``Field.BIRTH_DATE`` with ``combined_place_date=True``; the caller
splits the value (``RowIssue.BIRTH_PLACE_SPLIT``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from cakupan.intake.schema import IGNORE, REQUIRED_FIELDS, Field

__all__ = [
    "HeaderMapping",
    "HeaderMatch",
    "is_header_row",
    "map_headers",
    "match_header",
    "normalise_header",
]


@dataclass(frozen=True)
class HeaderMatch:
    field: Field | None
    combined_place_date: bool = False


@dataclass(frozen=True)
class HeaderMapping:
    columns: dict[Field, str]  # canonical field -> original header (the first one, if repeated)
    combined_place_date: str | None  # original header holding "Tempat, Tanggal Lahir", if any
    unrecognised: list[str]  # original headers not mapped, in file order
    duplicates: dict[Field, list[str]] = field(default_factory=dict)  # field -> all its headers
    missing: list[Field] = field(default_factory=list)  # REQUIRED_FIELDS not mapped
    ignored: list[str] = field(default_factory=list)  # headers the unit chose to ignore, in order


_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|\{[^{}]*\}")
_PUNCTUATION = re.compile(r"[^\w\s]|_")
_CURRENCY = re.compile(r"\b(?:rp|rupiah|idr)\b")
_SPACES = re.compile(r"\s+")


def normalise_header(text: str | None) -> str:
    """Lower-cased, punctuation-free, single-spaced header text (see the module docstring)."""
    if not text:
        return ""
    value = unicodedata.normalize("NFKC", str(text)).lower()
    previous = None
    while previous != value:  # nested brackets: "(dd/mm/yyyy (contoh))"
        previous = value
        value = _BRACKETED.sub(" ", value)
    value = value.replace("(", " ").replace(")", " ")
    value = _PUNCTUATION.sub(" ", value)
    value = _CURRENCY.sub(" ", value)
    return _SPACES.sub(" ", value).strip()


# Normalised synonyms. Keep them in normalised form (lower case, no punctuation, single spaces):
# a test checks that every entry normalises to itself.
_SYNONYMS: dict[Field, tuple[str, ...]] = {
    Field.NIK: (
        "nik",
        "no nik",
        "nomor nik",
        "nik ktp",
        "nik e ktp",
        "no ktp",
        "nomor ktp",
        "no e ktp",
        "nomor e ktp",
        "ktp",
        "nomor induk kependudukan",
        "no induk kependudukan",
        "nik no ktp",
        "nik nomor ktp",
        "no ktp nik",
        "nomor ktp nik",
        "nik nomor induk kependudukan",
        "nomor identitas",
        "no identitas",
        "no identitas ktp",
    ),
    Field.NAME: (
        "nama",
        "name",
        "full name",
        "nama lengkap",
        "nama pegawai",
        "nama peserta",
        "nama pekerja",
        "nama tenaga kerja",
        "nama karyawan",
        "nama sesuai ktp",
        "nama lengkap sesuai ktp",
        "nama anggota",
        "nama perangkat desa",
        "nama petugas",
    ),
    Field.BIRTH_DATE: (
        "tgl lahir",
        "tgl lhr",
        "tanggal lahir",
        "tanggal lhr",
        "tgllahir",
        "tanggallahir",
        "tgl lahir dd mm yyyy",
        "tanggal lahir dd mm yyyy",
        "date of birth",
        "birth date",
        "dob",
    ),
    Field.BIRTH_PLACE: (
        "tempat lahir",
        "tmp lahir",
        "tmpt lahir",
        "tpt lahir",
        "place of birth",
        "birth place",
        "kota lahir",
    ),
    Field.SEX: (
        "jk",
        "j k",
        "l p",
        "p l",
        "jenis kelamin",
        "jns kelamin",
        "jenis kel",
        "kelamin",
        "gender",
        "sex",
        "laki laki perempuan",
        "laki laki atau perempuan",
        "jenis kelamin l p",
        "lk pr",
    ),
    Field.DESA: (
        "desa",
        "kelurahan",
        "desa kelurahan",
        "kelurahan desa",
        "desa kel",
        "kel desa",
        "kode desa",
        "kode kelurahan",
        "kode desa kelurahan",
        "kode kelurahan desa",
        "kode desa kel",
        "nama desa",
        "nama kelurahan",
        "nama desa kelurahan",
        "nama kelurahan desa",
        "kode wilayah desa",
        "kode kemendagri desa",
        "village",
    ),
    Field.PHONE: (
        "hp",
        "no hp",
        "nomor hp",
        "no hp wa",
        "nomor hp wa",
        "hp wa",
        "wa",
        "no wa",
        "nomor wa",
        "whatsapp",
        "no whatsapp",
        "nomor whatsapp",
        "telepon",
        "telp",
        "tlp",
        "no telp",
        "no tlp",
        "nomor telp",
        "no telepon",
        "nomor telepon",
        "telp hp",
        "no telp hp",
        "no hp telp",
        "handphone",
        "no handphone",
        "nomor handphone",
        "no ponsel",
        "nomor ponsel",
        "phone",
        "phone number",
        "kontak",
        "no kontak",
    ),
    Field.KK_NUMBER: (
        "kk",
        "no kk",
        "nomor kk",
        "nkk",
        "no kartu keluarga",
        "nomor kartu keluarga",
        "kartu keluarga",
    ),
    Field.OCCUPATION: (
        "jabatan",
        "pekerjaan",
        "profesi",
        "jenis pekerjaan",
        "nama jabatan",
        "pekerjaan jabatan",
        "jabatan pekerjaan",
        "occupation",
        "job",
        "position",
    ),
    Field.SEGMENT: (
        "segmen",
        "segment",
        "segmen peserta",
        "kategori peserta",
        "kategori",
        "kelompok peserta",
        "jenis peserta",
    ),
    Field.FUNDING_SOURCE: (
        "sumber dana",
        "sumber anggaran",
        "sumber pendanaan",
        "sumber pembiayaan",
        "sumber dana iuran",
        "funding source",
    ),
    Field.SCHEME: (
        "skema",
        "skema kepesertaan",
        "jenis kepesertaan",
        "kepesertaan",
        "pu bpu",
        "program kepesertaan",
        "scheme",
    ),
    Field.WAGE: (
        "upah",
        "gaji",
        "siltap",
        "penghasilan",
        "honor",
        "honorarium",
        "insentif",
        "wage",
        "salary",
        "upah sebulan",
        "gaji pokok",
        "penghasilan tetap",
        "upah gaji",
        "gaji upah",
        "besaran upah",
        "jumlah upah",
        "nominal upah",
        "upah yang dilaporkan",
        "upah dilaporkan",
        "monthly wage",
    ),
    Field.START_DATE: (
        "tmt",
        "tanggal mulai",
        "tgl mulai",
        "mulai bekerja",
        "mulai kerja",
        "tanggal mulai bekerja",
        "tgl mulai bekerja",
        "tanggal mulai kerja",
        "tgl mulai kerja",
        "tanggal mulai kepesertaan",
        "tgl mulai kepesertaan",
        "tmt kepesertaan",
        "tmt kerja",
        "tmt bekerja",
        "tmt tugas",
        "tanggal masuk",
        "tgl masuk",
        "start date",
    ),
    Field.END_DATE: (
        "tanggal berakhir",
        "tgl berakhir",
        "tanggal selesai",
        "tgl selesai",
        "tanggal akhir",
        "tgl akhir",
        "akhir kontrak",
        "tanggal akhir kontrak",
        "tgl akhir kontrak",
        "berakhir",
        "selesai",
        "end date",
    ),
    Field.KPJ_NUMBER: (
        "kpj",
        "no kpj",
        "nomor kpj",
        "kpj bpjs",
        "no kartu bpjs",
        "nomor kartu bpjs",
        "no kartu bpjs ketenagakerjaan",
        "nomor kartu bpjs ketenagakerjaan",
        "no kartu bpjs tk",
        "no kartu peserta",
        "nomor kartu peserta",
        "no peserta bpjs",
        "nomor peserta bpjs",
        "no bpjs ketenagakerjaan",
        "nomor bpjs ketenagakerjaan",
        "no bpjs tk",
    ),
    Field.RISK_CLASS: (
        "kelas risiko",
        "kelas resiko",
        "kelas risiko jkk",
        "kelas resiko jkk",
        "tingkat risiko",
        "tingkat resiko",
        "risiko",
        "resiko",
        "risk class",
    ),
}

# "Tempat, Tanggal Lahir" and friends: one column with both place and date of birth.
_COMBINED_PLACE_DATE: tuple[str, ...] = (
    "ttl",
    "t t l",
    "tempat tanggal lahir",
    "tempat tgl lahir",
    "tempat tgl lhr",
    "tempat dan tanggal lahir",
    "tempat tanggal lhr",
    "tmp tgl lahir",
    "tmpt tgl lahir",
    "tmp tanggal lahir",
    "tempat lahir tanggal lahir",
    "tempat lahir tgl lahir",
    "place and date of birth",
    "place date of birth",
)

# Qualifiers that never change what a column holds; removed before a second lookup.
_FILLER_PHRASES: tuple[str, ...] = (
    "sesuai e ktp",
    "sesuai ktp",
    "sesuai kk",
    "tenaga kerja",
    "calon peserta",
    "peserta",
    "pegawai",
    "pekerja",
    "karyawan",
    "lengkap",
    "per bulan",
    "perbulan",
    "sebulan",
    "bulanan",
    "yang bersangkutan",
    "ybs",
    "wajib diisi",
    "wajib",
)

_WAGE_CORE = frozenset(
    {"upah", "gaji", "siltap", "penghasilan", "honor", "honorarium", "insentif", "wage", "salary"}
)
_WAGE_QUALIFIERS = frozenset(
    {"pokok", "tetap", "bulanan", "sebulan", "perbulan", "per", "bulan", "besaran", "jumlah"}
    | {"nominal", "dilaporkan", "yang", "total", "kotor", "bruto", "monthly", "dan", "atau"}
)

_TABLE: dict[str, HeaderMatch] = {}
for _field, _names in _SYNONYMS.items():
    for _name in _names:
        _TABLE[normalise_header(_name)] = HeaderMatch(_field)
for _name in _COMBINED_PLACE_DATE:
    _TABLE[_name] = HeaderMatch(Field.BIRTH_DATE, combined_place_date=True)
# The canonical names themselves ("birth date", "kpj number", ...) and our template's labels.
for _field in Field:
    _TABLE.setdefault(normalise_header(_field.value), HeaderMatch(_field))

_NO_MATCH = HeaderMatch(None)
_FILLERS = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in _FILLER_PHRASES) + r")\b")


def match_header(text: str | None) -> HeaderMatch:
    """The canonical field a header names, or ``HeaderMatch(None)``."""
    key = normalise_header(text)
    if not key:
        return _NO_MATCH
    found = _TABLE.get(key)
    if found is not None:
        return found
    stripped = _SPACES.sub(" ", _FILLERS.sub(" ", key)).strip()
    if stripped and stripped != key:
        found = _TABLE.get(stripped)
        if found is not None:
            return found
    tokens = key.split()
    if _WAGE_CORE.intersection(tokens) and all(
        t in _WAGE_CORE or t in _WAGE_QUALIFIERS for t in tokens
    ):
        return HeaderMatch(Field.WAGE)
    return _NO_MATCH


def _saved(remembered: Mapping[str, str] | None) -> dict[str, Field | None]:
    """A remembered mapping by normalised header: a ``Field``, or None for "ignore this column".

    Values that are neither a ``Field`` nor ``IGNORE`` are dropped.
    """
    saved: dict[str, Field | None] = {}
    for key, value in (remembered or {}).items():
        text = str(value)
        if text == IGNORE:
            saved[normalise_header(key)] = None
            continue
        try:
            saved[normalise_header(key)] = Field(text)
        except ValueError:
            continue
    return saved


def is_header_row(cells: list[str | None], remembered: Mapping[str, str] | None = None) -> bool:
    """Whether a row of cells is a header row: two recognised headers, one of them NIK or Nama.

    ``remembered`` (as in :func:`map_headers`) counts too: a column the unit mapped by hand is a
    recognised header, one it chose to ignore is not.
    """
    saved = _saved(remembered)
    found: list[Field] = []
    for cell in cells:
        if not cell:
            continue
        key = normalise_header(cell)
        target = saved[key] if key in saved else match_header(cell).field
        if target is not None:
            found.append(target)
    return len(found) >= 2 and (Field.NIK in found or Field.NAME in found)


def map_headers(headers: list[str], remembered: Mapping[str, str] | None = None) -> HeaderMapping:
    """Map a file's (unique) headers onto canonical fields.

    ``remembered`` is an operator's saved mapping ``{normalise_header(text): Field value}``; it
    wins over the synonym table. The value ``schema.IGNORE`` puts the header in ``ignored``
    instead of ``unrecognised``. Keys are normalised again here, so a mapping saved with the
    original text works too; values that are neither are dropped.
    """
    saved = _saved(remembered)
    matched: dict[Field, list[str]] = {}
    combined: list[str] = []
    unrecognised: list[str] = []
    ignored: list[str] = []
    for header in headers:
        key = normalise_header(header)
        if not key:
            unrecognised.append(header)
            continue
        if key in saved:
            target, is_combined = saved[key], False
            if target is None:
                ignored.append(header)
                continue
        else:
            found = match_header(header)
            target, is_combined = found.field, found.combined_place_date
        if target is None:
            unrecognised.append(header)
            continue
        matched.setdefault(target, []).append(header)
        if is_combined:
            combined.append(header)

    columns = {target: names[0] for target, names in matched.items()}
    duplicates = {target: names for target, names in matched.items() if len(names) > 1}
    combined_header = columns.get(Field.BIRTH_DATE)
    return HeaderMapping(
        columns=columns,
        combined_place_date=combined_header if combined_header in combined else None,
        unrecognised=unrecognised,
        duplicates=duplicates,
        missing=[f for f in REQUIRED_FIELDS if f not in columns],
        ignored=ignored,
    )
