"""Through the whole pipeline: job titles read through the vocabulary (a warning, never an error,
for one it does not know), value mappings remembered per unit, the OpenSID book of officials as
XLSX and as HTML ".xls", and the fuzzy-duplicate warnings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from cakupan.accounts.audit import Actor
from cakupan.common.nik import make_nik
from cakupan.intake import services
from cakupan.intake.models import BatchStatus, ImportIssue, ValueMemory
from cakupan.intake.schema import IGNORE
from cakupan.intake.tests import opensid
from cakupan.registry.models import Membership, Occupation, Segment, Unit
from cakupan.testing.factories import make_person, make_unit

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 23)
DESA = "73.24.04.2001"  # a desa of Kecamatan Malili, Luwu Timur
ACTOR = Actor.system(source="cli", label="test")
HEADER = "NIK;Nama;L/P;Tanggal Lahir;Jabatan;Sumber Dana;Siltap"


@pytest.fixture
def unit() -> Unit:
    return make_unit(region=DESA, kind="pemerintah_desa", name="Pemerintah Desa Uji")


def nik(day: int, sex: str = "L", sequence: int = 1, month: int = 8) -> str:
    return make_nik(
        district_code="73.24.04", birth_date=dt.date(1985, month, day), sex=sex, sequence=sequence
    )


def row(n: str, name: str, day: int, title: str, funding: str = "ADD", month: int = 8) -> str:
    return f"{n};{name};L;{day:02d}-{month:02d}-1985;{title};{funding};2.450.000"


def run(
    unit: Unit,
    data: bytes,
    *,
    commit: bool = False,
    name: str = "perangkat.csv",
    segment: str = Segment.PERANGKAT_DESA,
) -> services.Outcome:
    batch = services.batch_create(
        actor=ACTOR, unit=unit, segment=segment, file_name=name, data=data
    )
    return services.batch_process(batch=batch, actor=ACTOR, commit=commit, today=TODAY)


def csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def issues(outcome: services.Outcome, *codes: str) -> list[tuple[int, str, str]]:
    found = ImportIssue.objects.filter(batch=outcome.batch).order_by("row_number", "code")
    if codes:
        found = found.filter(code__in=codes)
    return list(found.values_list("row_number", "code", "severity"))


def code_of(membership: Membership) -> str | None:
    return membership.occupation.code if membership.occupation else None


# --- The book of officials ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "file_type"),
    [
        (opensid.book_xlsx(), "buku_pemerintah_desa.xlsx", "xlsx"),
        (opensid.book_html(), "buku_pemerintah_desa.xls", "html"),
    ],
)
def test_opensid_book_of_officials_is_accepted_in_full(
    unit: Unit, data: bytes, name: str, file_type: str
) -> None:
    outcome = run(unit, data, commit=True, name=name)
    batch = outcome.batch
    assert (batch.status, batch.file_type) == (BatchStatus.COMMITTED, file_type)
    assert (batch.rows, batch.accepted, batch.rejected, batch.new) == (8, 8, 0, 8)
    assert [i for i in issues(outcome) if i[2] == "error"] == []
    # The only warning: "Malili, 12-03-1975" split into place and date of birth.
    assert {code for _, code, _ in issues(outcome)} == {"birth_place_split"}
    memberships = {
        m.person.nik: m for m in Membership.objects.select_related("person", "occupation")
    }
    assert [code_of(memberships[opensid.nik_of(i)]) for i in range(8)] == opensid.CODES
    assert [memberships[opensid.nik_of(i)].occupation_title for i in range(8)] == [
        o[3] for o in opensid.OFFICIALS
    ]
    assert {(m.funding_source, m.person.domicile_id) for m in memberships.values()} == {
        ("apbdes_add", DESA)
    }


# --- Job titles, coded values and the unit's mappings ------------------------------------------


def test_an_unknown_job_title_is_kept_as_lainnya_with_a_warning(unit: Unit) -> None:
    outcome = run(
        unit,
        csv(
            row(nik(17), "Andi Saputra", 17, "Tenaga Pendidik SD"),
            row(nik(18), "Baso Tang", 18, "Juru Pelihara Kantor Desa", funding="Kas Desa"),
            row(nik(19), "Cakra", 19, "Kepala Dusun Maleku I", funding="Dana Desa"),
        ),
        commit=True,
    )
    assert (outcome.batch.accepted, outcome.batch.rejected) == (3, 0)
    assert issues(outcome) == [
        (3, "funding_source_unmapped", "warning"),
        (3, "occupation_unmapped", "warning"),
    ]
    message = ImportIssue.objects.get(batch=outcome.batch, code="occupation_unmapped").message
    assert message.startswith(
        'Pekerjaan/jabatan "Juru Pelihara Kantor Desa" belum dikenal; dicatat sebagai '
        '"Lainnya (perangkat desa)"'
    )
    by_nik = {m.person.nik: m for m in Membership.objects.select_related("person", "occupation")}
    assert (code_of(by_nik[nik(17)]), by_nik[nik(17)].funding_source) == ("guru-sd", "apbdes_add")
    assert (
        code_of(by_nik[nik(18)]),
        by_nik[nik(18)].occupation_title,
        by_nik[nik(18)].funding_source,
    ) == ("lainnya-perangkat-desa", "Juru Pelihara Kantor Desa", "apbdes_add")
    assert (code_of(by_nik[nik(19)]), by_nik[nik(19)].funding_source) == (
        "kepala-dusun",
        "dana_desa",
    )
    # The batch page lists each value to map once.
    assert outcome.batch.mapping["values"] == {
        "occupation": [
            {
                "key": "juru pelihara kantor desa",
                "text": "Juru Pelihara Kantor Desa",
                "rows": 1,
                "how": "unmapped",
                "target": None,
            }
        ],
        "funding_source": [
            {"key": "kas desa", "text": "Kas Desa", "rows": 1, "how": "unmapped", "target": None}
        ],
    }


def test_unknown_scheme_and_segment_values_are_warnings(unit: Unit) -> None:
    data = (
        "NIK;Nama;L/P;Tanggal Lahir;Jabatan;Skema;Segmen;Siltap\n"
        f"{nik(17)};Andi;L;17-08-1985;Kades;Penerima Upah;Perangkat Desa;2.450.000\n"
        f"{nik(18)};Baso;L;18-08-1985;Kades;Formil;Aparatur Pemdes;2.450.000\n"
    ).encode()
    outcome = run(unit, data)
    assert (outcome.batch.accepted, outcome.batch.rejected) == (2, 0)
    assert issues(outcome) == [
        (3, "scheme_unmapped", "warning"),
        (3, "segment_unmapped", "warning"),
    ]


def test_value_mappings_are_remembered_per_unit(unit: Unit) -> None:
    other = make_unit(region="73.24.04.2002", kind="pemerintah_desa", name="Desa Tetangga")
    data = csv(
        row(nik(17), "Andi Saputra", 17, "Juru Pelihara Kantor Desa"),
        row(nik(18), "Baso Tang", 18, "Pengurus Koperasi Desa"),
        row(nik(19), "Cakra", 19, "Kepala Dusun I", funding="Kas Desa"),
    )
    first = run(unit, data)
    assert len(issues(first, "occupation_unmapped", "funding_source_unmapped")) == 3
    assert (
        services.remember_values(
            actor=ACTOR,
            unit=unit,
            field="occupation",
            mapping={"juru pelihara kantor desa": "staf-desa", "pengurus koperasi desa": IGNORE},
        )
        == 2
    )
    services.remember_values(
        actor=ACTOR, unit=unit, field="funding_source", mapping={"kas desa": "apbdes_add"}
    )
    # The same file for the same unit: nothing left to map; "abaikan" counts as an empty cell.
    second = run(unit, data, commit=True)
    assert issues(second, "occupation_unmapped", "funding_source_unmapped") == []
    by_nik = {m.person.nik: m for m in Membership.objects.select_related("person", "occupation")}
    assert (code_of(by_nik[nik(17)]), by_nik[nik(17)].occupation_title) == (
        "staf-desa",
        "Juru Pelihara Kantor Desa",
    )
    assert (code_of(by_nik[nik(18)]), by_nik[nik(18)].occupation_title) == (None, "")
    assert by_nik[nik(19)].funding_source == "apbdes_add"
    # Listed on the batch page as the unit's own mappings, so they can be changed there.
    assert [
        (v["key"], v["how"], v["target"]) for v in second.batch.mapping["values"]["occupation"]
    ] == [
        ("juru pelihara kantor desa", "memory", "staf-desa"),
        ("pengurus koperasi desa", "ignored", None),
    ]
    # Another unit does not inherit them.
    assert len(issues(run(other, data), "occupation_unmapped", "funding_source_unmapped")) == 3
    # Forgetting a mapping (None) gives the value back to the vocabulary.
    services.remember_values(
        actor=ACTOR, unit=unit, field="occupation", mapping={"pengurus koperasi desa": None}
    )
    assert set(ValueMemory.objects.filter(unit=unit).values_list("field", "value", "target")) == {
        ("occupation", "juru pelihara kantor desa", "staf-desa"),
        ("funding_source", "kas desa", "apbdes_add"),
    }
    assert issues(run(unit, data), "occupation_unmapped") == [(3, "occupation_unmapped", "warning")]


def test_lainnya_occupations_exist_for_every_segment() -> None:
    assert set(
        Occupation.objects.filter(code__startswith="lainnya-").values_list("code", flat=True)
    ) == {f"lainnya-{s.replace('_', '-')}" for s in Segment.values}


# --- Fuzzy duplicates --------------------------------------------------------------------------


def test_pg_trgm_is_installed() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT round(similarity('Muhammad Rizki', 'Muhamad Rizky')::numeric, 2)")
        (score,) = cursor.fetchone()
    assert 0.4 < score < 1


def test_one_digit_typos_and_swapped_digits_in_the_file_are_flagged(unit: Unit) -> None:
    first, typo = nik(17, sequence=12), nik(17, sequence=17)  # last digit 2 -> 7
    swapped_a, swapped_b = nik(20, sequence=34), nik(20, sequence=43)  # "34" -> "43"
    assert sum(a != b for a, b in zip(first, typo, strict=True)) == 1
    assert sum(a != b for a, b in zip(swapped_a, swapped_b, strict=True)) == 2
    outcome = run(
        unit,
        csv(
            row(first, "Muhammad Rizki", 17, "Kaur Keuangan"),  # row 2
            row(swapped_a, "Nurhayati", 20, "Kasi Pelayanan"),  # row 3
            row(typo, "Muhamad Rizky", 17, "Kaur Keuangan"),  # row 4: one digit, name variant
            row(swapped_b, "Nurhayati", 20, "Kasi Pelayanan"),  # row 5: two digits swapped
        ),
    )
    assert (outcome.batch.accepted, outcome.batch.rejected) == (4, 0)
    assert issues(outcome) == [
        (4, "possible_duplicate_in_file", "warning"),
        (5, "possible_duplicate_in_file", "warning"),
    ]
    messages = list(
        ImportIssue.objects.filter(batch=outcome.batch)
        .order_by("row_number")
        .values_list("message", flat=True)
    )
    assert messages[0].startswith(
        "Mungkin orang yang sama dengan baris 2 (NIK berbeda 1 digit, kemiripan nama 0,"
    )
    assert messages[1].startswith(
        "Mungkin orang yang sama dengan baris 3 (NIK berbeda 2 digit, kemiripan nama 1,00)"
    )


def test_a_near_nik_in_the_registry_is_flagged_with_its_desa(unit: Unit) -> None:
    known = make_person(
        nik=nik(17, sequence=3412), name="Siti Aminah", birth_date=dt.date(1985, 8, 17)
    )
    known.domicile_id = DESA
    known.save()
    typo = nik(17, sequence=3417)
    outcome = run(unit, csv(row(typo, "Siti Aminnah", 17, "Kaur Keuangan")))
    [issue] = ImportIssue.objects.filter(batch=outcome.batch)
    assert (issue.row_number, issue.code, issue.severity) == (
        2,
        "possible_duplicate_in_registry",
        "warning",
    )
    desa = connection.cursor()
    desa.execute("SELECT name FROM wilayah_region WHERE code = %s", [DESA])
    (desa_name,) = desa.fetchone()
    assert issue.message.startswith(
        f"Mungkin orang yang sama dengan NIK ...3412 di {desa_name} yang sudah ada di registri "
        "(NIK berbeda 1 digit, kemiripan nama 0,"
    )
    assert "Siti Aminah" not in issue.message  # another unit's person: no name, a masked NIK


def test_the_same_nik_with_a_clearly_different_name_is_flagged(unit: Unit) -> None:
    make_person(nik=nik(17), name="Wahyuni Lestari", birth_date=dt.date(1985, 8, 17))
    make_person(nik=nik(18), name="Andi Saputra", birth_date=dt.date(1985, 8, 18))
    outcome = run(
        unit,
        csv(
            row(nik(17), "Baso Tang", 17, "Kaur Keuangan"),
            row(nik(18), "Andi Saputera", 18, "Kaur Umum"),
        ),
    )
    assert issues(outcome) == [
        (2, "nik_name_conflict", "warning"),
        (3, "name_differs_from_registry", "warning"),
    ]
    conflict, differs = ImportIssue.objects.filter(batch=outcome.batch).order_by("row_number")
    assert conflict.message.startswith(
        'NIK ini tercatat di registri atas nama "W****** L******", jauh berbeda dengan "Baso Tang" '
        "(kemiripan nama 0,"
    )
    assert differs.message.startswith(
        'Nama di berkas "Andi Saputera" berbeda dengan nama di registri "Andi Saputra" (kemiripan 0,'
    )


def test_different_people_with_similar_names_and_different_birth_dates_are_not_flagged(
    unit: Unit,
) -> None:
    # NIKs one digit apart (the birth day 17 / 18), names alike: different birth dates decide.
    a, b = nik(17, sequence=5), nik(18, sequence=5)
    assert sum(x != y for x, y in zip(a, b, strict=True)) == 1
    make_person(nik=nik(19, sequence=5), name="Andi Saputra", birth_date=dt.date(1985, 8, 19))
    outcome = run(
        unit,
        csv(
            row(a, "Andi Saputra", 17, "Kaur Keuangan"),
            row(b, "Andi Saputro", 18, "Kaur Umum"),
            # Same birth date as the registry's Andi but a NIK far from his: not flagged either.
            row(nik(19, sequence=9876), "Andi Saputra", 19, "Kasi Pelayanan"),
        ),
    )
    assert issues(outcome) == []


@pytest.mark.parametrize(
    ("sequence", "digits"),
    [
        # 73.24.04 (Malili) typed as 73.24.05: the first six digits differ, the last ten agree.
        (1, 1),
        # And the sequence 0001 typed 0007: neither half of the NIK agrees; the name key and the
        # birth date still pair them.
        (7, 2),
    ],
)
def test_a_typo_in_the_region_digits_is_found_with_or_without_one_in_the_sequence(
    unit: Unit, sequence: int, digits: int
) -> None:
    make_person(nik=nik(17, sequence=1), name="Muhammad Rizki", birth_date=dt.date(1985, 8, 17))
    typo = make_nik(
        district_code="73.24.05", birth_date=dt.date(1985, 8, 17), sex="L", sequence=sequence
    )
    assert sum(a != b for a, b in zip(nik(17, sequence=1), typo, strict=True)) == digits
    outcome = run(unit, csv(row(typo, "Muhamad Rizki", 17, "Kaur Keuangan")))
    assert issues(outcome, "possible_duplicate_in_registry") == [
        (2, "possible_duplicate_in_registry", "warning")
    ]
