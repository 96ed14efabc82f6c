"""Header synonyms, normalisation and the mapping of a file's headers onto canonical fields."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cakupan.intake import headers
from cakupan.intake.headers import HeaderMatch, map_headers, match_header, normalise_header
from cakupan.intake.schema import FIELD_LABELS, IGNORE, REQUIRED_FIELDS, Field

SYNONYMS = [
    # NIK
    ("NIK", Field.NIK),
    ("nik", Field.NIK),
    ("No. KTP", Field.NIK),
    ("No KTP", Field.NIK),
    ("Nomor KTP", Field.NIK),
    ("Nomor Induk Kependudukan", Field.NIK),
    ("NIK KTP", Field.NIK),
    ("NIK (16 digit)", Field.NIK),
    ("NIK / No. KTP", Field.NIK),
    ("N I K", None),  # spelled out letter by letter: not a synonym
    # Name
    ("Nama", Field.NAME),
    ("NAMA LENGKAP", Field.NAME),
    ("Nama Pegawai", Field.NAME),
    ("Nama Peserta", Field.NAME),
    ("Nama (sesuai KTP)", Field.NAME),
    ("Nama Lengkap Sesuai KTP", Field.NAME),
    ("Nama Tenaga Kerja", Field.NAME),
    # Birth date and place
    ("Tgl Lahir", Field.BIRTH_DATE),
    ("Tgl. Lahir", Field.BIRTH_DATE),
    ("Tanggal Lahir", Field.BIRTH_DATE),
    ("Tanggal Lahir (dd/mm/yyyy)", Field.BIRTH_DATE),
    ("tanggal_lahir", Field.BIRTH_DATE),
    ("Tempat Lahir", Field.BIRTH_PLACE),
    # Sex
    ("JK", Field.SEX),
    ("L/P", Field.SEX),
    ("L / P", Field.SEX),
    ("Jenis Kelamin", Field.SEX),
    ("Jenis Kelamin (L/P)", Field.SEX),
    ("jenis_kelamin", Field.SEX),
    ("Kelamin", Field.SEX),
    ("Gender", Field.SEX),
    ("Laki-laki/Perempuan", Field.SEX),
    # Desa
    ("Desa", Field.DESA),
    ("Kelurahan", Field.DESA),
    ("Desa/Kelurahan", Field.DESA),
    ("Kode Desa", Field.DESA),
    ("kode_desa", Field.DESA),
    ("Nama Desa", Field.DESA),
    # Wage
    ("Upah", Field.WAGE),
    ("Gaji", Field.WAGE),
    ("Siltap", Field.WAGE),
    ("Penghasilan", Field.WAGE),
    ("Honor", Field.WAGE),
    ("Insentif", Field.WAGE),
    ("Upah Sebulan", Field.WAGE),
    ("Gaji Pokok", Field.WAGE),
    ("Upah (Rp)", Field.WAGE),
    ("Upah Rp", Field.WAGE),
    ("Gaji Pokok Per Bulan", Field.WAGE),
    ("Upah/Penghasilan Sebulan (Rp)", Field.WAGE),
    ("Siltap per bulan", Field.WAGE),
    # Phone
    ("No HP", Field.PHONE),
    ("Nomor HP", Field.PHONE),
    ("HP", Field.PHONE),
    ("Telepon", Field.PHONE),
    ("No. Telp", Field.PHONE),
    ("WA", Field.PHONE),
    ("No. HP/WA", Field.PHONE),
    # KK
    ("No KK", Field.KK_NUMBER),
    ("Nomor KK", Field.KK_NUMBER),
    ("Nomor Kartu Keluarga", Field.KK_NUMBER),
    # Occupation, segment, funding, scheme
    ("Jabatan", Field.OCCUPATION),
    ("Pekerjaan", Field.OCCUPATION),
    ("Profesi", Field.OCCUPATION),
    ("Segmen", Field.SEGMENT),
    ("Kategori Peserta", Field.SEGMENT),
    ("Sumber Dana", Field.FUNDING_SOURCE),
    ("Sumber Anggaran", Field.FUNDING_SOURCE),
    ("Skema", Field.SCHEME),
    ("Jenis Kepesertaan", Field.SCHEME),
    ("Jenis Kepesertaan (PU/BPU)", Field.SCHEME),
    ("PU/BPU", Field.SCHEME),
    # Dates of the membership
    ("TMT", Field.START_DATE),
    ("Tanggal Mulai", Field.START_DATE),
    ("Mulai Bekerja", Field.START_DATE),
    ("Tgl Mulai", Field.START_DATE),
    ("tanggal_mulai", Field.START_DATE),
    ("Tanggal Berakhir", Field.END_DATE),
    ("Tgl Selesai", Field.END_DATE),
    # KPJ, risk class
    ("KPJ", Field.KPJ_NUMBER),
    ("Nomor KPJ", Field.KPJ_NUMBER),
    ("No Kartu BPJS", Field.KPJ_NUMBER),
    ("No. Kartu BPJS Ketenagakerjaan", Field.KPJ_NUMBER),
    ("Kelas Risiko", Field.RISK_CLASS),
    ("Kelas Resiko", Field.RISK_CLASS),
    # Never the person's name or anything else
    ("Nama Ibu Kandung", None),
    ("Nama Instansi", None),
    ("Insentif Bulanan Guru Ngaji", None),
    ("No", None),
    ("No.", None),
    ("No Urut", None),
    ("Keterangan", None),
    ("Tanggal", None),
    ("", None),
    ("   ", None),
]


@pytest.mark.parametrize(("text", "expected"), SYNONYMS)
def test_synonyms(text: str, expected: Field | None) -> None:
    assert match_header(text).field == expected


@pytest.mark.parametrize(
    "text",
    [
        "TTL",
        "T.T.L",
        "Tempat, Tanggal Lahir",
        "Tempat/Tgl Lahir",
        "Tempat Tgl Lahir",
        "Tempat & Tanggal Lahir",
        "TEMPAT TANGGAL LAHIR",
    ],
)
def test_place_and_date_of_birth_is_combined(text: str) -> None:
    assert match_header(text) == HeaderMatch(Field.BIRTH_DATE, combined_place_date=True)


@pytest.mark.parametrize("text", ["Tgl Lahir", "Tanggal Lahir", "Tempat Lahir"])
def test_separate_birth_columns_are_not_combined(text: str) -> None:
    assert match_header(text).combined_place_date is False


def test_none_is_unrecognised() -> None:
    assert match_header(None) == HeaderMatch(None)


@pytest.mark.parametrize(("field", "label"), list(FIELD_LABELS.items()))
def test_our_template_labels_are_recognised(field: Field, label: str) -> None:
    assert match_header(label).field == field


@pytest.mark.parametrize("field", list(Field))
def test_canonical_names_are_recognised(field: Field) -> None:
    assert match_header(field.value).field == field


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("  NIK  ", "nik"),
        ("No. KTP", "no ktp"),
        ("No.KTP", "no ktp"),
        ("no_ktp", "no ktp"),
        ("Nama\nLengkap", "nama lengkap"),
        ("Nama\u00a0Lengkap", "nama lengkap"),  # NBSP
        ("ＮＩＫ", "nik"),  # full-width letters
        ("Tempat, Tanggal Lahir", "tempat tanggal lahir"),
        ("Jenis Kelamin (L/P)", "jenis kelamin"),
        ("Tanggal Lahir (dd/mm/yyyy (contoh))", "tanggal lahir"),
        ("Upah (Rp)", "upah"),
        ("Upah Rp.", "upah"),
        ("Nama (2)", "nama"),
        ("T.T.L.", "t t l"),
        ("Desa / Kel.", "desa kel"),
        ("", ""),
    ],
)
def test_normalise_header(text: str, normal: str) -> None:
    assert normalise_header(text) == normal


def test_synonym_table_is_written_in_normal_form() -> None:
    for names in headers._SYNONYMS.values():
        for name in names:
            assert normalise_header(name) == name
    for name in headers._COMBINED_PLACE_DATE:
        assert normalise_header(name) == name


def test_no_synonym_maps_to_two_fields() -> None:
    seen: dict[str, Field] = {}
    for field, names in headers._SYNONYMS.items():
        for name in names:
            assert seen.setdefault(name, field) == field, name


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(max_size=60))
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise_header(text)
    assert normalise_header(once) == once
    assert match_header(once) == match_header(text)


def test_map_headers_typical_file() -> None:
    original = ["No", "NIK", "Nama Lengkap", "Tgl Lahir", "L/P", "Desa/Kelurahan", "Upah", "Ket"]
    mapping = map_headers(original)
    assert mapping.columns == {
        Field.NIK: "NIK",
        Field.NAME: "Nama Lengkap",
        Field.BIRTH_DATE: "Tgl Lahir",
        Field.SEX: "L/P",
        Field.DESA: "Desa/Kelurahan",
        Field.WAGE: "Upah",
    }
    assert mapping.unrecognised == ["No", "Ket"]
    assert mapping.duplicates == {}
    assert mapping.missing == []
    assert mapping.combined_place_date is None


def test_map_headers_reports_missing_required_fields_in_order() -> None:
    mapping = map_headers(["NIK", "Nama"])
    assert mapping.missing == [f for f in REQUIRED_FIELDS if f not in (Field.NIK, Field.NAME)]
    assert mapping.missing == [Field.SEX, Field.BIRTH_DATE, Field.WAGE]


def test_map_headers_reports_duplicates() -> None:
    mapping = map_headers(["NIK", "Nama", "Nama (2)", "Gaji", "Upah", "No. KTP"])
    assert mapping.duplicates == {
        Field.NAME: ["Nama", "Nama (2)"],
        Field.WAGE: ["Gaji", "Upah"],
        Field.NIK: ["NIK", "No. KTP"],
    }
    assert mapping.columns[Field.NAME] == "Nama"
    assert mapping.columns[Field.WAGE] == "Gaji"


def test_map_headers_combined_place_date() -> None:
    mapping = map_headers(["NIK", "Nama", "Tempat, Tanggal Lahir", "JK", "Upah"])
    assert mapping.columns[Field.BIRTH_DATE] == "Tempat, Tanggal Lahir"
    assert mapping.combined_place_date == "Tempat, Tanggal Lahir"
    assert Field.BIRTH_PLACE not in mapping.columns
    assert mapping.missing == []


def test_map_headers_separate_place_and_date() -> None:
    mapping = map_headers(["NIK", "Nama", "Tempat Lahir", "Tanggal Lahir"])
    assert mapping.columns[Field.BIRTH_PLACE] == "Tempat Lahir"
    assert mapping.columns[Field.BIRTH_DATE] == "Tanggal Lahir"
    assert mapping.combined_place_date is None


def test_remembered_mapping_wins_over_synonyms() -> None:
    original = ["NIK", "Nama", "Insentif Bulanan Guru Ngaji", "Honor"]
    remembered = {
        normalise_header("Insentif Bulanan Guru Ngaji"): Field.WAGE.value,
        normalise_header("Honor"): Field.OCCUPATION.value,  # this unit's "Honor" is a job title
    }
    mapping = map_headers(original, remembered=remembered)
    assert mapping.columns[Field.WAGE] == "Insentif Bulanan Guru Ngaji"
    assert mapping.columns[Field.OCCUPATION] == "Honor"
    assert mapping.unrecognised == []
    assert mapping.duplicates == {}


def test_remembered_keys_are_normalised_and_bad_values_ignored() -> None:
    mapping = map_headers(
        ["NIK", "Nama", "Insentif Bulanan  Guru Ngaji", "Catatan"],
        remembered={"INSENTIF BULANAN GURU NGAJI": "wage", "catatan": "not-a-field"},
    )
    assert mapping.columns[Field.WAGE] == "Insentif Bulanan  Guru Ngaji"
    assert mapping.unrecognised == ["Catatan"]


def test_empty_headers_are_unrecognised() -> None:
    mapping = map_headers(["NIK", "", "Nama", "Kolom D"])
    assert mapping.unrecognised == ["", "Kolom D"]
    assert set(mapping.columns) == {Field.NIK, Field.NAME}


# --- remembered "ignore" and the header row ----------------------------------------------------------


def test_a_column_remembered_as_ignored_is_neither_mapped_nor_unrecognised() -> None:
    mapping = map_headers(
        ["No", "NIK", "Nama", "Keterangan", "Catatan"],
        remembered={"no": IGNORE, "KETERANGAN": IGNORE},
    )
    assert mapping.ignored == ["No", "Keterangan"]
    assert mapping.unrecognised == ["Catatan"]
    assert mapping.columns == {Field.NIK: "NIK", Field.NAME: "Nama"}
    # Ignoring wins over the synonyms too: this unit's "Nama" column is not the person's name.
    ignored_name = map_headers(["NIK", "Nama"], remembered={"nama": IGNORE})
    assert ignored_name.ignored == ["Nama"]
    assert Field.NAME in ignored_name.missing


ROW = ["Kode Pegawai", "Nama Lengkap", "Honor TPP", None, ""]


def test_the_header_row_counts_remembered_columns() -> None:
    # One recognised header ("Nama Lengkap") is not a header row ...
    assert not headers.is_header_row(ROW)
    # ... until the unit's mapping names a second column.
    assert headers.is_header_row(ROW, remembered={normalise_header("Honor TPP"): "wage"})
    assert headers.is_header_row(ROW, remembered={"KODE PEGAWAI": "nik"})
    # A column the unit ignores does not count, even when it is a synonym.
    assert not headers.is_header_row(ROW, remembered={"honor tpp": "wage", "nama lengkap": IGNORE})
    # NIK or Nama is still needed.
    assert not headers.is_header_row(["Honor TPP", "Jabatan"], remembered={"honor tpp": "wage"})
    assert not headers.is_header_row(ROW, remembered={"honor tpp": "not-a-field"})


@settings(max_examples=300, deadline=None, database=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.sampled_from(["NIK", "Nama", "L/P", "Upah", "TTL", "No", "Keterangan", "Nama Ibu"]),
            st.text(max_size=15),
        ),
        max_size=8,
    )
)
def test_without_a_remembered_mapping_only_the_synonyms_count(cells: list[str | None]) -> None:
    found = [f for f in (match_header(c).field for c in cells if c) if f is not None]
    expected = len(found) >= 2 and (Field.NIK in found or Field.NAME in found)
    assert headers.is_header_row(cells) == expected
    assert headers.is_header_row(cells, remembered={}) == expected
