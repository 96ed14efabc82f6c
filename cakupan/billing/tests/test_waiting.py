"""What billing asks of whom on the home page (issue 17 item 1): bills not paid yet, payers in
arrears, a month not billed yet."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import User
from cakupan.billing import selectors, services
from cakupan.common.dates import month_start, shift_month
from cakupan.testing.factories import make_membership, make_person
from cakupan.testing.personas import PersonaWorld

pytestmark = pytest.mark.django_db

D = Decimal


def items(user: User) -> dict[str, tuple[int, Decimal | None, bool]]:
    today = timezone.localdate()
    return {
        i.key: (i.count, i.amount, i.watch) for i in selectors.waiting_work(user=user, today=today)
    }


def test_unpaid_arrears_and_the_month_to_bill(
    persona_world: PersonaWorld, admin_kabupaten: User, operator_opd: User, pimpinan: User
) -> None:
    today = timezone.localdate()
    this_month = month_start(today)
    # Nothing billed yet: the kabupaten admin is asked to bill this month.
    assert items(admin_kabupaten) == {"billing.not_billed": (1, None, False)}
    [item] = selectors.waiting_work(user=admin_kabupaten, today=today)
    assert item.url == f"/tagihan/buat/?month={this_month:%m-%Y}"

    # Two non-ASN at Rp3.000.000 (Rp16.200 each a month): three months ago (overdue) and this
    # month (due on the 15th of next month).
    for name in ("Andi", "Siti"):
        make_membership(
            person=make_person(name=name),
            unit=persona_world.opd,
            wage=D(3_000_000),
            start_date=shift_month(this_month, -6),
        )
    for month in (shift_month(this_month, -3), this_month):
        services.billing_run(actor=Actor.system(source="cli"), month=month)
    assert items(admin_kabupaten) == {
        "billing.unpaid": (1, D(32_400), False),
        "billing.arrears": (1, D(32_400), False),
    }
    assert items(operator_opd) == items(admin_kabupaten)
    # The bupati follows them.
    assert items(pimpinan) == {
        "billing.unpaid": (1, D(32_400), True),
        "billing.arrears": (1, D(32_400), True),
    }
    # The link of the unpaid bills lists exactly those.
    client = Client()
    client.force_login(operator_opd)
    unpaid = next(
        i
        for i in selectors.waiting_work(user=operator_opd, today=today)
        if i.key == "billing.unpaid"
    )
    response = client.get(unpaid.url)
    assert {b.status for b in response.context["page_obj"]} == {"open"}
    assert response.context["page_obj"].paginator.count == 2  # both months not fully paid
