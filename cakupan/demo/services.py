"""Loading the demo data set and its sign-ins, idempotently."""

from __future__ import annotations

import datetime as dt
import os
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import Role, User
from cakupan.billing.models import Bill
from cakupan.billing.services import PaymentInput, billing_run, payments_record_bulk
from cakupan.demo import generator
from cakupan.demo.coverage import coverage_figures_ensure
from cakupan.demo.intake import demo_history_ensure
from cakupan.demo.models import DemoLoad
from cakupan.registry.models import BranchOffice, Unit
from cakupan.wilayah.models import Region

DEMO_VERSION = "2026.1"


def demo_password() -> str:
    """The one password of every demo sign-in (``CAKUPAN_DEMO_PASSWORD`` overrides it)."""
    return os.environ.get("CAKUPAN_DEMO_PASSWORD", "cakupan-demo-2026")


@dataclass(frozen=True, slots=True)
class DemoLogin:
    username: str
    role: str
    scope: str


@transaction.atomic
def demo_load(*, actor: Actor) -> dict[str, object]:
    """Generate the demo people, units and memberships once; a second call changes nothing.

    Needs the region table (``cakupan regions load``). Returns what was loaded, or the summary of
    the earlier load.
    """
    existing = DemoLoad.objects.filter(version=DEMO_VERSION).first()
    if existing is not None:
        # Added after the first demo version: an older demo database gets them on its next load.
        coverage_figures_ensure(actor=actor)
        demo_history_ensure(actor=actor)
        return {"loaded": False, **existing.summary}
    builder = generator.Builder(actor=actor)
    summary: dict[str, object] = {}
    for name, build in (
        ("luwu_timur", generator.luwu_timur),
        ("konawe_selatan", generator.konawe_selatan),
        ("buol", generator.buol),
        ("bulukumba", generator.bulukumba),
    ):
        summary[name] = build(builder)
    people, memberships = builder.flush()
    summary.update(people=people, memberships=memberships, units=Unit.objects.count())
    summary["bulukumba_billing"] = bulukumba_billing(actor=actor)
    summary["coverage"] = coverage_figures_ensure(actor=actor)
    summary["history"] = demo_history_ensure(actor=actor)
    DemoLoad.objects.create(version=DEMO_VERSION, summary=summary)
    return {"loaded": True, **summary}


BULUKUMBA = "73.02"


def bulukumba_billing(*, actor: Actor) -> dict[str, object]:
    """Bill Bulukumba's village institutions for January-December 2024 and pay every bill.

    The billing run of each month writes the bills (one per pemerintah desa: its own officials,
    its BPD and its lembaga); each desa pays each bill in full by SP2D between the 5th and the 15th
    of the following month (the PU due date), so ``cakupan billing summary --region 73.02 --year
    2024`` shows the Rp890,000,000 billed and paid that ``generator.bulukumba`` calibrated.
    """
    rng = random.Random(generator.SEED + 302)
    year = generator.BULUKUMBA_YEAR
    billed = Decimal(0)
    for month in range(1, 13):
        result = billing_run(actor=actor, month=dt.date(year, month, 1), region_code=BULUKUMBA)
        billed += result.total
    bills = list(
        Bill.objects.filter(payer__region__code__startswith=f"{BULUKUMBA}.", month__year=year)
        .select_related("payer")
        .order_by("month", "payer__code")
    )
    payments = [
        PaymentInput(
            payer=bill.payer,
            amount=bill.total,
            paid_on=bill.due_date - dt.timedelta(days=rng.randint(0, 10)),
            reference=f"SP2D/{bill.payer.region_id}/{bill.month:%Y%m}",
        )
        for bill in bills
    ]
    payments_record_bulk(actor=actor, payments=payments)
    # Fresh statistics for the rows just written: without them (autovacuum has not run yet, and
    # never inside a test's transaction) the planner takes the bill and line tables for empty and
    # the per-segment summary of these bills runs for minutes instead of milliseconds.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    paid = sum((p.amount for p in payments), Decimal(0))
    return {"bills": len(bills), "billed": str(billed), "paid": str(paid)}


def _first_registered_desa_unit() -> Unit:
    """The pemerintah desa in Kecamatan Malili (Luwu Timur) whose officials are registered."""
    return (
        Unit.objects.filter(
            kind="pemerintah_desa", region__code__startswith="73.24.04.", memberships__isnull=False
        )
        .order_by("code")
        .distinct()
        .first()
    ) or Unit.objects.filter(kind="pemerintah_desa", region__code__startswith="73.24.04.").order_by(
        "code"
    ).first()  # type: ignore[return-value]


def _demo_dinas_ensure() -> None:
    """Give each demo kabupaten's DPMD, BKPSDM, Disnakertrans and Kesra the segments it verifies."""
    for abbreviation, segments in generator.VERIFYING_DINAS.items():
        Unit.objects.filter(code__endswith=f"-{abbreviation}", kind="opd").update(
            verifies_segments=segments
        )


@transaction.atomic
def demo_users_ensure() -> list[DemoLogin]:
    """One sign-in per role (plus an admin per demo kabupaten), all with :func:`demo_password`."""
    _demo_dinas_ensure()
    desa_unit = _first_registered_desa_unit()
    specs: list[tuple[str, str, str, dict[str, object]]] = [
        ("admin", Role.SUPERADMIN, "Administrator Sistem", {}),
        ("admin.lutim", Role.ADMIN_KABUPATEN, "Admin Kabupaten Luwu Timur", {"region_id": "73.24"}),
        (
            "dpmd.lutim",
            Role.ADMIN_KABUPATEN,
            "Verifikator DPMD Luwu Timur",
            {"region_id": "73.24", "unit": Unit.objects.get(code="7324-DPMD")},
        ),
        (
            "bkpsdm.lutim",
            Role.ADMIN_KABUPATEN,
            "Verifikator BKPSDM Luwu Timur",
            {"region_id": "73.24", "unit": Unit.objects.get(code="7324-BKPSDM")},
        ),
        (
            "admin.konsel",
            Role.ADMIN_KABUPATEN,
            "Admin Kabupaten Konawe Selatan",
            {"region_id": "74.05"},
        ),
        ("admin.buol", Role.ADMIN_KABUPATEN, "Admin Kabupaten Buol", {"region_id": "72.05"}),
        (
            "admin.bulukumba",
            Role.ADMIN_KABUPATEN,
            "Admin Kabupaten Bulukumba",
            {"region_id": "73.02"},
        ),
        (
            "opd.disdik.lutim",
            Role.OPERATOR_OPD,
            "Operator Dinas Pendidikan Luwu Timur",
            {"unit": Unit.objects.get(code="7324-DISDIKBUD")},
        ),
        ("desa.malili", Role.OPERATOR_DESA, f"Operator {desa_unit.name}", {"unit": desa_unit}),
        ("camat.malili", Role.CAMAT, "Camat Malili", {"region_id": "73.24.04"}),
        (
            "bpjs.malili",
            Role.PETUGAS_BPJS,
            "Petugas BPJS Ketenagakerjaan Malili",
            {"branch_office": BranchOffice.objects.get(code="KC-MALILI")},
        ),
        ("bupati.lutim", Role.PIMPINAN, "Bupati Luwu Timur", {"region_id": "73.24"}),
        (
            "bpjs.bulukumba",
            Role.PETUGAS_BPJS,
            "Petugas BPJS Ketenagakerjaan Bulukumba",
            {"branch_office": BranchOffice.objects.get(code="KC-BULUKUMBA")},
        ),
        (
            "bpjs.buol",
            Role.PETUGAS_BPJS,
            "Petugas BPJS Ketenagakerjaan Buol",
            {"branch_office": BranchOffice.objects.get(code="KCP-BUOL")},
        ),
    ]
    logins = []
    password = demo_password()
    for username, role, full_name, scope in specs:
        first, _, last = full_name.partition(" ")
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={
                "role": role,
                "first_name": first,
                "last_name": last,
                "is_staff": role == Role.SUPERADMIN,
                "is_superuser": role == Role.SUPERADMIN,
                "is_demo": True,
                "region_id": None,
                "unit": None,
                "branch_office": None,
                **scope,
            },
        )
        if not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        logins.append(DemoLogin(username, str(Role(role).label), _scope_label(user)))
    return logins


def _scope_label(user: User) -> str:
    if user.unit_id:
        return str(user.unit)
    if user.branch_office_id:
        return str(user.branch_office)
    if user.region_id:
        return str(Region.objects.get(code=user.region_id))
    return "Seluruh Indonesia"
