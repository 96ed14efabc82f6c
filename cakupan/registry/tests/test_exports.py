"""List exports (issue 12, item 2): every list page as CSV and XLSX, exactly the rows its filters
give, in the user's scope, NIK as 16-digit text, formula injection escaped, masked for the roles
that read NIK masked, one access-log row per download, over the row limit refused.

Registry, billing, claims and coverage pages in one module: they share the route world
(``cakupan.testing.routes``, Kecamatan Malili) plus a person in Konawe Selatan nobody of Luwu
Timur may see, a person whose name is a formula, a draft enrolment and a lapsed membership. The
last test walks every export as every role and scans the files for NIKs outside the role's scope.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import AuditEvent, Role, User
from cakupan.billing.models import MembershipLapse
from cakupan.billing.services import billing_run
from cakupan.claims.models import ScholarshipInstalment
from cakupan.registry import selectors
from cakupan.registry.models import Membership, MembershipStatus, Person, Scheme, Segment
from cakupan.testing.factories import make_membership, make_person, make_unit
from cakupan.testing.routes import RouteWorld, module_world

D = dt.date
INJECTED = "=cmd|' /C calc'!A0"
NIK_RUN = re.compile(r"(?<![0-9])[0-9]{16}(?![0-9])")
pytestmark = pytest.mark.django_db


@dataclass
class Extras:
    outsider: Person  # Konawe Selatan: out of every Luwu Timur scope
    injected: Person  # a name that is a formula, enrolled in the world's pemerintah desa
    drafted: Person  # only a draft membership: a BPJS officer reads the NIK masked
    lapsed: Person  # a BPU membership lapsed for arrears


@pytest.fixture(scope="module")
def export_world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RouteWorld, Extras]]:
    with module_world(django_db_blocker, tmp_path_factory.mktemp("export-files")) as world:
        pemdes = Membership.objects.get(pk=world.ids["membership"]).unit
        konsel = make_unit(region="74.05", code="OPD-KONSEL-UJI", name="Dinas Konawe Selatan")
        outsider = make_person(name="Orang Konawe", district="74.05.01")
        make_membership(person=outsider, unit=konsel, start_date=D(2023, 1, 1))
        injected = make_person(name=INJECTED, phone="081234567890")
        make_membership(
            person=injected, unit=pemdes, segment=Segment.BPD, start_date=D(2023, 1, 1),
            wage=Decimal(2_850_000),
        )  # fmt: skip
        drafted = make_person(name="Calon Draf")
        make_membership(
            person=drafted, unit=pemdes, segment=Segment.LEMBAGA_DESA, start_date=D(2024, 1, 1),
            status=MembershipStatus.DRAFT,
        )  # fmt: skip
        lapsed = make_person(name="Nelayan Menunggak")
        rentan = make_unit(region="73.24.04.2001", code="RENTAN-UJI", name="Kelompok Nelayan")
        bpu = make_membership(
            person=lapsed, unit=rentan, segment=Segment.PEKERJA_RENTAN, scheme=Scheme.BPU,
            start_date=D(2023, 1, 1), end_date=D(2023, 12, 31), status=MembershipStatus.ENDED,
            wage=Decimal(1_000_000),
        )  # fmt: skip
        MembershipLapse.objects.create(
            membership=bpu, lapsed_on=D(2024, 4, 1), last_paid_month=D(2023, 12, 1),
            oldest_unpaid_month=D(2024, 1, 1), reason="Tiga bulan menunggak", checked_on=D(2024, 4, 1),
        )  # fmt: skip
        billing_run(
            actor=Actor.system(source="cli", label="uji"), month=D(2024, 1, 1), region_code="74.05"
        )
        yield world, Extras(outsider, injected, drafted, lapsed)


@pytest.fixture(autouse=True)
def indonesian() -> Iterator[None]:
    with translation.override("id"):
        yield


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def body(response: Any) -> bytes:
    assert response.status_code == 200, response.status_code
    if not response.streaming:  # the follow-up workbook, built in memory
        return bytes(response.content)
    return b"".join(response.streaming_content)


def csv_rows(response: Any) -> list[list[str]]:
    data = body(response)
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def xlsx_sheet(response: Any) -> Any:
    book = openpyxl.load_workbook(io.BytesIO(body(response)))
    return book.worksheets[0]


def exports_of(entity: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="export", entity=entity).order_by("id"))


def after(event: AuditEvent) -> dict[str, Any]:
    assert isinstance(event.after, dict)
    return event.after


def admin(world: RouteWorld) -> User:
    return world.users_in[Role.ADMIN_KABUPATEN]


# --- people and memberships ---------------------------------------------------------------------


def test_people_csv_is_the_searched_list_with_the_formula_escaped_and_one_log_row(
    export_world: tuple[RouteWorld, Extras],
) -> None:
    world, extras = export_world
    client = client_of(admin(world))
    searched = client.post(reverse("registry:person_list"), {"_cari": "1", "q": "cmd"})
    assert searched.status_code == 303
    page = client.get(searched["Location"])
    link = page.context["downloads"]["csv"]
    assert "cari=" in link and "unduh=csv" in link and "q=" not in link.replace("cari=", "")
    rows = csv_rows(client.get(link))
    assert rows[0][:3] == ["Nama", "NIK", "Jenis kelamin"]
    assert rows[1:] == [
        [
            "'" + INJECTED, extras.injected.nik, "Laki-laki", "17-08-1985",
            "", "", "081234567890", "",
        ]
    ]  # fmt: skip
    [event] = exports_of("registry.person")
    assert event.entity_id == "*"
    assert event.after == {
        "rows": 1, "format": "csv", "filter": "pencarian: cmd", "shown": [extras.injected.pk],
    }  # fmt: skip
    assert event.note == "daftar orang; unduh CSV, 1 baris; pencarian: cmd"


def test_a_nik_searched_for_is_logged_masked_and_hashed(
    export_world: tuple[RouteWorld, Extras],
) -> None:
    world, extras = export_world
    client = client_of(admin(world))
    searched = client.post(
        reverse("registry:person_list"), {"_cari": "1", "q": extras.injected.nik}
    )
    link = client.get(searched["Location"]).context["downloads"]["xlsx"]
    assert extras.injected.nik not in link
    sheet = xlsx_sheet(client.get(link))
    assert [c.value for c in sheet[2]][:2] == ["'" + INJECTED, extras.injected.nik]
    [event] = exports_of("registry.person")
    assert extras.injected.nik not in event.note + str(after(event)["filter"])
    assert f"{extras.injected.nik[:4]}********{extras.injected.nik[-4:]}#" in event.note


def test_people_xlsx_holds_exactly_the_scope_with_nik_as_text(
    export_world: tuple[RouteWorld, Extras],
) -> None:
    world, extras = export_world
    user = admin(world)
    response = client_of(user).get(reverse("registry:person_list"), {"unduh": "xlsx"})
    assert response["Content-Disposition"].startswith('attachment; filename="orang-')
    sheet = xlsx_sheet(response)
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    expected = list(selectors.person_search(user=user).values_list("name", flat=True))
    assert names == [("'" + n if n.startswith("=") else n) for n in expected]
    assert "Orang Konawe" not in names
    assert sheet.freeze_panes == "A2"
    for row in sheet.iter_rows(min_row=2):
        nik = row[1]
        assert nik.data_type == "s"
        assert isinstance(nik.value, str) and len(nik.value) == 16 and nik.value.isdigit()
    [event] = exports_of("registry.person")
    assert after(event)["rows"] == len(expected)
    assert after(event)["format"] == "xlsx"
    assert after(event)["filter"] == ""
    assert extras.outsider.pk not in after(event)["shown"]


def test_membership_downloads_follow_the_segment_and_status_filters(
    export_world: tuple[RouteWorld, Extras],
) -> None:
    world, _extras = export_world
    user = admin(world)
    client = client_of(user)
    filters = {"segment": Segment.BPD, "status": MembershipStatus.ACTIVE}
    page = client.get(reverse("registry:membership_list"), filters)
    for fmt in ("csv", "xlsx"):
        assert f"segment=bpd&status=active&unduh={fmt}" in page.context["downloads"][fmt]
    rows = csv_rows(client.get(page.context["downloads"]["csv"]))
    expected = selectors.membership_search(user=user, segment=Segment.BPD, status="active")
    assert [r[0] for r in rows[1:]] == [
        ("'" + m.person.name if m.person.name.startswith("=") else m.person.name) for m in expected
    ]
    assert rows[1][5] == "Badan Permusyawaratan Desa (BPD)"
    sheet = xlsx_sheet(client.get(page.context["downloads"]["xlsx"]))
    wage = sheet.cell(row=2, column=11)
    assert wage.value == 2_850_000 and wage.data_type == "n"  # money stays a number
    events = exports_of("registry.membership")
    assert [(after(e)["format"], after(e)["rows"], after(e)["filter"]) for e in events] == [
        ("csv", len(expected), "segment=bpd; status=active"),
        ("xlsx", len(expected), "segment=bpd; status=active"),
    ]


def test_read_only_roles_get_nik_phone_and_wage_masked_bpjs_per_person(
    export_world: tuple[RouteWorld, Extras],
) -> None:
    world, extras = export_world
    for role in (Role.PIMPINAN, Role.CAMAT):
        rows = csv_rows(
            client_of(world.users_in[role]).get(
                reverse("registry:membership_list"), {"unduh": "csv"}
            )
        )
        assert rows[1:], role
        for row in rows[1:]:
            assert re.fullmatch(r"[0-9]{4}\*{8}[0-9]{4}", row[1]), row
            assert row[10] == "Rp •••"
    rows = csv_rows(
        client_of(world.users_in[Role.PETUGAS_BPJS]).get(
            reverse("registry:person_list"), {"unduh": "csv"}
        )
    )
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["Calon Draf"][1] == extras.drafted.nik[:4] + "********" + extras.drafted.nik[-4:]
    assert by_name["'" + INJECTED][1] == extras.injected.nik
    assert by_name["'" + INJECTED][6] == "081234567890"


def test_an_export_past_the_row_limit_is_refused_naming_the_limit(
    export_world: tuple[RouteWorld, Extras], settings: Any
) -> None:
    world, _extras = export_world
    settings.EXPORT_MAX_ROWS = 2
    client = client_of(admin(world))
    for fmt in ("csv", "xlsx"):
        refused = client.get(reverse("registry:membership_list"), {"segment": "", "unduh": fmt})
        assert refused.status_code == 303
        assert refused["Location"] == reverse("registry:membership_list") + "?segment="
        page = client.get(refused["Location"])
        [message] = [str(m) for m in page.context["messages"]]
        assert message.startswith("Unduhan dibatasi 2 baris; daftar ini ")
    assert exports_of("registry.membership") == []
    settings.EXPORT_MAX_ROWS = 1_100_000
    assert len(csv_rows(client.get(reverse("registry:membership_list"), {"unduh": "csv"}))) > 3


# --- billing ------------------------------------------------------------------------------------


def test_bill_list_downloads_the_filtered_bills_of_the_scope(
    export_world: tuple[RouteWorld, Extras],
) -> None:
    world, _extras = export_world
    rows = csv_rows(client_of(admin(world)).get(reverse("billing:bill_list"), {"unduh": "csv"}))
    assert rows[0][:3] == ["Bulan iuran", "Kode pembayar", "Pembayar"]
    assert [r[1] for r in rows[1:]] == ["PEMDES-UJI"]
    assert rows[1][0] == "01-01-2024"
    other = csv_rows(
        client_of(world.users_out[Role.ADMIN_KABUPATEN]).get(
            reverse("billing:bill_list"), {"month": "01-2024", "unduh": "csv"}
        )
    )
    assert [r[1] for r in other[1:]] == ["OPD-KONSEL-UJI"]
    none = csv_rows(
        client_of(admin(world)).get(
            reverse("billing:bill_list"), {"status": "paid", "unduh": "csv"}
        )
    )
    assert none[1:] == []
    events = exports_of("billing.bill")
    assert [(after(e)["rows"], after(e)["filter"]) for e in events] == [
        (1, ""), (1, "month=01-2024"), (0, "status=paid"),
    ]  # fmt: skip


def test_lapsed_memberships_download_names_the_people_and_logs_them(
    export_world: tuple[RouteWorld, Extras],
) -> None:
    world, extras = export_world
    response = client_of(admin(world)).get(reverse("billing:arrears"), {"unduh": "xlsx"})
    sheet = xlsx_sheet(response)
    assert [c.value for c in sheet[2]][:2] == ["Nelayan Menunggak", extras.lapsed.nik]
    assert sheet.max_row == 2
    [event] = exports_of("registry.person")
    assert after(event)["shown"] == [extras.lapsed.pk]
    out = client_of(world.users_out[Role.ADMIN_KABUPATEN])
    assert csv_rows(out.get(reverse("billing:arrears"), {"unduh": "csv"}))[1:] == []


# --- claims -------------------------------------------------------------------------------------


def test_claim_downloads_list_overdue_and_scholarships(
    export_world: tuple[RouteWorld, Extras],
) -> None:
    world, _extras = export_world
    deceased = Person.objects.get(pk=world.ids["person"])
    client = client_of(admin(world))
    rows = csv_rows(client.get(reverse("claims:claim_list"), {"unduh": "csv"}))
    assert [(r[0], r[3], r[4]) for r in rows[1:]] == [
        (world.names["claim"], deceased.name, deceased.nik)
    ]
    assert (
        csv_rows(client.get(reverse("claims:claim_list"), {"status": "paid", "unduh": "csv"}))[1:]
        == []
    )
    overdue = client.get(reverse("claims:overdue"))
    shown = overdue.context["count"]
    rows = csv_rows(client.get(reverse("claims:overdue"), {"unduh": "csv"}))
    assert len(rows) - 1 == shown
    year = ScholarshipInstalment.objects.get(pk=world.ids["instalment"]).year
    sheet = xlsx_sheet(
        client.get(reverse("claims:instalments_due"), {"year": str(year), "unduh": "xlsx"})
    )
    assert [c.value for c in sheet[1]][:5] == [
        "Kabupaten/kota", "Nomor klaim", "Peserta", "Anak", "NIK anak",
    ]  # fmt: skip
    first = [c.value for c in sheet[2]]
    assert first[1:4] == [world.names["claim"], deceased.name, "Nur Anak Uji"]
    assert re.fullmatch(r"[0-9]{4}\*{8}[0-9]{4}", first[4])
    older = xlsx_sheet(client.get(reverse("claims:instalments_xlsx"), {"year": year}))
    assert [c.value for c in older[2]] == first
    assert [after(e)["format"] for e in exports_of("claims.heir")] == ["xlsx", "xlsx"]
    assert [e.note.split(";")[0] for e in exports_of("registry.person")] == [
        "daftar klaim", "daftar klaim", "klaim terlambat",
    ]  # fmt: skip


# --- coverage follow-up -------------------------------------------------------------------------


def test_follow_up_downloads_workbook_and_one_list_as_csv(
    export_world: tuple[RouteWorld, Extras],
) -> None:
    world, _extras = export_world
    client = client_of(admin(world))
    url = reverse("coverage:followup", kwargs={"code": "73.24"})
    page = client.get(url, {"on": "2024-06-30"})
    assert page.context["xlsx_url"] == f"{url}?on=2024-06-30&unduh=xlsx"
    lists = page.context["lists"]
    response = client.get(page.context["xlsx_url"])
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="tindak-lanjut-7324-20240630.xlsx"'
    )
    csv_url = page.context["csv_urls"]["desa_without_officials"]
    rows = csv_rows(client.get(csv_url))
    assert rows[0][:2] == ["Kode desa", "Desa"]
    assert len(rows) - 1 == len(lists["desa_without_officials"].rows)
    events = exports_of("registry.membership")
    total = sum(len(found.rows) for found in lists.values())
    assert [(after(e)["format"], after(e)["rows"]) for e in events] == [
        ("xlsx", total), ("csv", len(lists["desa_without_officials"].rows)),
    ]  # fmt: skip
    assert "daftar=desa_without_officials" in after(events[1])["filter"]


# --- the scan: no NIK leaves its scope through any export -------------------------------------


def _export_requests(world: RouteWorld) -> list[tuple[str, dict[str, Any]]]:
    years = sorted(set(ScholarshipInstalment.objects.values_list("year", flat=True)))
    requests: list[tuple[str, dict[str, Any]]] = [
        (reverse("registry:person_list"), {}),
        (reverse("registry:membership_list"), {}),
        (reverse("billing:bill_list"), {}),
        (reverse("billing:arrears"), {}),
        (reverse("claims:claim_list"), {}),
        (reverse("claims:overdue"), {}),
        *[(reverse("claims:instalments_due"), {"year": y}) for y in years],
    ]
    for code in ("73.24", "73.24.04", "74.05"):
        url = reverse("coverage:followup", kwargs={"code": code})
        requests.append((url, {"on": "2024-06-30"}))
        for key in ("memberships_ending", "bpu_lapsing"):
            requests.append((url, {"on": "2024-06-30", "daftar": key}))
    return requests


def _text(response: Any, fmt: str) -> str:
    data = body(response)
    if fmt == "csv":
        return data.decode("utf-8-sig")
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join(
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )


def test_no_export_of_any_role_holds_a_nik_outside_its_scope(
    export_world: tuple[RouteWorld, Extras],
) -> None:
    world, extras = export_world
    users = [*world.users_in.values(), *world.users_out.values()]
    requests = _export_requests(world)
    every_nik = set(Person.objects.values_list("nik", flat=True))
    scanned = 0
    for user in users:
        allowed = set(
            selectors.persons_visible_to(user)
            .annotate(full=selectors.full_data_annotation(user, "pk"))
            .filter(full=True)
            .values_list("nik", flat=True)
        )
        client = client_of(user)
        for url, params in requests:
            for fmt in ("csv", "xlsx"):
                query: dict[str, Any] = {**params, "unduh": fmt}
                response = client.get(url, query)
                if response.status_code in (403, 404):  # not this role's page, or region
                    continue
                found = set(NIK_RUN.findall(_text(response, fmt)))
                scanned += 1
                assert found <= allowed, (user.username, url, params, fmt, found - allowed)
                assert found <= every_nik
    assert scanned > 100
    # The scan saw NIKs where it should: the superadmin's people download holds every person.
    everyone = client_of(world.users_in[Role.SUPERADMIN]).get(
        reverse("registry:person_list"), {"unduh": "csv"}
    )
    assert set(NIK_RUN.findall(_text(everyone, "csv"))) == every_nik
    assert extras.outsider.nik in every_nik
