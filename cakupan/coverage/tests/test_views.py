"""Coverage pages: each role's home, drill-down and league pages, follow-up lists, scope, bad input.

The hand-counted world of ``conftest``; "today" is frozen on 2024-06-30 (``ON``) by asking for it.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from cakupan.accounts.models import AuditEvent, Role
from cakupan.coverage.models import Denominator, ParticipantCount
from cakupan.coverage.tests.conftest import HARAPAN, LAMPENAI, LASKAP, ON, World
from cakupan.testing.factories import make_branch_office, make_user

D = dt.date
MALILI, WOTU = "73.24.04", "73.24.06"
Q = {"on": ON.isoformat()}


def region(code: str) -> str:
    return reverse("coverage:region", kwargs={"code": code})


def login(client: Client, **kwargs: object) -> Client:
    client.force_login(make_user(**kwargs))  # type: ignore[arg-type]
    return client


def _ucj(world: World) -> None:
    Denominator.objects.create(
        region_id="73.24",
        kind="potential_workers",
        valid_from=D(2022, 1, 1),
        value=113_120,
        source="BPJS",
    )
    ParticipantCount.objects.create(
        region_id="73.24",
        as_of=D(2024, 5, 31),
        pu=30_000,
        bpu=20_000,
        construction=4_637,
        source="KC",
    )


# --- home by role --------------------------------------------------------------------------------


def test_superadmin_home_shows_the_provinces(world: World, client: Client) -> None:
    response = login(client, role=Role.SUPERADMIN).get(reverse("registry:home"), Q)
    assert response.status_code == 200
    assert response.context["place"].is_nation
    rows = response.context["rows"]
    assert len(rows) == 38
    sulsel = next(r for r in rows if r.place.code == "73")
    assert sulsel.measures.active == 12  # 11 in Luwu Timur, 1 in Bulukumba
    assert "Peringkat provinsi" in response.content.decode()


def test_admin_kabupaten_home_is_the_kabupaten_with_its_kecamatan(
    world: World, client: Client
) -> None:
    _ucj(world)
    response = login(client, role=Role.ADMIN_KABUPATEN, region="73.24").get(
        reverse("registry:home"), Q
    )
    ctx = response.context
    assert (ctx["place"].code, ctx["person_count"], ctx["membership_count"]) == ("73.24", 14, 14)
    cards = {c["indicator"].code: c["figure"] for c in ctx["cards"]}
    assert (cards["ucj"].numerator, cards["ucj"].denominator, str(cards["ucj"].percent)) == (
        54_637,
        113_120,
        "48.3",
    )
    assert [r.place.code for r in ctx["rows"]][:2] == ["73.24.01", "73.24.02"]
    html = response.content.decode()
    assert "48,3%" in html
    assert "Aparat desa dan BPD terlindungi: <strong>6</strong> orang di 2 dari 125 desa." in html
    assert "formasi belum dicatat" in html  # BPD, lembaga desa ... have no posts recorded
    assert "formasi belum diisi" not in html
    assert "nonaktif dan berakhir dihitung hanya sampai tanggal berakhirnya" in html


def test_camat_home_is_the_kecamatan_with_its_desa(world: World, client: Client) -> None:
    response = login(client, role=Role.CAMAT, region=MALILI).get(reverse("registry:home"), Q)
    ctx = response.context
    assert ctx["place"].code == MALILI
    codes = [r.place.code for r in ctx["rows"]]
    assert len(codes) == 15  # 14 desa and a kelurahan
    assert all(c.startswith(f"{MALILI}.") for c in codes)
    html = response.content.decode()
    assert WOTU not in html
    assert "Lampenai" not in html
    # 13 of the 14 desa have no protected official (Harapan has); the kelurahan is not marked.
    assert html.count('class="row-empty"') == 13


def test_desa_operator_home_is_the_desa(world: World, client: Client) -> None:
    response = login(client, role=Role.OPERATOR_DESA, unit=world.pemdes_harapan).get(
        reverse("registry:home"), Q
    )
    ctx = response.context
    assert (ctx["place"].code, ctx["measures"].active, ctx["rows"]) == (HARAPAN, 4, [])
    assert ctx["unit"] == world.pemdes_harapan


def test_opd_operator_home_shows_the_units_posts_and_people(world: World, client: Client) -> None:
    response = login(client, role=Role.OPERATOR_OPD, unit=world.opd).get(
        reverse("registry:home"), Q
    )
    ctx = response.context
    assert ctx["unit_measures"].by_segment == {"non_asn": 3}
    row = next(r for r in ctx["segments"] if r["value"] == "non_asn")
    assert (row["active"], row["posts"].posts, row["posts"].filled, str(row["percent"])) == (
        3,
        2,
        2,
        "100.0",
    )
    assert "cards" not in ctx


def test_bpjs_officer_home(world: World, client: Client) -> None:
    one = make_branch_office(regions=("73.24",))
    response = login(client, role=Role.PETUGAS_BPJS, branch_office=one).get(
        reverse("registry:home"), Q
    )
    assert response.context["place"].code == "73.24"
    client.logout()
    two = make_branch_office(regions=("73.24", "73.02"), name="Kantor Cabang Gabungan")
    response = login(client, role=Role.PETUGAS_BPJS, branch_office=two).get(
        reverse("registry:home"), Q
    )
    assert [r["place"].code for r in response.context["branch_rows"]] == ["73.02", "73.24"]


# --- drill-down ----------------------------------------------------------------------------------


def test_the_on_selector_works(world: World, client: Client) -> None:
    c = login(client, role=Role.SUPERADMIN)
    before = c.get(region(LASKAP), {"on": "2024-06-30"}).context["measures"]
    after = c.get(region(LASKAP), {"on": "2024-07-01"}).context["measures"]
    assert (before.segment("perangkat_desa"), after.segment("perangkat_desa")) == (0, 1)
    bad = c.get(region(LASKAP), {"on": "2024-02-30"})
    assert bad.status_code == 200
    assert "Tulis tanggal yang ada" in bad.content.decode()


def test_kecamatan_table_sorts_by_each_indicator(world: World, client: Client) -> None:
    c = login(client, role=Role.SUPERADMIN)
    response = c.get(region("73.24"), {**Q, "sort": "desa_officials", "dir": "desc"})
    assert [r.place.code for r in response.context["rows"]][:2] == [MALILI, WOTU]
    response = c.get(region("73.24"), {**Q, "sort": "active", "dir": "asc"})
    assert [r.place.code for r in response.context["rows"]][-2:] == [WOTU, MALILI]
    response = c.get(region("73.24"), {**Q, "sort": "bukan-indikator"})
    assert response.context["sort"] == ""


def test_charts_are_svg_with_a_table(world: World, client: Client) -> None:
    _ucj(world)
    html = login(client, role=Role.SUPERADMIN).get(region("73.24"), Q).content.decode()
    assert html.count("<svg") == 3  # the indicator's trend, protected memberships, segments
    assert "<polyline" in html
    assert "Data grafik sebagai tabel" in html
    assert not re.search(r"\sstyle=", html)
    assert "<script" not in html.split("</head>")[1]  # no chart library, no inline script


def test_empty_states_never_divide_by_zero(world: World, client: Client) -> None:
    c = login(client, role=Role.SUPERADMIN)
    response = c.get(region("72.05"), Q)  # Buol: nothing at all in this world
    html = response.content.decode()
    assert "Belum ada data" in html
    cards = {card["indicator"].code: card["figure"] for card in response.context["cards"]}
    assert (cards["ucj"].percent, cards["ucj"].status) == (None, "no_denominator")
    assert '<span class="figure-none">belum ada data pembanding</span>' in html
    assert '<span class="figure-none">formasi belum dicatat</span>' in html
    # 0 of Buol's desa have a protected official: a real 0.0%, with its counts.
    assert (cards["desa_officials"].numerator, str(cards["desa_officials"].percent)) == (0, "0.0")
    early = c.get(region("73.24"), {"on": "2010-01-01"}).content.decode()
    assert "Kepesertaan pertama di wilayah ini mulai 01-01-2022" in early


@pytest.mark.parametrize("url", ["99/", "73.99/", "7324/", "73.24.04.2001/peringkat/", "73.24/x/"])
def test_unknown_regions_are_404(world: World, client: Client, url: str) -> None:
    response = login(client, role=Role.SUPERADMIN).get(f"/cakupan/{url}")
    assert response.status_code == 404


def test_scope_camat_gets_404_outside_the_kecamatan(world: World, client: Client) -> None:
    c = login(client, role=Role.CAMAT, region=MALILI)
    for code in ("73.24", WOTU, LAMPENAI, "73"):
        assert c.get(region(code), Q).status_code == 404, code
    assert c.get(reverse("coverage:followup", kwargs={"code": WOTU})).status_code == 404
    assert c.get(reverse("coverage:league", kwargs={"code": "73"})).status_code == 404
    assert c.get(reverse("coverage:nation"), Q)["Location"] == f"{region(MALILI)}?on={ON}"
    assert c.get(region(HARAPAN), Q).status_code == 200
    assert client.get(region(MALILI)).status_code == 200


def test_anonymous_users_are_sent_to_login(world: World, client: Client) -> None:
    response = client.get(region("73.24"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- league table --------------------------------------------------------------------------------


def test_province_league_table(world: World, client: Client) -> None:
    _ucj(world)
    ParticipantCount.objects.create(
        region_id="73.24",
        as_of=D(2024, 4, 30),
        pu=29_000,
        bpu=20_000,
        construction=4_637,
        source="KC",
    )
    response = login(client, role=Role.SUPERADMIN).get(
        reverse("coverage:league", kwargs={"code": "73"}), {**Q, "indicator": "ucj"}
    )
    rows = response.context["rows"]
    assert len(rows) == 24
    first = rows[0]
    assert (first["row"].place.code, first["row"].rank, str(first["figure"].percent)) == (
        "73.24",
        1,
        "48.3",
    )
    # A month earlier (2024-05-30) the April count applied: 53,637 of 113,120 = 47.4%.
    assert str(first["change"]) == "0.9"
    assert all(r["row"].rank is None for r in rows[1:])
    assert "+0,9 poin" in response.content.decode()


def test_league_without_data_explains(world: World, client: Client) -> None:
    html = (
        login(client, role=Role.SUPERADMIN)
        .get(reverse("coverage:nation_league"), Q)
        .content.decode()
    )
    assert (
        "Belum ada data pembanding untuk Universal Coverage Jamsostek (UCJ) per 30-06-2024" in html
    )


# --- follow-up lists -----------------------------------------------------------------------------


def test_camat_follow_up_page_and_download(world: World, client: Client) -> None:
    c = login(client, role=Role.CAMAT, region=MALILI)
    response = c.get(reverse("coverage:followup", kwargs={"code": MALILI}), Q)
    lists = response.context["lists"]
    assert len(lists["desa_without_officials"].rows) == 13
    html = response.content.decode()
    assert "Laskap" in html
    assert "Lampenai" not in html
    xlsx = c.get(reverse("coverage:followup_xlsx", kwargs={"code": MALILI}), Q)
    assert (
        xlsx["Content-Disposition"] == 'attachment; filename="tindak-lanjut-732404-20240630.xlsx"'
    )
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True)
    desa = [row[0] for row in book["Desa tanpa aparat"].iter_rows(min_row=2, values_only=True)]
    assert len(desa) == 13
    assert all(code.startswith(f"{MALILI}.") for code in desa)
    # The download names nobody (desa and units only), and is logged all the same, with its size.
    [export] = AuditEvent.objects.filter(action="export", entity="registry.membership")
    assert export.after is not None
    assert export.after["shown"] == []
    assert export.after["rows"] == sum(len(found.rows) for found in lists.values())


def test_follow_up_lists_of_people_are_logged(world: World, client: Client) -> None:
    from cakupan.registry.models import MembershipStatus, Segment
    from cakupan.testing.factories import make_membership

    ending = make_membership(
        unit=world.pemdes_lampenai,
        segment=Segment.PERANGKAT_DESA,
        start_date=D(2023, 1, 1),
        end_date=D(2024, 7, 15),
        status=MembershipStatus.ENDED,
    )
    c = login(client, role=Role.ADMIN_KABUPATEN, region="73.24")
    c.get(reverse("coverage:followup", kwargs={"code": "73.24"}), Q)
    c.get(reverse("coverage:followup_xlsx", kwargs={"code": "73.24"}), Q)
    events = AuditEvent.objects.filter(entity="registry.membership", entity_id="*").order_by("id")
    assert [(e.action, (e.after or {})["shown"]) for e in events] == [
        ("view", [ending.pk]),
        ("export", [ending.pk]),
    ]
    assert events[1].after is not None
    assert events[1].after["format"] == "xlsx"
    assert events[1].after["filter"] == "wilayah=73.24; on=2024-06-30"


@pytest.mark.parametrize("name", ["coverage:followup", "coverage:followup_xlsx"])
@pytest.mark.parametrize("on", ["1900-01-01", "2000-01-01"])
def test_follow_up_before_the_regulation_data_is_400_naming_the_parameter(
    world: World, client: Client, name: str, on: str
) -> None:
    """The BPU grace period has no value before its regulation: the lists cannot be built for
    that date, and the page says so instead of failing."""
    c = login(client, role=Role.CAMAT, region=MALILI)
    response = c.get(reverse(name, kwargs={"code": MALILI}), {"on": on})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Daftar tindak lanjut tidak dapat disusun per tanggal itu." in html
    assert "bpu.grace_months" in html
