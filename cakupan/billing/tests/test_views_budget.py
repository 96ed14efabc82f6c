"""Budget planner pages: sign-in, the scope's regions, figures equal to ``budget_plan``, XLSX."""

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
from cakupan.accounts.models import AuditEvent, Role
from cakupan.billing.budget import APBD, APBDES, Targets, budget_plan
from cakupan.billing.tests.test_views_bills import as_user, html
from cakupan.parameters.selectors import active_parameters
from cakupan.registry.models import FundingSource, Scheme, Segment, UnitFormation, UnitKind
from cakupan.testing.factories import make_branch_office, make_membership, make_unit, make_user
from cakupan.wilayah.models import Region, RegionKind

pytestmark = pytest.mark.django_db

D = Decimal
BUDGET = reverse("billing:budget")
BUDGET_XLSX = reverse("billing:budget_xlsx")


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
    # The summary comes first: the burden per target and budget adds up to the plan.
    rows = {r["source"]: r for r in response.context["by_source"]}
    assert {k: (r["apbd"], r["apbdes"]) for k, r in rows.items()} == {
        "formasi": (D(0), D(40_500 * 12)),
        "non_asn": (D(16_200 * 12), D(0)),
        "rentan": (D(0), D(desa_count * 2 * 16_800 * 12)),
    }
    assert sum(r["total"] for r in rows.values()) == plan.total()
    assert page.index("Beban anggaran per sasaran dan sumber dana") < page.index(
        "Per pembayar dan bulan"
    )
    # The chart shows the targets and the payers, not twelve equal months.
    assert [b["label"] for b in response.context["source_bars"]] == [
        "Formasi perangkat desa dan BPD",
        "Pegawai non-ASN",
        "Pekerja rentan",
    ]
    assert page.count("<progress") == len(rows) + len(response.context["payer_bars"])
    assert "Beban per bulan (tabel)" in page
    # The 17 columns: the payer column stays in place while the months scroll.
    assert 'class="data budget-table sticky-first"' in page
    assert AuditEvent.objects.count() == before  # aggregates only: nothing to log


def test_each_legal_basis_is_named_once() -> None:
    from cakupan.billing.budget.views import _legal_bases

    assert _legal_bases(
        [
            "Dasar perhitungan: PP 44/2015",
            "Dasar perhitungan: PP 44/2015 Lampiran",
            "Dasar perhitungan: PP 44/2015 Lampiran I",
            "Dasar perhitungan: PP 45/2015 Pasal 29; PP 44/2015 Lampiran I",
            "Batas upah JP untuk tahun 2027 belum terbit; dipakai nilai terakhir (2026).",
        ]
    ) == [
        "Dasar perhitungan: PP 44/2015 (Lampiran, Lampiran I)",
        "Dasar perhitungan: PP 45/2015 (Pasal 29)",
        "Batas upah JP untuk tahun 2027 belum terbit; dipakai nilai terakhir (2026).",
    ]


def test_who_pays_for_pekerja_rentan_is_said_alike_in_the_help_and_the_result(
    desa: Region,
) -> None:
    """Rentan already registered stay with the payer they have (here an OPD: APBD); the rest of
    the target per desa is paid from the desa's APBDes. The form and the result both say so."""
    opd = make_unit(region="73.24", kind=UnitKind.OPD, code="7324-NAKER", name="Disnaker Uji")
    group = make_unit(region=desa.code, kind=UnitKind.KELOMPOK_RENTAN, code="KR-UJI")
    group.payer = opd
    group.save()
    make_membership(
        unit=group,
        segment=Segment.PEKERJA_RENTAN,
        scheme=Scheme.BPU,
        programmes=["jkk", "jkm"],
        wage=D(1_000_000),
        risk_class=None,
        start_date=dt.date(2025, 1, 1),
    )
    admin = make_user(role=Role.ADMIN_KABUPATEN, region="73.24")
    response = as_user(admin).get(
        BUDGET,
        {"region": desa.code, "year": "2027", "rentan_per_desa": "3", "continuing": "on"},
    )
    rentan = response.context["rentan"]
    assert (rentan["heads_apbd"], rentan["heads_apbdes"]) == (1, 2)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html(response)))
    assert "tetap dibayar pembayarnya sekarang (APBD bila lewat dinas)" in text  # the help
    assert (
        "Pekerja rentan: 1 orang yang sudah terdaftar tetap dibayar pembayarnya sekarang dari "
        "APBD; 2 orang dibayar APBDes desanya"
    ) in text


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
