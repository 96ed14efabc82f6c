"""Who sees which bill (access functions), bills as PDF/XLSX, and the ``cakupan billing`` CLI."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.http import Http404

from cakupan.accounts import access
from cakupan.accounts.audit import Actor
from cakupan.accounts.models import AuditEvent, Role, User
from cakupan.billing import documents, selectors, services
from cakupan.billing.models import Bill, Payment
from cakupan.registry.models import UnitKind
from cakupan.testing.factories import (
    make_branch_office,
    make_membership,
    make_person,
    make_unit,
    make_user,
)

D = dt.date
ACTOR = Actor.system(source="cli", label="uji")
MALILI_DESA = "73.24.04.2001"


@pytest.fixture
def village_bill() -> Bill:
    """A desa in Malili (Luwu Timur) pays for its BPD: one bill, May 2024."""
    pemdes = make_unit(region=MALILI_DESA, kind=UnitKind.PEMERINTAH_DESA, code="PEMDES-UJI")
    bpd = make_unit(region=MALILI_DESA, kind=UnitKind.BPD, code="BPD-UJI")
    bpd.payer = pemdes
    bpd.save()
    make_membership(
        person=make_person(name='=HYPERLINK("http://x")'),
        unit=bpd,
        segment="bpd",
        wage=Decimal(1_500_000),
    )
    make_membership(person=make_person(name="Siti Aminah"), unit=pemdes, segment="perangkat_desa")
    services.billing_run(actor=ACTOR, month=D(2024, 5, 1))
    return Bill.objects.get()


def _users(bill: Bill) -> dict[str, tuple[User, bool]]:
    """Users by label, with whether they may see ``bill``."""
    pemdes = bill.payer
    bpd = pemdes.paid_units.get()
    other_desa = make_unit(region="73.24.04.2002", kind=UnitKind.PEMERINTAH_DESA)
    opd = make_unit(region="73.24")
    return {
        "superadmin": (make_user(role=Role.SUPERADMIN), True),
        "admin of the kabupaten": (make_user(role=Role.ADMIN_KABUPATEN, region="73.24"), True),
        "admin of another kabupaten": (make_user(role=Role.ADMIN_KABUPATEN, region="74.05"), False),
        "camat of Malili": (make_user(role=Role.CAMAT, region="73.24.04"), True),
        "camat elsewhere": (make_user(role=Role.CAMAT, region="73.24.01"), False),
        "pimpinan": (make_user(role=Role.PIMPINAN, region="73.24"), True),
        "village operator of the desa": (make_user(role=Role.OPERATOR_DESA, unit=bpd), True),
        "village operator elsewhere": (make_user(role=Role.OPERATOR_DESA, unit=other_desa), False),
        "OPD operator": (make_user(role=Role.OPERATOR_OPD, unit=opd), False),
        "BPJS of the branch": (
            make_user(role=Role.PETUGAS_BPJS, branch_office=make_branch_office()),
            True,
        ),
        "BPJS of another branch": (
            make_user(role=Role.PETUGAS_BPJS, branch_office=make_branch_office(regions=("74.05",))),
            False,
        ),
    }


@pytest.mark.django_db
def test_bills_are_scoped_like_their_payer_out_of_scope_is_404(village_bill: Bill) -> None:
    from django.contrib.auth.models import AnonymousUser

    users = _users(village_bill)
    seen = {
        label: selectors.bills_visible_to(user).filter(pk=village_bill.pk).exists()
        for label, (user, _) in users.items()
    }
    assert seen == {label: visible for label, (_, visible) in users.items()}
    for label, (user, visible) in users.items():
        if visible:
            assert selectors.bill_get_for(user, village_bill.pk) == village_bill, label
        else:
            with pytest.raises(Http404):
                selectors.bill_get_for(user, village_bill.pk)
            with pytest.raises(Http404):
                selectors.payer_get_for(user, village_bill.payer.code)
    with pytest.raises(Http404):
        selectors.bill_get_for(AnonymousUser(), village_bill.pk)
    assert not selectors.bills_visible_to(AnonymousUser()).exists()
    # Read-only roles see the bill but may not record a payment against it.
    for label in ("camat of Malili", "pimpinan", "BPJS of the branch"):
        with pytest.raises(PermissionDenied):
            selectors.bill_get_for(users[label][0], village_bill.pk, write=True)
    assert selectors.bill_get_for(
        users["village operator of the desa"][0], village_bill.pk, write=True
    )
    with pytest.raises(Http404):
        documents.bill_pdf(
            user=users["village operator elsewhere"][0], actor=ACTOR, pk=village_bill.pk
        )


@pytest.mark.django_db
def test_bill_documents_show_the_lines_and_log_the_export(village_bill: Bill) -> None:
    services.payment_record(
        actor=ACTOR,
        payer=village_bill.payer,
        amount=Decimal(5_000),
        paid_on=D(2024, 6, 3),
        reference="SP2D-9",
    )
    pdf = documents.bill_pdf(user=access.SYSTEM, actor=ACTOR, pk=village_bill.pk)
    assert pdf.startswith(b"%PDF")
    data = documents.bill_xlsx(user=access.SYSTEM, actor=ACTOR, pk=village_bill.pk)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    names = [row[1] for row in cells if isinstance(row[0], int)]
    # The formula-looking name is text, escaped; NIKs stay 16-digit text.
    assert '\'=HYPERLINK("http://x")' in names
    niks = [row[2] for row in cells if isinstance(row[0], int)]
    assert all(isinstance(n, str) and len(n) == 16 for n in niks)
    total_row = next(row for row in cells if row[5] == "Jumlah")
    # BPD Rp1,500,000: 3,600 + 4,500; perangkat Rp2,500,000: 6,000 + 7,500.
    assert total_row[8] == 3_600 + 4_500 + 6_000 + 7_500 == village_bill.total
    assert any(row[1] == "SP2D-9" and row[8] == 5_000 for row in cells)
    exports = AuditEvent.objects.filter(entity="registry.person", action="export")
    assert exports.count() == 2
    first = exports.first()
    assert first is not None and first.after is not None
    assert set(first.after["shown"]) == set(village_bill.lines.values_list("person_id", flat=True))


def _cli(*args: str) -> Any:
    out = io.StringIO()
    call_command("billing", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.django_db
def test_cli_run_pay_summary_lapse_and_bill(tmp_path: Path) -> None:
    unit = make_unit(region="73.24", code="OPD-CLI")
    make_membership(unit=unit, wage=Decimal(2_000_000))
    run = _cli("run", "--month", "2024-05")
    assert run["bills"] == {
        "created": 1,
        "updated": 0,
        "removed": 0,
        "unchanged": 0,
        "adjustment_needed": 0,
    }
    assert (run["total"], run["memberships"], run["lines"]) == (10_800, 1, 2)
    _cli("run", "--month", "2024-06", "--region", "73.24")
    paid = _cli("pay", "--payer", "OPD-CLI", "--amount", "Rp15.000", "--date", "2024-06-10",
                "--reference", "SP2D/1")  # fmt: skip
    assert paid["credit"] == 0
    assert [a["amount"] for a in paid["allocations"]] == [10_800, 4_200]
    summary = _cli("summary", "--region", "73.24", "--year", "2024", "--on", "2024-08-01")
    assert summary["total"] == {
        "billed": 21_600,
        "paid": 15_000,
        "outstanding": 6_600,
        "arrears": 6_600,
        "bills": 2,
    }
    assert [m["month"] for m in summary["months"]] == ["2024-05", "2024-06"]
    by_segment = _cli("summary", "--region", "73.24", "--year", "2024", "--segment", "bpd")
    assert by_segment["total"]["billed"] == 0
    assert _cli("lapse", "--on", "2024-08-01")["lapsed"] == []
    target = tmp_path / "tagihan.pdf"
    bill = Bill.objects.get(month=D(2024, 5, 1))
    written = _cli("bill", str(bill.pk), "--pdf", str(target))
    assert written["bytes"] == target.stat().st_size > 0
    assert Payment.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args",
    [
        ["run", "--month", "2024-13"],
        ["run", "--month", "2024-05", "--region", "99.99"],
        ["summary", "--region", "nowhere", "--year", "2024"],
        ["pay", "--payer", "NOPE", "--amount", "100", "--date", "2024-01-01", "--reference", "R"],
        ["pay", "--payer", "OPD-X", "--amount", "1,5", "--date", "2024-01-01", "--reference", "R"],
        ["pay", "--payer", "OPD-X", "--amount", "0", "--date", "2024-01-01", "--reference", "R"],
        ["lapse", "--on", "kemarin"],
        ["bill", "999999", "--pdf", "tagihan-tidak-ada.pdf"],
    ],
)
def test_cli_usage_errors_exit_2(args: list[str]) -> None:
    make_unit(code="OPD-X")
    with pytest.raises(CommandError) as error:
        call_command("billing", *args)
    assert error.value.returncode == 2


@pytest.mark.django_db
def test_arrears_selector_lists_payers_with_bills_past_due(village_bill: Bill) -> None:
    rows = selectors.arrears(user=access.SYSTEM, on=D(2024, 6, 16))
    assert rows == [
        {
            "payer": "PEMDES-UJI",
            "name": village_bill.payer.name,
            "region": MALILI_DESA,
            "bills": 1,
            "pu_months": 1,
            "oldest_month": "2024-05",
            "amount": village_bill.total,
        }
    ]
    assert selectors.arrears(user=access.SYSTEM, on=D(2024, 6, 15)) == []
    assert selectors.billed_by_payer(year=2024, payer_codes=["PEMDES-UJI", "NONE"]) == {
        "PEMDES-UJI": village_bill.total
    }


@pytest.mark.django_db
def test_summary_by_segment_shares_a_bill_payment_in_proportion(village_bill: Bill) -> None:
    from cakupan.wilayah.models import Region

    services.payment_record(
        actor=ACTOR,
        payer=village_bill.payer,
        amount=Decimal(5_000),
        paid_on=D(2024, 6, 3),
        reference="SP2D-SEG",
    )
    region = Region.objects.get(code="73.24")

    def total(segment: str | None) -> dict[str, object]:
        data = selectors.billing_summary(
            user=access.SYSTEM, region=region, year=2024, segment=segment, on=D(2024, 7, 1)
        )
        return data["total"]

    # Bill Rp21,600: BPD Rp8,100 and perangkat desa Rp13,500; Rp5,000 paid.
    assert total(None) == {
        "billed": 21_600, "paid": 5_000, "outstanding": 16_600, "arrears": 16_600, "bills": 1,
    }  # fmt: skip
    assert total("bpd") == {
        "billed": 8_100, "paid": 1_875, "outstanding": 6_225, "arrears": 6_225, "bills": 1,
    }  # fmt: skip
    assert total("perangkat_desa") == {
        "billed": 13_500, "paid": 3_125, "outstanding": 10_375, "arrears": 10_375, "bills": 1,
    }  # fmt: skip
    assert total("non_asn")["billed"] == 0
