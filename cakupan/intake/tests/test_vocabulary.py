"""The vocabulary of coded values: job titles as files write them, funding sources, and the rules'
data file itself (``registry/vocabulary.toml``)."""

from __future__ import annotations

import polars as pl
import pytest

from cakupan.intake.columns.vocabulary import (
    EMPTY,
    EXACT,
    IGNORED,
    MEMORY,
    RULE,
    UNMAPPED,
    Vocabulary,
    distinct_values,
    resolve,
)
from cakupan.intake.schema import IGNORE
from cakupan.registry import vocabulary
from cakupan.registry.occupations import GROUPS, OCCUPATIONS, OTHERS, other_code

pytestmark = pytest.mark.django_db  # the rules are checked against the model's codes

# The village organisation of Permendagri 84/2015 (and the BPD of Permendagri 110/2016), as
# files write it: full titles, abbreviations, numbered and named dusun, odd punctuation and case.
VILLAGE_TITLES = [
    ("Kepala Desa", "kepala-desa"),
    ("KEPALA DESA", "kepala-desa"),
    ("Kades", "kepala-desa"),
    ("Pj. Kepala Desa", "kepala-desa"),
    ("Penjabat Kepala Desa Maleku", "kepala-desa"),
    ("Sekretaris Desa", "sekretaris-desa"),
    ("Sekdes", "sekretaris-desa"),
    ("Sekertaris Desa", "sekretaris-desa"),
    ("Kaur Keuangan", "kepala-urusan"),
    ("Kaur. Keuangan", "kepala-urusan"),
    ("Kepala Urusan Keuangan", "kepala-urusan"),
    ("Kaur Umum dan Perencanaan", "kepala-urusan"),
    ("Kaur Tata Usaha dan Umum", "kepala-urusan"),
    ("Kepala Urusan Tata Usaha & Umum", "kepala-urusan"),
    ("Kaur Perencanaan", "kepala-urusan"),
    ("Kasi Pemerintahan", "kepala-seksi"),
    ("KASI PEMERINTAHAN DESA", "kepala-seksi"),
    ("Kasi Kesejahteraan", "kepala-seksi"),
    ("Kasi Pelayanan", "kepala-seksi"),
    ("Kepala Seksi Kesejahteraan dan Pelayanan", "kepala-seksi"),
    ("Kepala Dusun", "kepala-dusun"),
    ("Kepala Dusun Maleku I", "kepala-dusun"),
    ("Kepala Dusun Maleku II", "kepala-dusun"),
    ("Kepala Dusun 3", "kepala-dusun"),
    ("Kadus IV", "kepala-dusun"),
    ("Kepala Dusun Tanete", "kepala-dusun"),
    ("Kepala Lingkungan I", "kepala-dusun"),
    ("Staf Kaur Umum", "staf-desa"),
    ("Operator Desa", "staf-desa"),
    ("Ketua BPD", "ketua-bpd"),
    ("Wakil Ketua BPD", "wakil-ketua-bpd"),
    ("Sekretaris BPD", "sekretaris-bpd"),
    ("Anggota BPD", "anggota-bpd-biasa"),
    ("Anggota Badan Permusyawaratan Desa", "anggota-bpd-biasa"),
]
OTHER_TITLES = [
    ("Tenaga Pendidik SD", "guru-sd"),
    ("Guru Honorer SDN 1 Malili", "guru-sd"),
    ("Guru MI Darul Istiqamah", "guru-sd"),
    ("Guru Honorer SMPN 2 Wotu", "guru-smp"),
    ("Guru PAUD Melati", "guru-paud"),
    ("Guru TK Pertiwi", "guru-paud"),
    ("Tenaga Kependidikan", "tenaga-kependidikan"),
    ("Tenaga Kependidikan SD", "tenaga-kependidikan"),
    ("Imam Masjid Raya", "imam-masjid"),
    ("Imam Dusun", "imam-masjid"),
    ("Marbot Masjid Nurul Iman", "marbot"),
    ("Guru Ngaji", "guru-ngaji"),
    ("Guru TPA Al-Ikhlas", "guru-ngaji"),
    ("Ustadzah", "guru-ngaji"),
    ("Ketua RT 02", "ketua-rt"),
    ("Kader Posyandu", "kader-posyandu"),
    ("Pengemudi Ojek", "tukang-ojek"),
    ("Sopir Dinas", "tenaga-upah-jasa"),
    ("Bidan Desa", "tenaga-kesehatan"),
    ("Anggota KPPS", "kpps"),
]


def occupations(*titles: str | None, memory: dict[str, str] | None = None) -> pl.DataFrame:
    return resolve(
        pl.Series(list(titles), dtype=pl.String),
        Vocabulary(exact={"guru sd": "guru-sd"}, rules=vocabulary.rules()["occupation"]),
        memory,
    )


@pytest.mark.parametrize(("title", "code"), VILLAGE_TITLES + OTHER_TITLES)
def test_job_titles_map_to_their_occupation(title: str, code: str) -> None:
    [(key, _, target, how)] = occupations(title).rows()
    assert (target, how) == (code, RULE), key


@pytest.mark.parametrize(
    "title", ["Guru", "Juru Masak", "Pengurus Koperasi", "Guru SMA Negeri 1", "Astronot"]
)
def test_titles_no_rule_knows_are_unmapped_not_refused(title: str) -> None:
    [(_, _, target, how)] = occupations(title).rows()
    assert (target, how) == (None, UNMAPPED)


def test_order_of_resolution_memory_exact_rules_and_empty_cells() -> None:
    frame = occupations(
        "Kaur Kesra",  # no rule: the unit mapped it
        "  guru   SD ",  # an exact name
        "Kepala Dusun I",  # a rule, though the unit mapped something else for another value
        "Juru Masak",  # mapped to "abaikan"
        None,
        "",
        "Kaur Kesra",
        memory={"kaur kesra": "kepala-seksi", "juru masak": IGNORE},
    )
    assert frame.rows() == [
        ("kaur kesra", "Kaur Kesra", "kepala-seksi", MEMORY),
        ("guru sd", "guru SD", "guru-sd", EXACT),
        ("kepala dusun i", "Kepala Dusun I", "kepala-dusun", RULE),
        ("juru masak", "Juru Masak", None, IGNORED),
        (None, None, None, EMPTY),
        ("", "", None, EMPTY),
        ("kaur kesra", "Kaur Kesra", "kepala-seksi", MEMORY),
    ]


def test_the_unit_mapping_wins_over_a_rule() -> None:
    [(_, _, target, how)] = occupations("Kepala Dusun", memory={"kepala dusun": "staf-desa"}).rows()
    assert (target, how) == ("staf-desa", MEMORY)


def test_distinct_values_list_each_unmapped_or_mapped_value_once() -> None:
    raw = pl.Series(["Juru Masak", "Kaur Kesra", "juru  masak", "Kepala Desa", None, "Penjaga"])
    resolved = occupations(*raw.to_list(), memory={"kaur kesra": "kepala-seksi"})
    assert distinct_values(resolved, limit=10) == [
        {"key": "juru masak", "text": "Juru Masak", "rows": 2, "how": UNMAPPED, "target": None},
        {
            "key": "kaur kesra",
            "text": "Kaur Kesra",
            "rows": 1,
            "how": MEMORY,
            "target": "kepala-seksi",
        },
        {"key": "penjaga", "text": "Penjaga", "rows": 1, "how": UNMAPPED, "target": None},
    ]
    assert len(distinct_values(resolved, limit=1)) == 1


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("ADD", "apbdes_add"),
        ("APBDes (ADD)", "apbdes_add"),
        ("Siltap", "apbdes_add"),
        ("Dana Desa", "dana_desa"),
        ("DD", "dana_desa"),
        ("APBD Provinsi", "apbd_provinsi"),
        ("APBD", "apbd_kabkota"),
        ("APBD Kab. Luwu Timur", "apbd_kabkota"),
        ("CSR PT Vale", "donor_csr"),
        ("Mandiri", "mandiri"),
    ],
)
def test_funding_sources(text: str, code: str) -> None:
    frame = resolve(
        pl.Series([text]), Vocabulary(exact={}, rules=vocabulary.rules()["funding_source"])
    )
    assert frame.get_column("target").to_list() == [code]


def test_every_rule_names_a_known_code_and_every_segment_has_its_lainnya() -> None:
    rules = vocabulary.rules()  # checked against the codes when loaded
    assert set(rules) == {"occupation", "funding_source", "scheme", "segment"}
    codes = {code for code, *_ in (*GROUPS, *OCCUPATIONS, *OTHERS)}
    assert {rule.target for rule in rules["occupation"]} <= codes
    assert other_code("perangkat_desa") == "lainnya-perangkat-desa"
    assert {c for c, *_ in OTHERS} == {
        other_code(s)
        for s in (
            "non_asn",
            "perangkat_desa",
            "bpd",
            "lembaga_desa",
            "pekerja_keagamaan",
            "pekerja_rentan",
            "penyelenggara_pemilu",
        )
    }


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('[[occupation]]\ntarget = "x"\nwords = ["Kepala Desa"]', "not normalised"),
        ('[[occupation]]\ntarget = "nope"\nwords = ["kades"]', "unknown target"),
        ('[[occupation]]\ntarget = "kepala-desa"\nwords = []', "malformed"),
        ('[[jabatan]]\ntarget = "kepala-desa"\nwords = ["kades"]', "unknown vocabulary sections"),
    ],
)
def test_a_malformed_vocabulary_is_refused(text: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        vocabulary.parse(text, targets=vocabulary._targets())
