"""Who sees what: every role (the personas) against one small world in Luwu Timur and Bulukumba.

``accounts.access`` states the scopes; ``registry.selectors`` applies them to units, memberships
and people, the way every app applies them to its own rows. The primitives are tested on their own
below, and so is the layering: ``accounts`` imports nothing from the apps above it.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from cakupan.accounts import access
from cakupan.accounts.models import Role, User
from cakupan.registry.models import Membership, Person, Segment, Unit, UnitKind
from cakupan.registry.selectors import (
    membership_get_for,
    memberships_visible_to,
    person_get_for,
    persons_visible_to,
    unit_get_for,
    units_visible_to,
)
from cakupan.testing.factories import make_membership, make_person, make_unit, make_user
from cakupan.testing.personas import PersonaWorld
from cakupan.wilayah.models import Region, RegionKind

LUWU_TIMUR = "73.24"
BULUKUMBA = "73.02"


@dataclass
class World:
    desa_a: Region  # the personas' desa, in Kecamatan Malili
    desa_b: Region  # first desa of another kecamatan of Luwu Timur
    units: dict[str, Unit]
    memberships: dict[str, Membership]
    persons: dict[str, Person]


def _first_desa(kecamatan: str) -> Region:
    desa = Region.objects.filter(parent_id=kecamatan, kind=RegionKind.DESA).order_by("code").first()
    assert desa is not None, kecamatan
    return desa


@pytest.fixture
def world(persona_world: PersonaWorld) -> World:
    other_kecamatan = (
        Region.objects.filter(parent=persona_world.kabupaten, kind=RegionKind.KECAMATAN)
        .exclude(pk=persona_world.kecamatan.pk)
        .order_by("code")
        .values_list("code", flat=True)
        .first()
    )
    assert other_kecamatan is not None
    desa_a, desa_b = persona_world.desa, _first_desa(other_kecamatan)
    desa_other = _first_desa(f"{BULUKUMBA}.01")
    opd = persona_world.opd
    units = {
        "desa_a": persona_world.pemerintah_desa,
        "bpd_a": make_unit(region=desa_a.code, kind=UnitKind.BPD, name=f"BPD {desa_a.name}"),
        "desa_b": make_unit(
            region=desa_b.code, kind=UnitKind.PEMERINTAH_DESA, name=f"Pemerintah Desa {desa_b.name}"
        ),
        "opd": opd,
        # A sub-unit of the OPD located in the other kecamatan (an UPT), not under the camat.
        "opd_child": make_unit(
            region=other_kecamatan, kind=UnitKind.OPD, name="UPT Pendidikan", parent=opd
        ),
        "other": make_unit(region=BULUKUMBA, kind=UnitKind.OPD, name="Dinas Sosial Bulukumba"),
    }
    persons = {
        "p_desa_a": make_person(name="Andi Perangkat"),
        "p_bpd_a": make_person(name="Besse BPD", sex="P"),
        # Member in desa B but living in desa A: visible to the camat of A, the membership is not.
        "p_desa_b": make_person(name="Cakra Perangkat", domicile=desa_a.code),
        "p_opd": make_person(name="Dewi Guru", sex="P"),
        "p_opd_child": make_person(name="Eko Penjaga"),
        "p_other": make_person(name="Fajar Bulukumba", district="73.02.01"),
        # No membership anywhere, domiciled in desa A: only region-scoped roles see them.
        "p_domicile_a": make_person(name="Gita Warga", sex="P", domicile=desa_a.code),
        # No membership, domiciled in Bulukumba: only the superadmin.
        "p_domicile_other": make_person(
            name="Hasan Warga",
            district="73.02.01",
            domicile=desa_other.code,
        ),
    }
    memberships = {
        "desa_a": make_membership(
            person=persons["p_desa_a"], unit=units["desa_a"], segment=Segment.PERANGKAT_DESA
        ),
        "bpd_a": make_membership(
            person=persons["p_bpd_a"], unit=units["bpd_a"], segment=Segment.BPD
        ),
        "desa_b": make_membership(
            person=persons["p_desa_b"], unit=units["desa_b"], segment=Segment.PERANGKAT_DESA
        ),
        "opd": make_membership(person=persons["p_opd"], unit=units["opd"]),
        "opd_child": make_membership(person=persons["p_opd_child"], unit=units["opd_child"]),
        "other": make_membership(person=persons["p_other"], unit=units["other"]),
    }
    return World(
        desa_a=desa_a, desa_b=desa_b, units=units, memberships=memberships, persons=persons
    )


def _user(personas: Mapping[str, User], role: str) -> User | AnonymousUser:
    return AnonymousUser() if role == "anonymous" else personas[role]


LUWU_TIMUR_UNITS = {"desa_a", "bpd_a", "desa_b", "opd", "opd_child"}
LUWU_TIMUR_PERSONS = {"p_desa_a", "p_bpd_a", "p_desa_b", "p_opd", "p_opd_child", "p_domicile_a"}
ALL_UNITS = LUWU_TIMUR_UNITS | {"other"}
ALL_PERSONS = LUWU_TIMUR_PERSONS | {"p_other", "p_domicile_other"}

# role: (visible units = visible memberships' units, visible persons)
EXPECTED = {
    Role.SUPERADMIN: (ALL_UNITS, ALL_PERSONS),
    Role.ADMIN_KABUPATEN: (LUWU_TIMUR_UNITS, LUWU_TIMUR_PERSONS),
    Role.PIMPINAN: (LUWU_TIMUR_UNITS, LUWU_TIMUR_PERSONS),
    Role.PETUGAS_BPJS: (LUWU_TIMUR_UNITS, LUWU_TIMUR_PERSONS),
    Role.CAMAT: ({"desa_a", "bpd_a"}, {"p_desa_a", "p_bpd_a", "p_desa_b", "p_domicile_a"}),
    Role.OPERATOR_OPD: ({"opd", "opd_child"}, {"p_opd", "p_opd_child"}),
    Role.OPERATOR_DESA: ({"desa_a", "bpd_a"}, {"p_desa_a", "p_bpd_a"}),
    "anonymous": (set(), set()),
}
READ_ONLY_ROLES = {Role.CAMAT, Role.PIMPINAN, Role.PETUGAS_BPJS}
ROLES = list(EXPECTED)


def _names(mapping: Mapping[str, Person], pks: set[int]) -> set[str]:
    return {name for name, obj in mapping.items() if obj.pk in pks}


@pytest.mark.parametrize("role", ROLES)
def test_visible_units_memberships_and_persons(
    world: World, personas: dict[str, User], role: str
) -> None:
    user = _user(personas, role)
    expected_units, expected_persons = EXPECTED[role]

    units = set(units_visible_to(user).values_list("pk", flat=True))
    memberships = set(memberships_visible_to(user).values_list("pk", flat=True))
    persons = set(persons_visible_to(user).values_list("pk", flat=True))

    assert units == {world.units[name].pk for name in expected_units}
    # Each unit holds exactly one membership of the same name.
    assert memberships == {world.memberships[name].pk for name in expected_units}
    assert persons == {world.persons[name].pk for name in expected_persons}
    assert _names(world.persons, persons) == expected_persons  # readable failure messages


@pytest.mark.parametrize("role", ROLES)
def test_getters_answer_404_outside_scope(
    world: World, personas: dict[str, User], role: str
) -> None:
    user = _user(personas, role)
    expected_units, expected_persons = EXPECTED[role]
    for name, membership in world.memberships.items():
        if name in expected_units:
            assert membership_get_for(user, membership.pk) == membership
        else:
            with pytest.raises(Http404):
                membership_get_for(user, membership.pk)
            # Out of scope stays 404 for writes too: no probing ids through the 403.
            with pytest.raises(Http404):
                membership_get_for(user, membership.pk, write=True)
    for name, person in world.persons.items():
        if name in expected_persons:
            assert person_get_for(user, person.pk) == person
        else:
            with pytest.raises(Http404):
                person_get_for(user, person.pk)
            with pytest.raises(Http404):
                person_get_for(user, person.pk, write=True)
    for name, unit in world.units.items():
        if name in expected_units:
            assert unit_get_for(user, unit.pk) == unit
        else:
            with pytest.raises(Http404):
                unit_get_for(user, unit.pk)


@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
def test_writes_refused_for_read_only_roles(
    world: World, personas: dict[str, User], role: str
) -> None:
    user = personas[role]
    expected_units, expected_persons = EXPECTED[role]
    membership = world.memberships[sorted(expected_units)[0]]
    person = world.persons[sorted(expected_persons)[0]]
    unit = world.units[sorted(expected_units)[0]]
    if role in READ_ONLY_ROLES:
        with pytest.raises(PermissionDenied):
            membership_get_for(user, membership.pk, write=True)
        with pytest.raises(PermissionDenied):
            person_get_for(user, person.pk, write=True)
        with pytest.raises(PermissionDenied):
            unit_get_for(user, unit.pk, write=True)
    else:
        assert membership_get_for(user, membership.pk, write=True) == membership
        assert person_get_for(user, person.pk, write=True) == person
        assert unit_get_for(user, unit.pk, write=True) == unit


@pytest.mark.parametrize("bad_id", ["abc", None, "", -1, 10**12])
def test_malformed_or_missing_ids_are_404(world: World, superadmin: User, bad_id: object) -> None:
    with pytest.raises(Http404):
        person_get_for(superadmin, bad_id)
    with pytest.raises(Http404):
        membership_get_for(superadmin, bad_id)


def test_inactive_user_sees_nothing(world: World, admin_kabupaten: User) -> None:
    admin_kabupaten.is_active = False
    admin_kabupaten.save()
    assert not units_visible_to(admin_kabupaten).exists()
    assert not memberships_visible_to(admin_kabupaten).exists()
    assert not persons_visible_to(admin_kabupaten).exists()
    with pytest.raises(Http404):
        person_get_for(admin_kabupaten, world.persons["p_desa_a"].pk)


def test_cli_system_user_sees_everything(world: World) -> None:
    assert set(memberships_visible_to(access.SYSTEM).values_list("pk", flat=True)) >= {
        m.pk for m in world.memberships.values()
    }
    assert access.unit_scope_q(access.SYSTEM) is None
    assert access.region_scope_q(access.SYSTEM, "domicile__code") is None


# --- the primitives, on their own ---------------------------------------------------------------


def test_no_user_anonymous_or_inactive_sees_nothing_through_any_path(
    world: World, admin_kabupaten: User
) -> None:
    admin_kabupaten.is_active = False
    for nobody in (None, AnonymousUser(), admin_kabupaten):
        unit_q = access.unit_scope_q(nobody, "unit__")
        region_q = access.region_scope_q(nobody, "code")
        assert unit_q is not None and region_q is not None
        assert not Membership.objects.filter(unit_q).exists()
        assert not Region.objects.filter(region_q).exists()
        assert not access.limit_to_units(nobody, Membership.objects.all(), "unit__").exists()
        with pytest.raises(PermissionDenied):
            access.require_write(nobody)


def test_the_unit_path_is_followed(world: World, operator_opd: User) -> None:
    """Memberships through ``unit__``, and the units through nothing: the same OPD scope."""
    memberships = access.limit_to_units(operator_opd, Membership.objects.all(), "unit__")
    units = access.limit_to_units(operator_opd, Unit.objects.all())
    assert set(memberships.values_list("unit_id", flat=True)) == set(
        units.values_list("pk", flat=True)
    )
    assert set(units) == {world.units["opd"], world.units["opd_child"]}


@pytest.mark.parametrize(
    ("role", "sees_desa_a"),
    [
        (Role.ADMIN_KABUPATEN, True),
        (Role.PIMPINAN, True),
        (Role.CAMAT, True),
        (Role.PETUGAS_BPJS, True),
        # A unit's scope says nothing about where people live.
        (Role.OPERATOR_OPD, False),
        (Role.OPERATOR_DESA, False),
    ],
)
def test_region_scope_of_each_role(
    world: World, personas: dict[str, User], role: str, sees_desa_a: bool
) -> None:
    q = access.region_scope_q(personas[role], "code")
    assert q is not None
    regions = Region.objects.filter(q)
    assert regions.filter(code=world.desa_a.code).exists() is sees_desa_a
    assert not regions.filter(code__startswith=f"{BULUKUMBA}.").exists()


def test_region_codes_of_a_bpjs_officer_are_the_branch_offices(
    petugas_bpjs: User, persona_world: PersonaWorld, camat: User, operator_desa: User
) -> None:
    assert access.region_codes(petugas_bpjs) == [LUWU_TIMUR]
    persona_world.branch_office.regions.add(Region.objects.get(code=BULUKUMBA))
    assert sorted(access.region_codes(petugas_bpjs) or []) == [BULUKUMBA, LUWU_TIMUR]
    assert access.region_codes(camat) == [persona_world.kecamatan.code]
    assert access.region_codes(operator_desa) is None


def test_regions_plannable_by_each_persona(
    personas: dict[str, User], persona_world: PersonaWorld
) -> None:
    def codes(role: str) -> list[str] | None:
        regions = access.regions_plannable_by(personas[role])
        return None if regions is None else [r.code for r in regions]

    assert codes(Role.SUPERADMIN) is None
    kabupaten = codes(Role.ADMIN_KABUPATEN) or []
    assert kabupaten[0] == LUWU_TIMUR and persona_world.kecamatan.code in kabupaten
    assert codes(Role.PETUGAS_BPJS) == kabupaten == codes(Role.PIMPINAN)
    assert codes(Role.CAMAT) == [persona_world.kecamatan.code]
    assert codes(Role.OPERATOR_DESA) == [persona_world.desa.code]
    assert codes(Role.OPERATOR_OPD) == kabupaten  # the OPD is located in the kabupaten


def test_get_visible_or_404_takes_any_lookup_and_checks_the_write_last(
    world: World, pimpinan: User
) -> None:
    visible = units_visible_to(pimpinan)
    opd = world.units["opd"]
    assert access.get_visible_or_404(pimpinan, visible, code=opd.code) == opd
    with pytest.raises(Http404):
        access.get_visible_or_404(pimpinan, visible, code=world.units["other"].code, write=True)
    with pytest.raises(PermissionDenied):
        access.get_visible_or_404(pimpinan, visible, code=opd.code, write=True)


def test_a_user_without_the_scope_its_role_needs_sees_nothing(world: World) -> None:
    """The database refuses such a row; an unsaved one (or a future role) still gets nothing."""
    scopeless = User(username="tanpa.cakupan", role=Role.OPERATOR_DESA)
    assert not access.limit_to_units(scopeless, Unit.objects.all()).exists()
    assert make_user(role=Role.SUPERADMIN).can_write


# --- layering -----------------------------------------------------------------------------------

ACCOUNTS = Path(__file__).resolve().parents[1]
# ``accounts`` is the bottom layer: it may use the regions and the project's plumbing, no app.
ALLOWED = ("cakupan.accounts", "cakupan.wilayah", "cakupan.common")


def _project_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append(node.module)
    return [m for m in found if m.startswith("cakupan.")]


CODE = sorted(
    p
    for p in ACCOUNTS.rglob("*.py")
    if "tests" not in p.relative_to(ACCOUNTS).parts
    and "migrations" not in p.relative_to(ACCOUNTS).parts
)


def test_the_layering_walk_sees_the_modules() -> None:
    names = {p.relative_to(ACCOUNTS).as_posix() for p in CODE}
    assert {"access.py", "audit.py", "admin.py", "models.py", "services.py"} <= names


@pytest.mark.parametrize("path", CODE, ids=lambda p: p.relative_to(ACCOUNTS).as_posix())
def test_accounts_imports_no_app_above_it(path: Path) -> None:
    above = [
        m
        for m in _project_imports(path)
        if not any(m == a or m.startswith(f"{a}.") for a in ALLOWED)
        # The web edge of common stands on accounts, not under it.
        or m == "cakupan.common.web"
    ]
    assert above == []
