"""Billing from the web (issue 17, item 4): an admin kabupaten previews a month (payers, people,
totals), confirms, and finds the bills; the bill list's yearly and monthly totals; the billing
summary as a page; a POST-only address opened in the browser.

PU Rp3.000.000 with JKK class I and JKM: 7.200 + 9.000 = Rp16.200 per person and month (PP 44/2015
Lampiran I, DOMAIN.md 2.1).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import AuditEvent, Role, User
from cakupan.billing import selectors, services
from cakupan.billing.models import Bill, BillingRun
from cakupan.common.dates import month_start, shift_month
from cakupan.registry.models import Unit, UnitKind
from cakupan.testing.factories import make_membership, make_person, make_unit, make_user
from cakupan.wilayah.models import Region

pytestmark = pytest.mark.django_db

D = Decimal
RUN = reverse("billing:billing_run")
LIST = reverse("billing:bill_list")
SUMMARY = reverse("billing:summary")


def as_user(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def squash(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.fixture
def units() -> tuple[Unit, Unit, Unit]:
    """Two OPDs of Luwu Timur (2 and 1 non-ASN at Rp3.000.000) and one of Konawe Selatan."""
    start = shift_month(month_start(timezone.localdate()), -24)
    dinas = make_unit(region="73.24", kind=UnitKind.OPD, name="Dinas Uji Lutim", code="7324-UJI")
    badan = make_unit(region="73.24", kind=UnitKind.OPD, name="Badan Uji Lutim", code="7324-BDN")
    konsel = make_unit(region="74.05", kind=UnitKind.OPD, name="Dinas Uji Konsel", code="7405-UJ")
    for unit, names in ((dinas, ("Andi", "Siti")), (badan, ("Baso",)), (konsel, ("Wa Ode",))):
        for name in names:
            make_membership(
                person=make_person(name=name), unit=unit, wage=D(3_000_000), start_date=start
            )
    return dinas, badan, konsel


def test_an_admin_kabupaten_previews_then_bills_a_month(units: tuple[Unit, Unit, Unit]) -> None:

    admin = make_user(role=Role.ADMIN_KABUPATEN, region="73.24")
    client = as_user(admin)
    month = shift_month(month_start(timezone.localdate()), -1)

    # The empty bill list shows the way forward.
    listing = client.get(LIST)
    assert "Belum ada tagihan dalam cakupan Anda." in squash(listing)
    assert f'href="{RUN}?month=' in listing.content.decode()

    form = client.get(RUN)
    assert form.status_code == 200
    assert "Wilayah: Kabupaten Luwu Timur (73.24)" in squash(form)
    assert "preview" not in form.context

    # The preview: per payer, people and totals; nothing written.
    preview = client.get(RUN, {"month": f"{month:%m-%Y}"})
    assert preview.status_code == 200
    found = preview.context["preview"]
    assert [(r.payer.code, r.people, r.total, r.change) for r in found.rows] == [
        ("7324-BDN", 1, D(16_200), "new"),
        ("7324-UJI", 2, D(32_400), "new"),
    ]
    assert (found.people, found.memberships, found.total) == (3, 3, D(48_600))
    text = squash(preview)
    assert "Rp48.600" in text and "Buat tagihan" in text
    assert not Bill.objects.exists() and not BillingRun.objects.exists()

    # Confirm: the month is billed for Luwu Timur only, then the month's bills are shown.
    response = client.post(RUN, {"month": f"{month:%m-%Y}", "region": "74.05"})
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?month={month:%m-%Y}"
    assert {(b.payer.code, b.total) for b in Bill.objects.select_related("payer")} == {
        ("7324-BDN", D(16_200)),
        ("7324-UJI", D(32_400)),
    }
    run = BillingRun.objects.get()
    assert (run.region_id, run.actor) == ("73.24", admin)
    assert AuditEvent.objects.filter(entity="billing.billingrun", actor=admin).count() == 1
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message == (
        f"Tagihan {month:%m-%Y} untuk Kabupaten Luwu Timur dibuat: 2 pembayar, 3 kepesertaan, "
        "jumlah Rp48.600 (baru 2, dihitung ulang 0, tetap 0, perlu penyesuaian 0)."
    )
    listing = client.get(response["Location"])
    assert [b.payer.code for b in listing.context["page_obj"]] == ["7324-BDN", "7324-UJI"]

    # Again: the preview says the month was billed and nothing changes.
    again = client.get(RUN, {"month": f"{month:%m-%Y}"}).context["preview"]
    assert [r.change for r in again.rows] == ["same", "same"]
    assert again.billed_before and again.existing_total == D(48_600)


def test_who_may_bill(units: tuple[Unit, Unit, Unit]) -> None:
    month = f"{shift_month(month_start(timezone.localdate()), -1):%m-%Y}"
    for role, scope in (
        (Role.PIMPINAN, {"region": "73.24"}),
        (Role.CAMAT, {"region": "73.24.04"}),
        (Role.OPERATOR_OPD, {"unit": units[0]}),
    ):
        client = as_user(make_user(role=role, **scope))
        assert client.get(RUN).status_code == 403, role
        assert client.post(RUN, {"month": month}).status_code == 403, role
        listing = client.get(LIST)
        assert "Buat tagihan" not in listing.content.decode()
        assert "Tagihan dibuat oleh admin kabupaten/kota setiap bulan." in squash(listing)
    assert not Bill.objects.exists()

    # A superadmin names the region; an unknown one is a form message.
    superadmin = as_user(make_user(role=Role.SUPERADMIN))
    bad = superadmin.get(RUN, {"month": month, "region": "99.99"})
    assert "Kode wilayah tidak dikenal." in squash(bad)
    assert "preview" not in bad.context
    konsel = superadmin.get(RUN, {"month": month, "region": "74.05"}).context["preview"]
    assert [(r.payer.code, r.total) for r in konsel.rows] == [("7405-UJ", D(16_200))]
    assert konsel.region == Region.objects.get(code="74.05")


def test_bill_list_totals_per_year_and_month(units: tuple[Unit, Unit, Unit]) -> None:
    first = shift_month(month_start(timezone.localdate()), -3)
    for n in range(3):
        services.billing_run(actor=Actor.system(source="cli"), month=shift_month(first, n))
    admin = as_user(make_user(role=Role.ADMIN_KABUPATEN, region="73.24"))
    response = admin.get(LIST)
    totals = response.context["month_totals"]
    by_year: dict[int, list[Any]] = {}
    for n in range(3):
        month = shift_month(first, n)
        by_year.setdefault(month.year, []).append(month)
    year = max(by_year)
    assert response.context["year"] == year
    assert [(t.month, t.bills, t.billed, t.paid) for t in totals] == [
        (m, 2, D(48_600), D(0)) for m in by_year[year]
    ]
    assert response.context["year_total"]["billed"] == D(48_600) * len(by_year[year])
    # The table groups the page's bills by month, each month with its totals.
    groups = response.context["groups"]
    assert [g["month"] for g in groups] == sorted(
        [shift_month(first, n) for n in range(3)], reverse=True
    )
    assert all(len(g["bills"]) == 2 for g in groups)
    assert "Jumlah per bulan" in response.content.decode()


def test_billing_summary_page_matches_the_command(units: tuple[Unit, Unit, Unit]) -> None:
    year = timezone.localdate().year - 1
    for month in (1, 2):
        services.billing_run(actor=Actor.system(source="cli"), month=dt.date(year, month, 1))
    admin = make_user(role=Role.ADMIN_KABUPATEN, region="73.24")
    response = as_user(admin).get(SUMMARY, {"region": "73.24", "year": str(year)})
    assert response.status_code == 200
    summary = response.context["summary"]
    expected = selectors.billing_summary(
        user=admin,
        region=Region.objects.get(code="73.24"),
        year=year,
        on=timezone.localdate(),
    )
    assert summary == expected
    assert [m["billed"] for m in summary["months"]] == [D(48_600), D(48_600)]
    text = squash(response)
    assert "Rp97.200" in text  # the year's total, billed and in arrears (nothing paid)
    # Out of scope: 404.
    assert as_user(admin).get(SUMMARY, {"region": "74.05", "year": str(year)}).status_code == 404


def test_a_post_only_address_opened_in_the_browser_says_what_to_do(
    units: tuple[Unit, Unit, Unit],
) -> None:
    services.billing_run(
        actor=Actor.system(source="cli"), month=shift_month(month_start(timezone.localdate()), -1)
    )
    bill = Bill.objects.filter(payer=units[0]).get()
    admin = as_user(make_user(role=Role.ADMIN_KABUPATEN, region="73.24"))
    response = admin.get(reverse("billing:payment_create", args=[bill.pk]))
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    text = squash(response)
    assert "Alamat ini untuk tombol, bukan untuk dibuka langsung" in text
    assert f'href="{reverse("billing:bill_detail", args=[bill.pk])}"' in response.content.decode()
    # htmx keeps the bare answer.
    bare = admin.get(reverse("billing:payment_create", args=[bill.pk]), headers={"HX-Request": "1"})
    assert (bare.status_code, bare.content) == (405, b"")
