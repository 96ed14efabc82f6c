"""Calculator, parameter and budget pages: public access, exact figures, odd input, scope, XLSX.

Figures are worked by hand from DOMAIN.md: PU JKK class I 0.24% and JKM 0.30% of the wage
(PP 44/2015 Lampiran I), BPU JKK 1% with a Rp10.000 minimum plus JKM Rp6.800 (DOMAIN.md 3), JKM
after PP 82/2019 Rp20 + 12 + 10 juta (DOMAIN.md 4.1).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cakupan.accounts import access
from cakupan.accounts.models import AuditEvent, Role, User
from cakupan.billing.budget import APBD, APBDES, Targets, budget_plan
from cakupan.billing.parameters import active_parameters
from cakupan.billing.views import calculators
from cakupan.billing.views.display import monthly_bar_chart, short_rupiah
from cakupan.registry.models import FundingSource, Segment, UnitFormation, UnitKind
from cakupan.rules.params import Override, load_parameters
from cakupan.testing.factories import make_branch_office, make_membership, make_unit, make_user
from cakupan.wilayah.models import Region, RegionKind

pytestmark = pytest.mark.django_db

D = Decimal
CALC = reverse("billing:calc_contribution")
BENEFIT = reverse("billing:calc_benefit")
PARAMETERS = reverse("billing:calc_parameters")
BUDGET = reverse("billing:budget")
BUDGET_XLSX = reverse("billing:budget_xlsx")
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
    assert 'name="wage"' in page and 'type="month"' in page
    assert 'href="/kalkulator/"' in page  # the public "Kalkulator" link in the header
    assert "js/billing.js" in page


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
        ({"month": "2026-13"}, "Tulis bulan sebagai TTTT-BB"),
        ({"month": "9999-12"}, "Tulis bulan sebagai TTTT-BB"),
        ({"month": "0000-01"}, "Tulis bulan sebagai TTTT-BB"),
        ({"month": "januari"}, "Tulis bulan sebagai TTTT-BB"),
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
    monkeypatch.setattr(calculators, "active_parameters", lambda: changed)
    page = html(Client().get(PARAMETERS, {"status": "overridden"}))
    assert page.count('<span class="badge badge-overridden">diubah admin</span>') == 2
    assert "uji (oleh admin)" in page
    stmb = Client().get(
        BENEFIT, {"type": "stmb", "event_date": "2024-01-01", "wage": "3.100.000", "days": "10"}
    )
    # 10 days x 3,100,000 / 31 = 1,000,000 with the changed divisor.
    assert stmb.context["result"].total == D(1_000_000)
    assert '<span class="badge badge-overridden">diubah admin</span>' in html(stmb)


# --- budget planner -------------------------------------------------------------------------------


@pytest.fixture
def desa() -> Region:
    return Region.objects.filter(code__startswith="73.24.04.", kind=RegionKind.DESA).order_by(
        "code"
    )[0]


def _village(desa: Region) -> None:
    """3 perangkat posts (2 filled: 2 and 3 juta) and a BPD post held at 1 juta, paid by the desa."""
    pemdes = make_unit(region=desa.code, kind=UnitKind.PEMERINTAH_DESA, name="Pemdes Uji")
    UnitFormation.objects.create(
        unit=pemdes, segment=Segment.PERANGKAT_DESA, posts=3, valid_from=dt.date(2022, 1, 1)
    )
    for wage in (2_000_000, 3_000_000):
        make_membership(
            unit=pemdes,
            segment=Segment.PERANGKAT_DESA,
            wage=D(wage),
            funding_source=FundingSource.APBDES_ADD,
        )
    opd = make_unit(region="73.24", kind=UnitKind.OPD, name="Dinas Uji")
    make_membership(unit=opd, segment=Segment.NON_ASN, wage=D(3_000_000))


def test_budget_needs_a_sign_in() -> None:
    for url in (BUDGET, BUDGET_XLSX):
        response = Client().get(url, {"region": "73.24", "year": "2027"})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_budget_form_defaults_to_the_users_region_and_next_year() -> None:
    client = as_user(make_user(role=Role.ADMIN_KABUPATEN, region="73.24"))
    response = client.get(BUDGET)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial == {"region": "73.24", "year": timezone.localdate().year + 1}
    assert response.context["plan"] is None
    codes = [value for value, _ in form.fields["region"].widget.choices]
    assert codes[0] == "73.24" and "73.24.04" in codes and "73.25" not in codes


def test_budget_regions_follow_the_scope() -> None:
    desa_unit = make_unit(region="73.24.04.2001", kind=UnitKind.PEMERINTAH_DESA)
    office = make_branch_office(regions=("73.24", "73.26"))
    assert access.regions_plannable_by(make_user(role=Role.SUPERADMIN)) is None
    assert [
        r.code
        for r in access.regions_plannable_by(make_user(role=Role.OPERATOR_DESA, unit=desa_unit))
        or []
    ] == ["73.24.04.2001"]
    camat = access.regions_plannable_by(make_user(role=Role.CAMAT, region="73.24.04")) or []
    assert [r.code for r in camat] == ["73.24.04"]
    bpjs = [
        r.code
        for r in access.regions_plannable_by(
            make_user(role=Role.PETUGAS_BPJS, branch_office=office)
        )
        or []
    ]
    assert bpjs[0] == "73.24" and "73.26" in bpjs and "73.24.04" in bpjs


def test_budget_page_total_equals_budget_plan(desa: Region) -> None:
    _village(desa)
    admin = make_user(role=Role.ADMIN_KABUPATEN, region="73.24")
    before = AuditEvent.objects.count()
    response = as_user(admin).get(
        BUDGET,
        {
            "region": "73.24",
            "year": "2027",
            "village_posts": "on",
            "non_asn": "on",
            "continuing": "on",
            "rentan_per_desa": "2",
            "rentan_income": "Rp1.000.000",
        },
    )
    assert response.status_code == 200
    plan = response.context["plan"]
    expected = budget_plan(
        user=admin,
        region=Region.objects.get(code="73.24"),
        year=2027,
        targets=Targets(rentan_per_desa=2, rentan_income=D(1_000_000)),
        params=active_parameters(),
        today=timezone.localdate(),
    )
    assert plan.total() == expected.total()
    assert plan.total(APBD) == expected.total(APBD)
    assert plan.total(APBDES) == expected.total(APBDES)
    # By hand: the desa's 3 posts (2 and 3 juta held, the vacant one at their average 2.5 juta)
    # cost 10,800 + 16,200 + 13,500 = 40,500 a month; the non-ASN at 3 juta 16,200 a month
    # (APBD); 2 pekerja rentan in each current desa of Luwu Timur at 16,800 a month (APBDes).
    desa_count = Region.objects.filter(
        code__startswith="73.24.", kind=RegionKind.DESA, valid_to__isnull=True
    ).count()
    assert plan.total(APBD) == D(16_200 * 12)
    assert plan.total(APBDES) == D(40_500 * 12) + D(desa_count * 2 * 16_800 * 12)
    page = html(response)
    assert f'data-total="Jumlah">Rp{int(plan.total()):,}'.replace(",", ".") in page
    assert page.count('class="chart-bar chart-bar-apbd"') == 12
    assert page.count('class="chart-bar chart-bar-apbdes"') == 12
    assert "Data grafik sebagai tabel" in page
    assert AuditEvent.objects.count() == before  # aggregates only: nothing to log


def test_budget_xlsx_has_the_three_sheets(desa: Region) -> None:
    _village(desa)
    client = as_user(make_user(role=Role.ADMIN_KABUPATEN, region="73.24"))
    response = client.get(BUDGET_XLSX, {"region": desa.code, "year": "2027", "village_posts": "on"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"] == (
        f'attachment; filename="rencana-anggaran-{desa.code}-2027.xlsx"'
    )
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Ringkasan", "Rincian", "Catatan"]
    # Only village posts: 40,500 a month for the desa, 486,000 in the year.
    totals = [
        row
        for row in book["Ringkasan"].iter_rows(values_only=True)
        if row[2] == "Jumlah seluruhnya"
    ]
    assert totals[0][17] == 486_000


def test_budget_outside_the_scope_is_404(desa: Region) -> None:
    desa_unit = make_unit(region=desa.code, kind=UnitKind.PEMERINTAH_DESA)
    operator = as_user(make_user(role=Role.OPERATOR_DESA, unit=desa_unit))
    assert operator.get(BUDGET, {"region": desa.code, "year": "2027"}).status_code == 200
    assert operator.get(BUDGET, {"region": "73.24", "year": "2027"}).status_code == 404
    assert operator.get(BUDGET_XLSX, {"region": "73.24", "year": "2027"}).status_code == 404
    admin = as_user(make_user(role=Role.ADMIN_KABUPATEN, region="73.24"))
    assert admin.get(BUDGET, {"region": "74.05", "year": "2027"}).status_code == 404
    superadmin = as_user(make_user(role=Role.SUPERADMIN))
    assert superadmin.get(BUDGET, {"region": "74.05", "year": "2027"}).status_code == 200


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"year": "tahun depan"}, "Tulis tahun sebagai empat angka"),
        ({"year": "1999"}, "lebih besar dari atau sama dengan 2016"),
        ({"year": "99999999999999999999"}, "lebih kecil dari atau sama dengan 2100"),
        ({"year": "2090"}, "di luar jangkauan"),
        ({"rentan_per_desa": "-3"}, "lebih besar dari atau sama dengan 0"),
        ({"rentan_income": "sejuta"}, "Tulis jumlah rupiah utuh"),
        ({"region": "99.99"}, "Kode wilayah tidak dikenal."),
        ({"region": "bukan kode"}, "Kode wilayah tidak dikenal."),
        ({"region": ""}, "Pilih atau isi kode wilayah."),
    ],
)
def test_odd_budget_input_shows_a_message(params: dict[str, Any], message: str) -> None:
    client = as_user(make_user(role=Role.SUPERADMIN))
    response = client.get(BUDGET, {"region": "73.24", "year": "2027", **params})
    assert response.status_code == 200
    assert response.context["plan"] is None
    assert message in html(response)


def test_budget_refusal_from_the_planner_is_shown(desa: Region) -> None:
    pemdes = make_unit(region=desa.code, kind=UnitKind.PEMERINTAH_DESA)
    UnitFormation.objects.create(
        unit=pemdes, segment=Segment.BPD, posts=5, valid_from=dt.date(2022, 1, 1)
    )
    client = as_user(make_user(role=Role.SUPERADMIN))
    response = client.get(BUDGET, {"region": desa.code, "year": "2027", "village_posts": "on"})
    assert response.status_code == 200
    assert "Rencana tidak dapat dihitung:" in html(response)
    assert "isi upah acuan untuk formasi kosong" in html(response)
    with_wage = client.get(
        BUDGET,
        {"region": desa.code, "year": "2027", "village_posts": "on", "reference_wage": "1.000.000"},
    )
    # 5 BPD posts at the reference wage: 5 x (2,400 + 3,000) = 27,000 a month.
    assert with_wage.context["plan"].total() == D(27_000 * 12)


def test_chart_axis_is_round_and_bars_scale_to_it() -> None:
    apbd = [D(4_240_000)] * 2 + [D(2_120_000)] * 10
    chart = monthly_bar_chart([("apbd", apbd), ("apbdes", [D(0)] * 12)])
    # A peak of 4.24 juta: steps of 2 juta up to 6 juta; the plot is 272 - 12 = 260 units high.
    assert [t.label for t in chart.ticks] == ["Rp0", "Rp2 jt", "Rp4 jt", "Rp6 jt"]
    assert (chart.ticks[0].y, chart.ticks[-1].y) == (272, 12)
    first, march = chart.bars[0], chart.bars[2]
    assert (first.series, first.month, first.height) == ("apbd", "Jan", round(260 * 4.24 / 6, 1))
    assert march.height == round(260 * 2.12 / 6, 1)
    assert chart.bars[12].height == 0 and chart.bars[12].series == "apbdes"
    assert short_rupiah(D(1_250_000_000)) == "Rp1,25 M"
    assert short_rupiah(D(900_000)) == "Rp900 rb"
