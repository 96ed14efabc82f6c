"""Calculator and parameter pages: public access, exact figures, odd input, flagged values.

Figures are worked by hand from DOMAIN.md: PU JKK class I 0.24% and JKM 0.30% of the wage
(PP 44/2015 Lampiran I), BPU JKK 1% with a Rp10.000 minimum plus JKM Rp6.800 (DOMAIN.md 3), JKM
after PP 82/2019 Rp20 + 12 + 10 juta (DOMAIN.md 4.1).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cakupan.accounts.models import Role, User
from cakupan.parameters import views
from cakupan.parameters.selectors import active_parameters
from cakupan.rules.params import Override, load_parameters
from cakupan.testing.factories import make_user

pytestmark = pytest.mark.django_db

D = Decimal
CALC = reverse("parameters:calc_contribution")
BENEFIT = reverse("parameters:calc_benefit")
PARAMETERS = reverse("parameters:calc_parameters")
BUDGET = reverse("billing:budget")
PU_3M = {
    "scheme": "pu",
    "month": "2026-01",
    "wage": "Rp3.000.000",
    "risk_class": "1",
    "programmes": ["jkk", "jkm"],
}


def as_user(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html(response: Any) -> str:
    return response.content.decode()


def squash(text: str) -> str:
    """The page text with tags removed and whitespace collapsed (for phrases across tags)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))


# --- contribution calculator ----------------------------------------------------------------------


def test_contribution_page_is_public_and_starts_with_an_empty_form() -> None:
    response = Client().get(CALC)
    assert response.status_code == 200
    assert response.context["form"].is_bound is False
    assert "result" not in response.context
    page = html(response)
    assert 'name="wage"' in page
    # The month is typed MM-YYYY whatever the browser's locale, with a calendar added by script.
    assert 'data-datepicker="month"' in page and 'value="' + f"{dt.date.today():%m-%Y}" in page
    assert 'href="/kalkulator/"' in page  # the public "Kalkulator" link in the header
    assert "js/calculators.js" in page


@pytest.mark.parametrize("wage", ["Rp3.000.000", "3.000.000", "3000000", "Rp 3.000.000,00"])
def test_pu_3_million_class_one_jkk_jkm_january_2026(wage: str) -> None:
    response = Client().get(CALC, {**PU_3M, "wage": wage})
    assert response.status_code == 200
    result = response.context["result"]
    # JKK class I 0.24% x 3,000,000 = 7,200; JKM 0.30% x 3,000,000 = 9,000 (employer only).
    assert [(line.programme, line.employer, line.worker, line.total) for line in result.lines] == [
        ("jkk", D(7_200), D(0), D(7_200)),
        ("jkm", D(9_000), D(0), D(9_000)),
    ]
    assert (result.employer_total, result.worker_total, result.total) == (D(16_200), 0, D(16_200))
    page = html(response)
    for text in ("Rp7.200", "Rp9.000", "Rp16.200", "0,24%", "0,3%", "PP 44/2015"):
        assert text in page, text
    assert "Januari 2026" in page
    assert "JKK kelas I: 0,24% x Rp3.000.000 = Rp7.200" in page  # the explanation line


def test_bpu_one_million_pays_the_minimum_package() -> None:
    response = Client().get(
        CALC,
        {"scheme": "bpu", "month": "2026-01", "wage": "1.000.000", "programmes": ["jkk", "jkm"]},
    )
    result = response.context["result"]
    # JKK 1% x 1,000,000 = 10,000 (the minimum); JKM flat 6,800; all paid as the worker share.
    assert [(line.programme, line.worker) for line in result.lines] == [
        ("jkk", D(10_000)),
        ("jkm", D(6_800)),
    ]
    assert result.total == D(16_800)
    assert "Rp16.800" in html(response)
    assert "nominal" in html(response)  # JKM BPU is a flat amount, not a rate


def test_bpu_with_jp_is_refused_by_the_form() -> None:
    response = Client().get(
        CALC,
        {
            "scheme": "bpu",
            "month": "2026-01",
            "wage": "1.000.000",
            "programmes": ["jkk", "jkm", "jp"],
        },
    )
    assert response.status_code == 200
    assert "result" not in response.context
    assert response.context["form"].errors["programmes"] == [
        "JP dan JKP hanya untuk peserta penerima upah (PU), tidak untuk BPU."
    ]
    page = html(response)
    assert 'aria-describedby="id_programmes_helptext id_programmes_error"' in page
    assert '<div id="id_programmes_error"><p class="field-error">JP dan JKP' in page


def test_unverified_parameter_is_flagged_with_a_link_to_the_table() -> None:
    # The JP wage cap from March 2026 (Rp11.086.300) is marked unverified in the data files.
    response = Client().get(
        CALC,
        {
            "scheme": "pu",
            "month": "2026-03",
            "wage": "12.000.000",
            "risk_class": "1",
            "programmes": ["jkk", "jkm", "jht", "jp"],
        },
    )
    page = html(response)
    jp = next(line for line in response.context["result"].lines if line.programme == "jp")
    assert jp.basis == D(11_086_300)
    assert (jp.employer, jp.worker) == (D(221_726), D(110_863))
    assert '<span class="badge badge-unverified">belum terverifikasi</span>' in page
    assert f'href="{PARAMETERS}?on=2026-03-31"' in page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"wage": "tiga juta"}, "Tulis jumlah rupiah utuh"),
        ({"wage": "-5"}, "Tulis jumlah rupiah utuh"),
        ({"wage": "0"}, "Jumlah harus lebih dari nol."),
        ({"wage": "1e9"}, "Tulis jumlah rupiah utuh"),
        ({"wage": "3.000.000,50"}, "Tulis jumlah rupiah utuh"),
        ({"wage": "9" * 25}, "Jumlah terlalu besar."),
        ({"wage": "9" * 200}, "Jumlah terlalu besar."),
        ({"wage": ""}, "Isi upah atau penghasilan sebulan."),
        ({"month": "2026-13"}, "Tulis bulan sebagai BB-TTTT"),
        ({"month": "9999-12"}, "Tulis bulan sebagai BB-TTTT"),
        ({"month": "0000-01"}, "Tulis bulan sebagai BB-TTTT"),
        ({"month": "januari"}, "Tulis bulan sebagai BB-TTTT"),
        ({"month": "2014-06"}, "sebelum Juli 2015"),
        ({"scheme": "asn"}, "tidak tersedia; pilih salah satu"),
        ({"risk_class": "9"}, "tidak tersedia; pilih salah satu"),
        ({"risk_class": ""}, "Pilih kelas risiko JKK untuk peserta PU."),
        ({"programmes": ["xyz"]}, "tidak tersedia; pilih salah satu"),
        ({"programmes": []}, "Pilih program, paling sedikit JKK dan JKM."),
        ({"programmes": ["jht"]}, "Program paling sedikit JKK dan JKM"),
        ({"programmes": ["jkk", "jkm", "jkp"], "month": "2020-05"}, "JKP belum berlaku"),
        ({"birth_date": "31-02-1980"}, "Tulis tanggal yang ada"),
        ({"birth_date": "1000-01-01"}, "Tulis tanggal yang ada"),
    ],
)
def test_odd_contribution_input_shows_an_indonesian_message_not_an_error_page(
    params: dict[str, Any], message: str
) -> None:
    response = Client().get(CALC, {**PU_3M, **params})
    assert response.status_code == 200
    assert "result" not in response.context
    assert message in html(response)
    assert 'role="alert"' in html(response)


def test_a_rules_error_is_shown_next_to_the_form() -> None:
    response = Client().get(CALC, {**PU_3M, "month": "2015-06"})
    assert response.context["rules_error"].startswith("Bulan iuran 06-2015 sebelum Juli 2015")
    assert "Iuran tidak dapat dihitung:" in html(response)


def test_jp_stops_at_the_retirement_age_given_a_birth_date() -> None:
    response = Client().get(
        CALC,
        {**PU_3M, "programmes": ["jkk", "jkm", "jp"], "birth_date": "1960-01-01"},
    )
    result = response.context["result"]
    assert [line.programme for line in result.lines] == ["jkk", "jkm"]
    assert "Tidak ada iuran JP" in html(response)


def test_signed_in_users_use_the_same_calculator_and_see_it_in_the_menu() -> None:
    client = as_user(make_user(role=Role.ADMIN_KABUPATEN, region="73.24"))
    response = client.get(CALC, PU_3M)
    assert response.status_code == 200
    assert response.context["result"].total == D(16_200)
    page = html(response)
    assert re.search(r'<a href="/kalkulator/" aria-current="page">Kalkulator</a>', page)
    assert f'<a href="{BUDGET}">Anggaran</a>' in page


# --- benefit calculator ---------------------------------------------------------------------------


def test_benefit_page_is_public() -> None:
    response = Client().get(BENEFIT)
    assert response.status_code == 200
    assert 'data-for="stmb"' in html(response)  # the days field is marked for billing.js


def test_jkm_after_pp82_is_42_million() -> None:
    response = Client().get(BENEFIT, {"type": "jkm", "event_date": "2024-05-01"})
    result = response.context["result"]
    assert [line.amount for line in result.lines] == [D(20_000_000), D(12_000_000), D(10_000_000)]
    assert result.total == D(42_000_000)
    assert "Rp42.000.000" in html(response)


def test_jkk_death_with_three_children_schedules_two() -> None:
    response = Client().get(
        BENEFIT,
        {
            "type": "jkk-death",
            "event_date": "01-05-2024",
            "wage": "5.000.000",
            "child_1": "sd",
            "child_2": "smp",
            "child_3": "sma",
        },
    )
    assert response.status_code == 200
    result = response.context["result"]
    # 48 x 5,000,000 = 240,000,000 + periodic 12,000,000 + funeral 10,000,000; scholarships for
    # two children: SD 6 x 1.5 jt + SMP 3 x 2 jt + SMA 3 x 3 jt + PT 5 x 12 jt = 84 jt, and
    # SMP + SMA + PT = 75 jt.
    assert [line.amount for line in result.lines] == [
        D(240_000_000),
        D(12_000_000),
        D(10_000_000),
        D(84_000_000),
        D(75_000_000),
    ]
    assert result.total == D(421_000_000)
    schedule = response.context["schedule"]
    assert [(c["child"], len(c["years"]), c["total"]) for c in schedule] == [
        (1, 17, D(84_000_000)),
        (2, 11, D(75_000_000)),
    ]
    assert schedule[0]["years"][0] == {"year": 2024, "level": "SD", "amount": D(1_500_000)}
    assert schedule[1]["years"][-1] == {"year": 2034, "level": "PT", "amount": D(12_000_000)}
    page = squash(html(response))
    assert "Anak ke-3 (SMA) tidak dihitung: beasiswa paling banyak 2 anak" in page
    assert "Jadwal beasiswa per anak per tahun" in page
    assert "Rp421.000.000" in page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"type": "jkm", "event_date": ""}, "Isi tanggal peristiwa."),
        ({"type": "jkm", "event_date": "2024-02-30"}, "Tulis tanggal yang ada"),
        ({"type": "rahasia", "event_date": "2024-01-01"}, "tidak tersedia; pilih salah satu"),
        ({"type": "stmb", "event_date": "2024-01-01", "wage": "x"}, "Tulis jumlah rupiah utuh"),
        (
            {"type": "stmb", "event_date": "2024-01-01", "wage": "3000000", "days": "-1"},
            "lebih besar",
        ),
        (
            {"type": "stmb", "event_date": "2024-01-01", "wage": "3000000", "days": "1e3"},
            "bilangan bulat",
        ),
        (
            {"type": "stmb", "event_date": "2024-01-01", "wage": "3000000"},
            "Jumlah hari tidak mampu",
        ),
        ({"type": "jkk-death", "event_date": "2024-01-01"}, "Upah sebulan wajib"),
        (
            {
                "type": "jkk-partial-disability",
                "event_date": "2024-01-01",
                "wage": "3000000",
                "percent": "abc",
            },
            "Tulis persentase",
        ),
        (
            {
                "type": "jkk-partial-disability",
                "event_date": "2024-01-01",
                "wage": "3000000",
                "percent": "150",
            },
            "paling tinggi 100",
        ),
        (
            {
                "type": "jkk-partial-disability",
                "event_date": "2024-01-01",
                "wage": "3000000",
                "percent": "NaN",
            },
            "Tulis persentase",
        ),
        (
            {"type": "jkk-partial-disability", "event_date": "2024-01-01", "wage": "3000000"},
            "Persentase cacat wajib",
        ),
        ({"type": "scholarship", "event_date": "2024-01-01"}, "Sebutkan jenjang sekolah"),
        (
            {"type": "scholarship", "event_date": "2024-01-01", "child_1": "s3"},
            "tidak tersedia; pilih salah satu",
        ),
        ({"type": "jkm", "event_date": "2014-01-01"}, "sebelum 1 Juli 2015"),
        (
            {"type": "jkm", "event_date": "2024-01-01", "membership_start": "2025-01-01"},
            "sesudah tanggal peristiwa",
        ),
    ],
)
def test_odd_benefit_input_shows_an_indonesian_message_not_an_error_page(
    params: dict[str, Any], message: str
) -> None:
    response = Client().get(BENEFIT, params)
    assert response.status_code == 200
    assert "result" not in response.context
    assert message in html(response)


def test_scholarship_needs_36_months_on_the_jkm_route() -> None:
    response = Client().get(
        BENEFIT,
        {
            "type": "scholarship",
            "event_date": "2024-05-01",
            "membership_start": "2021-05-02",
            "child_1": "sma",
        },
    )
    result = response.context["result"]
    assert result.total == 0 and result.lines == ()
    assert "kurang dari 36 bulan" in html(response)


# --- parameter table ------------------------------------------------------------------------------


def test_parameter_table_lists_every_entry_with_its_marks() -> None:
    response = Client().get(PARAMETERS)
    assert response.status_code == 200
    entries = active_parameters().entries()
    assert response.context["shown"] == len(entries)
    assert sum(len(g["entries"]) for g in response.context["groups"]) == len(entries)
    page = html(response)
    assert page.count('<span class="badge badge-unverified">belum terverifikasi</span>') == (
        sum(1 for e in entries if not e.verified) + 1  # + the legend in the count line
    )
    assert 'id="p-jp-wage-cap"' in page
    assert "Rp11.086.300" in page and "PP 45/2015" in page


def test_parameter_table_on_a_date_shows_only_the_values_in_force() -> None:
    response = Client().get(PARAMETERS, {"on": "2026-01-15"})
    groups = {g["key"]: g for g in response.context["groups"]}
    caps = [row["entry"].value for row in groups["jp.wage_cap"]["entries"]]
    assert caps == [D(10_547_400)]
    assert all(
        row["entry"].covers(dt.date(2026, 1, 15)) for g in groups.values() for row in g["entries"]
    )
    assert "jkp.recomposition_jkm" not in groups or all(
        row["entry"].covers(dt.date(2026, 1, 15))
        for row in groups["jkp.recomposition_jkm"]["entries"]
    )
    assert "berlaku pada 15-01-2026" in html(response)


def test_parameter_table_filters_unverified_and_survives_a_bad_date() -> None:
    response = Client().get(PARAMETERS, {"status": "unverified"})
    assert all(
        not row["entry"].verified for g in response.context["groups"] for row in g["entries"]
    )
    bad = Client().get(PARAMETERS, {"on": "kemarin"})
    assert bad.status_code == 200
    assert "Tulis tanggal yang ada" in html(bad)
    assert bad.context["shown"] == len(active_parameters().entries())


def test_parameter_table_marks_values_an_admin_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    changed = load_parameters().with_overrides(
        [
            Override(
                key="stmb.daily_wage_divisor",
                value=31,
                valid_from=dt.date(2015, 7, 1),
                valid_to=None,
                note="uji",
                set_by="admin",
            )
        ]
    )
    monkeypatch.setattr(views, "active_parameters", lambda: changed)
    page = html(Client().get(PARAMETERS, {"status": "overridden"}))
    assert page.count('<span class="badge badge-overridden">diubah admin</span>') == 2
    assert "uji (oleh admin)" in page
    stmb = Client().get(
        BENEFIT, {"type": "stmb", "event_date": "2024-01-01", "wage": "3.100.000", "days": "10"}
    )
    # 10 days x 3,100,000 / 31 = 1,000,000 with the changed divisor.
    assert stmb.context["result"].total == D(1_000_000)
    assert '<span class="badge badge-overridden">diubah admin</span>' in html(stmb)


# --- the law behind each value (issue 17, item 6) ---------------------------------------------------


def test_parameter_table_cites_regulation_article_and_date_not_research_sources() -> None:
    page = html(Client().get(PARAMETERS))
    text = squash(page)
    # PU JKK class I: the regulation, its annex, its full title and the day it took effect.
    assert "PP 44/2015 , Lampiran I" in text
    assert (
        "Peraturan Pemerintah Nomor 44 Tahun 2015 tentang Penyelenggaraan Program Jaminan "
        "Kecelakaan Kerja dan Jaminan Kematian"
    ) in text
    assert "berlaku sejak 1 Juli 2015" in text
    # A regulation whose date no source gives says so; so does one taken from secondary sources.
    assert "PP 49/2020" in text and "tanggal peraturan belum dicatat" in text
    assert "berlaku sejak 1 April 2021 (tanggal belum terverifikasi)" in text  # Permenaker 5/2021
    # Unverified values say so in words, not only with a badge.
    assert "Belum dicocokkan dengan naskah resmi peraturan." in text
    # Research material stays out of the public page: no DOMAIN.md, no news sites, no code paths.
    for leaked in ("DOMAIN.md", "tribunnews", "parapuan", "http://", "https://", "artivisi"):
        assert leaked not in page, leaked
    # Internal keys only behind the toggle.
    assert "pu.jkk.rate.1" not in text.replace("misalnya pu.jkk.rate.1", "")
    with_keys = squash(html(Client().get(PARAMETERS, {"kode": "on"})))
    assert "Iuran JKK PU kelas risiko 1 pu.jkk.rate.1" in with_keys


def test_parameter_sources_are_for_superadmins_only(superadmin: User, camat: User) -> None:
    url = reverse("parameters:parameter_sources")
    assert Client().get(url).status_code == 302  # to the sign-in page
    assert as_user(camat).get(url).status_code == 404
    response = as_user(superadmin).get(url)
    assert response.status_code == 200
    page = html(response)
    assert "DOMAIN.md §2.1" in page and "parapuan.co" in page
    assert "signed 29 Nov 2019, promulgated and in force 2 Dec 2019" in page
    # The public page links to it for a superadmin only.
    assert url in html(as_user(superadmin).get(PARAMETERS))
    assert url not in html(as_user(camat).get(PARAMETERS))
