"""Test data builders. Each returns a saved row with sensible defaults that a test may override.

NIKs are generated consistent with sex, birth date and a real kecamatan, with a per-run counter so
they never collide.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cakupan.accounts.models import Role, User
from cakupan.common.nik import make_nik
from cakupan.registry.models import (
    BranchOffice,
    FundingSource,
    Membership,
    MembershipStatus,
    Occupation,
    Person,
    Scheme,
    Segment,
    Unit,
    UnitKind,
)
from cakupan.wilayah.models import Region

if TYPE_CHECKING:
    from cakupan.intake.models import ImportBatch

_sequence = itertools.count(1)

LUWU_TIMUR = "73.24"
MALILI = "73.24.04"  # Kecamatan Malili, Luwu Timur


def make_person(
    *,
    name: str = "Andi Saputra",
    sex: str = "L",
    birth_date: dt.date = dt.date(1985, 8, 17),
    district: str = MALILI,
    domicile: str | None = None,
    **extra: Any,
) -> Person:
    nik = extra.pop("nik", None) or make_nik(
        district_code=district, birth_date=birth_date, sex=sex, sequence=next(_sequence)
    )
    return Person.objects.create(
        nik=nik, name=name, sex=sex, birth_date=birth_date, domicile_id=domicile, **extra
    )


def make_unit(
    *,
    region: str = LUWU_TIMUR,
    kind: str = UnitKind.OPD,
    name: str | None = None,
    code: str | None = None,
    parent: Unit | None = None,
) -> Unit:
    n = next(_sequence)
    return Unit.objects.create(
        code=code or f"T-{region}-{n}",
        name=name or f"Unit uji {n}",
        kind=kind,
        region=Region.objects.get(code=region),
        parent=parent,
    )


def make_membership(
    *,
    person: Person | None = None,
    unit: Unit | None = None,
    segment: str = Segment.NON_ASN,
    start_date: dt.date = dt.date(2021, 1, 1),
    end_date: dt.date | None = None,
    status: str = MembershipStatus.ACTIVE,
    occupation: str | None = None,
    **extra: Any,
) -> Membership:
    return Membership.objects.create(
        person=person or make_person(),
        unit=unit or make_unit(),
        segment=segment,
        funding_source=extra.pop("funding_source", FundingSource.APBD_KABKOTA),
        scheme=extra.pop("scheme", Scheme.PU),
        programmes=extra.pop("programmes", ["jkk", "jkm"]),
        wage=extra.pop("wage", Decimal("2500000")),
        risk_class=extra.pop("risk_class", 1),
        start_date=start_date,
        end_date=end_date,
        status=status,
        occupation=Occupation.objects.get(code=occupation) if occupation else None,
        **extra,
    )


def make_batch(
    unit: Unit, status: str, by: User, *, segment: str = Segment.PERANGKAT_DESA
) -> ImportBatch:
    """An import batch row in ``status``, its processing done (no file behind it): uploaded by
    ``by``, and submitted by ``by`` too once past "committed"."""
    from cakupan.intake.models import BatchStatus, ImportBatch, Phase

    n = next(_sequence)
    return ImportBatch.objects.create(
        unit=unit,
        segment=segment,
        created_by=by,
        submitted_by=by if status not in (BatchStatus.VALIDATED, BatchStatus.COMMITTED) else None,
        source="web",
        file_name=f"berkas-{n}.xlsx",
        file_path=f"intake/{n}",
        file_sha256=f"{n:064d}",
        file_size=10,
        status=status,
        phase=Phase.DONE,
        rows=3,
        accepted=3,
    )


def make_branch_office(
    *, regions: tuple[str, ...] = (LUWU_TIMUR,), name: str = "Kantor Cabang Malili"
) -> BranchOffice:
    office = BranchOffice.objects.create(code=f"KC-{next(_sequence)}", name=name)
    office.regions.set(Region.objects.filter(code__in=regions))
    return office


def make_user(
    *,
    role: str = Role.SUPERADMIN,
    username: str | None = None,
    password: str = "rahasia-uji-123",
    region: str | None = None,
    unit: Unit | None = None,
    branch_office: BranchOffice | None = None,
) -> User:
    user = User(
        username=username or f"user{next(_sequence)}",
        role=role,
        region_id=region,
        unit=unit,
        branch_office=branch_office,
        is_staff=role == Role.SUPERADMIN,
        is_superuser=role == Role.SUPERADMIN,
    )
    user.set_password(password)
    user.save()
    return user
