"""One user per demo role, scoped to one small world in Luwu Timur: pytest fixtures for every app.

The root ``conftest.py`` registers this module (``pytest_plugins``), so any test may ask for
``superadmin``, ``admin_kabupaten``, ``operator_opd``, ``operator_desa``, ``camat``,
``petugas_bpjs`` or ``pimpinan`` (each a saved :class:`~cakupan.accounts.models.User`), for all of
them at once (``personas``, by role), or for the world they are scoped to (``persona_world``).
They mirror the demo sign-ins (README, "Demo sign-ins"), usernames included:

=================== ===================== ==================================================
fixture             username              scope
=================== ===================== ==================================================
superadmin          ``admin``             everything; staff and superuser (the Django admin)
admin_kabupaten     ``admin.lutim``       Kabupaten Luwu Timur (``persona_world.kabupaten``)
operator_opd        ``opd.disdik.lutim``  the OPD (``persona_world.opd``)
operator_desa       ``desa.malili``       the pemerintah desa (``persona_world.pemerintah_desa``)
camat               ``camat.malili``      Kecamatan Malili (``persona_world.kecamatan``)
petugas_bpjs        ``bpjs.malili``       the branch office serving Luwu Timur
pimpinan            ``bupati.lutim``      Kabupaten Luwu Timur
=================== ===================== ==================================================

All have the password :data:`PASSWORD`. The world is only what scopes them: the regions (from the
Kemendagri dataset the session loads), two units and a branch office; no people, memberships or
bills. Units get the factories' unique codes, so a test may add more of its own freely. Everything
is created inside the test's transaction (the fixtures use ``db``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from cakupan.accounts.models import Role, User
from cakupan.registry.models import BranchOffice, Unit, UnitKind
from cakupan.testing.factories import make_branch_office, make_unit, make_user
from cakupan.wilayah.models import Region, RegionKind

PASSWORD = "rahasia-uji-123"  # noqa: S105 - test accounts only
LUWU_TIMUR = "73.24"
MALILI = "73.24.04"


@dataclass(frozen=True)
class PersonaWorld:
    """Where the personas are: Luwu Timur, its Kecamatan Malili and a desa in it, two units."""

    kabupaten: Region  # Kabupaten Luwu Timur (73.24)
    kecamatan: Region  # Kecamatan Malili (73.24.04)
    desa: Region  # the first desa (not kelurahan) of Malili by code
    opd: Unit  # Dinas Pendidikan dan Kebudayaan, located in the kabupaten
    pemerintah_desa: Unit  # the government of ``desa``
    branch_office: BranchOffice  # Kantor Cabang Malili, serving the kabupaten


@pytest.fixture
def persona_world(db: None) -> PersonaWorld:
    kabupaten = Region.objects.get(code=LUWU_TIMUR)
    kecamatan = Region.objects.get(code=MALILI)
    desa = (
        Region.objects.filter(parent=kecamatan, kind=RegionKind.DESA, valid_to__isnull=True)
        .order_by("code")
        .first()
    )
    assert desa is not None, "the session's region dataset has no desa in Malili"
    return PersonaWorld(
        kabupaten=kabupaten,
        kecamatan=kecamatan,
        desa=desa,
        opd=make_unit(
            region=LUWU_TIMUR,
            kind=UnitKind.OPD,
            name="Dinas Pendidikan dan Kebudayaan Luwu Timur",
        ),
        pemerintah_desa=make_unit(
            region=desa.code, kind=UnitKind.PEMERINTAH_DESA, name=f"Pemerintah Desa {desa.name}"
        ),
        branch_office=make_branch_office(regions=(LUWU_TIMUR,), name="Kantor Cabang Malili"),
    )


@pytest.fixture
def superadmin(persona_world: PersonaWorld) -> User:
    return make_user(role=Role.SUPERADMIN, username="admin", password=PASSWORD)


@pytest.fixture
def admin_kabupaten(persona_world: PersonaWorld) -> User:
    return make_user(
        role=Role.ADMIN_KABUPATEN,
        username="admin.lutim",
        password=PASSWORD,
        region=persona_world.kabupaten.code,
    )


@pytest.fixture
def operator_opd(persona_world: PersonaWorld) -> User:
    return make_user(
        role=Role.OPERATOR_OPD,
        username="opd.disdik.lutim",
        password=PASSWORD,
        unit=persona_world.opd,
    )


@pytest.fixture
def operator_desa(persona_world: PersonaWorld) -> User:
    return make_user(
        role=Role.OPERATOR_DESA,
        username="desa.malili",
        password=PASSWORD,
        unit=persona_world.pemerintah_desa,
    )


@pytest.fixture
def camat(persona_world: PersonaWorld) -> User:
    return make_user(
        role=Role.CAMAT,
        username="camat.malili",
        password=PASSWORD,
        region=persona_world.kecamatan.code,
    )


@pytest.fixture
def petugas_bpjs(persona_world: PersonaWorld) -> User:
    return make_user(
        role=Role.PETUGAS_BPJS,
        username="bpjs.malili",
        password=PASSWORD,
        branch_office=persona_world.branch_office,
    )


@pytest.fixture
def pimpinan(persona_world: PersonaWorld) -> User:
    return make_user(
        role=Role.PIMPINAN,
        username="bupati.lutim",
        password=PASSWORD,
        region=persona_world.kabupaten.code,
    )


# The fixture of each role, by ``Role`` value.
PERSONA_FIXTURES = {
    Role.SUPERADMIN: "superadmin",
    Role.ADMIN_KABUPATEN: "admin_kabupaten",
    Role.OPERATOR_OPD: "operator_opd",
    Role.OPERATOR_DESA: "operator_desa",
    Role.CAMAT: "camat",
    Role.PETUGAS_BPJS: "petugas_bpjs",
    Role.PIMPINAN: "pimpinan",
}


@pytest.fixture
def personas(request: pytest.FixtureRequest) -> dict[str, User]:
    """Every persona, by role (``personas[Role.CAMAT]``)."""
    return {role: request.getfixturevalue(name) for role, name in PERSONA_FIXTURES.items()}
