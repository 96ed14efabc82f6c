"""Bill, payment and arrears pages: scope (404), read-only roles (403), access log, downloads.

Bills come from a real ``services.billing_run``. Contribution months are counted back from today so
the due dates are in the past whatever day the suite runs. PU Rp3.000.000 with JKK class I and JKM:
7.200 + 9.000 = Rp16.200 per person and month (PP 44/2015 Lampiran I, DOMAIN.md 2.1).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import Action, AuditEvent, Role, User
from cakupan.billing import services
from cakupan.billing.models import Bill, BillStatus, Payment
from cakupan.common.dates import month_start, shift_month
from cakupan.registry.models import FundingSource, MembershipStatus, Scheme, Segment, Unit, UnitKind
from cakupan.testing.factories import (
    make_branch_office,
    make_membership,
    make_person,
    make_unit,
    make_user,
)

pytestmark = pytest.mark.django_db

D = Decimal
SYSTEM = Actor.system(source="cli", label="test")
LIST = reverse("billing:bill_list")
ARREARS = reverse("billing:arrears")


@dataclass
class World:
    opd: Unit
    other: Unit
    admin: User
    operator: User
    pimpinan: User
    bpjs: User
    first_month: Any


@pytest.fixture
def world() -> World:
    """An OPD of Luwu Timur with 2 non-ASN at Rp3.000.000, billed for 5 months from 6 months ago,
    and an OPD of Konawe Selatan (another kabupaten) billed for the same months."""
    opd = make_unit(region="73.24", kind=UnitKind.OPD, name="Dinas Uji Lutim", code="7324-UJI")
    for name in ("Andi Saputra", "Siti Aminah"):
        make_membership(
            person=make_person(name=name),
            unit=opd,
            wage=D(3_000_000),
            start_date=shift_month(month_start(timezone.localdate()), -12),
        )
    other = make_unit(region="74.05", kind=UnitKind.OPD, name="Dinas Uji Konsel", code="7405-UJI")
    make_membership(
        unit=other,
        wage=D(3_000_000),
        start_date=shift_month(month_start(timezone.localdate()), -12),
    )
    first = shift_month(month_start(timezone.localdate()), -6)
    for n in range(5):
        services.billing_run(actor=SYSTEM, month=shift_month(first, n))
    return World(
        opd=opd,
        other=other,
        admin=make_user(role=Role.ADMIN_KABUPATEN, region="73.24"),
        operator=make_user(role=Role.OPERATOR_OPD, unit=opd),
        pimpinan=make_user(role=Role.PIMPINAN, region="73.24"),
        bpjs=make_user(role=Role.PETUGAS_BPJS, branch_office=make_branch_office()),
        first_month=first,
    )


def as_user(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def first_bill(unit: Unit, world: World) -> Bill:
    return Bill.objects.get(payer=unit, month=world.first_month)


def html(response: Any) -> str:
    return response.content.decode()


def test_bill_pages_need_a_sign_in(world: World) -> None:
    bill = first_bill(world.opd, world)
    for url in (
        LIST,
        ARREARS,
        reverse("billing:bill_detail", args=[bill.pk]),
        reverse("billing:bill_pdf", args=[bill.pk]),
        reverse("billing:bill_xlsx", args=[bill.pk]),
    ):
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login"))
    response = Client().post(reverse("billing:payment_create", args=[bill.pk]), {})
    assert response.status_code == 302


def test_bill_list_shows_the_bills_in_scope_only(world: World) -> None:
    response = as_user(world.admin).get(LIST)
    assert response.status_code == 200
    bills = list(response.context["page_obj"])
    assert {b.payer_id for b in bills} == {world.opd.pk}
    assert len(bills) == 5
    assert all(b.total == D(32_400) for b in bills)
    page = html(response)
    assert "Dinas Uji Lutim" in page and "Dinas Uji Konsel" not in page
    assert "Rp32.400" in page
    assert f'<a href="{LIST}" aria-current="page">Tagihan</a>' in page


def test_bill_list_filters_by_month_status_and_payer(world: World) -> None:
    client = as_user(world.admin)
    month = f"{world.first_month:%Y-%m}"
    response = client.get(LIST, {"month": month, "status": "open", "payer": "7324-UJI"})
    assert [b.month for b in response.context["page_obj"]] == [world.first_month]
    assert client.get(LIST, {"status": "paid"}).context["page_obj"].paginator.count == 0
    # A payer outside the scope is not among the choices: a form message, not someone's bills.
    bad = client.get(LIST, {"payer": "7405-UJI", "month": "2026-13"})
    assert bad.status_code == 200
    assert "tidak tersedia" in html(bad) and "Tulis bulan sebagai TTTT-BB" in html(bad)
    assert bad.context["page_obj"].paginator.count == 5  # unfiltered, still scoped


def test_bill_detail_shows_names_and_masked_niks_and_logs_the_view(world: World) -> None:
    bill = first_bill(world.opd, world)
    before = AuditEvent.objects.count()
    response = as_user(world.pimpinan).get(reverse("billing:bill_detail", args=[bill.pk]))
    assert response.status_code == 200
    page = html(response)
    people = sorted({line.person for line in bill.lines.select_related("person")}, key=str)
    # A pimpinan reads only: NIKs and wages masked (issue 13); the amounts billed stay.
    for person in people:
        assert person.name in page and person.masked_nik in page and person.nik not in page
    assert "Rp7.200" in page and "Rp9.000" in page and "Rp32.400" in page
    assert "Catat pembayaran" not in page  # a pimpinan reads only
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.entity, event.entity_id) == (Action.VIEW, "registry.person", "*")
    assert event.after == {"shown": sorted(p.pk for p in people)}
    assert event.actor_id == world.pimpinan.pk


def test_bills_outside_the_scope_answer_404(world: World) -> None:
    bill = first_bill(world.other, world)
    client = as_user(world.admin)
    for name in ("bill_detail", "bill_pdf", "bill_xlsx"):
        assert client.get(reverse(f"billing:{name}", args=[bill.pk])).status_code == 404, name
    assert client.get(reverse("billing:bill_detail", args=[999_999_999])).status_code == 404
    response = client.post(
        reverse("billing:payment_create", args=[bill.pk]),
        {"amount": "32.400", "paid_on": f"{timezone.localdate():%Y-%m-%d}", "reference": "SP2D-1"},
    )
    assert response.status_code == 404
    assert not Payment.objects.exists()


def test_pdf_and_xlsx_downloads_are_logged_as_exports(world: World) -> None:
    bill = first_bill(world.opd, world)
    client = as_user(world.operator)
    pdf = client.get(reverse("billing:bill_pdf", args=[bill.pk]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    name = f"tagihan-7324-UJI-{world.first_month:%Y-%m}"
    assert pdf["Content-Disposition"] == f'attachment; filename="{name}.pdf"'
    xlsx = client.get(reverse("billing:bill_xlsx", args=[bill.pk]))
    assert xlsx.status_code == 200
    assert xlsx["Content-Disposition"] == f'attachment; filename="{name}.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    cells = [str(c) for row in book.worksheets[0].iter_rows(values_only=True) for c in row if c]
    assert any("Andi Saputra" in c for c in cells)
    exports = AuditEvent.objects.filter(action=Action.EXPORT, actor=world.operator)
    assert exports.count() == 2


def test_operator_records_a_payment_and_the_excess_becomes_credit(world: World) -> None:
    bill = first_bill(world.opd, world)
    client = as_user(world.operator)
    page = html(client.get(reverse("billing:bill_detail", args=[bill.pk])))
    assert "Catat pembayaran" in page
    assert 'value="32.400"' in page  # the outstanding amount is proposed
    response = client.post(
        reverse("billing:payment_create", args=[bill.pk]),
        {
            "amount": "Rp40.000",
            "paid_on": f"{timezone.localdate():%Y-%m-%d}",
            "reference": "SP2D-0001",
            "note": "",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("billing:bill_detail", args=[bill.pk])
    bill.refresh_from_db()
    assert (bill.status, bill.paid) == (BillStatus.PAID, D(32_400))
    # 40,000 - 32,400 = 7,600 goes to the next (oldest unpaid) bill, which is then partly paid.
    following = Bill.objects.get(payer=world.opd, month=shift_month(world.first_month, 1))
    assert (following.status, following.paid) == (BillStatus.PARTIAL, D(7_600))
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert texts == ["Pembayaran SP2D-0001 dicatat."]
    payment = Payment.objects.get()
    assert (payment.amount, payment.unallocated, payment.recorded_by) == (
        D(40_000),
        D(0),
        world.operator,
    )
    assert AuditEvent.objects.filter(entity="billing.payment", action=Action.CREATE).count() == 1


def test_read_only_roles_get_403_on_payments(world: World) -> None:
    bill = first_bill(world.opd, world)
    data = {"amount": "32.400", "paid_on": f"{timezone.localdate():%Y-%m-%d}", "reference": "X-1"}
    for user in (world.pimpinan, world.bpjs):
        response = as_user(user).post(reverse("billing:payment_create", args=[bill.pk]), data)
        assert response.status_code == 403, user.role
    assert not Payment.objects.exists()
    assert (
        as_user(world.bpjs).get(reverse("billing:payment_create", args=[bill.pk])).status_code
        == 405
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": "nol", "paid_on": "today", "reference": "A"}, "Tulis jumlah rupiah utuh"),
        ({"amount": "0", "paid_on": "today", "reference": "A"}, "Jumlah harus lebih dari nol."),
        ({"amount": "1000", "paid_on": "31-02-2026", "reference": "A"}, "Tulis tanggal yang ada"),
        (
            {"amount": "1000", "paid_on": "2099-01-01", "reference": "A"},
            "tidak boleh sesudah hari ini",
        ),
        ({"amount": "1000", "paid_on": "today", "reference": ""}, "Isi nomor referensi"),
        ({"amount": "1000", "paid_on": "today", "reference": "   "}, "Isi nomor referensi"),
    ],
)
def test_bad_payment_input_shows_the_form_again(
    world: World, data: dict[str, str], message: str
) -> None:
    bill = first_bill(world.opd, world)
    if data["paid_on"] == "today":
        data = {**data, "paid_on": f"{timezone.localdate():%Y-%m-%d}"}
    response = as_user(world.admin).post(reverse("billing:payment_create", args=[bill.pk]), data)
    assert response.status_code == 200
    assert message in html(response)
    assert not Payment.objects.exists()


def test_a_reference_recorded_twice_is_refused_by_the_service(world: World) -> None:
    bill = first_bill(world.opd, world)
    client = as_user(world.admin)
    data = {"amount": "1.000", "paid_on": f"{timezone.localdate():%Y-%m-%d}", "reference": "SP2D-9"}
    assert client.post(reverse("billing:payment_create", args=[bill.pk]), data).status_code == 302
    again = client.post(reverse("billing:payment_create", args=[bill.pk]), data)
    assert again.status_code == 200
    assert "Pembayaran dengan referensi SP2D-9 sudah dicatat untuk 7324-UJI." in html(again)
    assert Payment.objects.count() == 1


def test_arrears_list_flags_pu_payers_over_three_months_and_lists_lapses(world: World) -> None:
    # A BPU worker of a kelompok rentan in Luwu Timur, billed with the others and never paid.
    group = make_unit(region="73.24.04.2001", kind=UnitKind.KELOMPOK_RENTAN, name="Nelayan Uji")
    rentan = make_membership(
        person=make_person(name="Budi Nelayan"),
        unit=group,
        segment=Segment.PEKERJA_RENTAN,
        scheme=Scheme.BPU,
        risk_class=None,
        wage=D(1_000_000),
        funding_source=FundingSource.APBDES_ADD,
        start_date=world.first_month,
    )
    for n in range(5):
        services.billing_run(actor=SYSTEM, month=shift_month(world.first_month, n))
    services.lapse_check(actor=SYSTEM, on=timezone.localdate())
    rentan.refresh_from_db()
    assert rentan.status == MembershipStatus.LAPSED

    before = AuditEvent.objects.count()
    response = as_user(world.admin).get(ARREARS)
    assert response.status_code == 200
    rows = {r["payer"]: r for r in response.context["rows"]}
    assert set(rows) == {"7324-UJI", group.code}  # Konawe Selatan is out of scope
    opd = rows["7324-UJI"]
    # Five months billed, all past their due date (the 15th of the following month), unpaid.
    assert (opd["bills"], opd["pu_months"], opd["amount"]) == (5, 5, D(5 * 32_400))
    assert opd["over_threshold"] is True and opd["flag"] is not None
    assert rows[group.code]["over_threshold"] is False  # BPU only: no PU months
    page = re.sub(r"\s+", " ", html(response))
    assert "lebih dari 3 bulan" in page
    assert "Budi Nelayan" in page and rentan.person.masked_nik in page
    assert rentan.person.nik not in page
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("id")
    assert event.after == {"shown": [rentan.person_id]}


def test_arrears_page_for_a_scope_without_bills(world: World) -> None:
    operator = make_user(
        role=Role.OPERATOR_DESA,
        unit=make_unit(region="73.24.04.2001", kind=UnitKind.PEMERINTAH_DESA),
    )
    response = as_user(operator).get(ARREARS)
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert "Tidak ada tagihan yang lewat jatuh tempo" in html(response)
