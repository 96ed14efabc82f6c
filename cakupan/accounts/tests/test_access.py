"""Who sees what: every role against one small world in Luwu Timur (73.24) and Bulukumba (73.02)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from cakupan.accounts import access
from cakupan.accounts.models import Role, User
from cakupan.registry.models import Membership, Person, Segment, Unit, UnitKind
from cakupan.testing.factories import (
    make_branch_office,
    make_membership,
    make_person,
    make_unit,
    make_user,
)
from cakupan.wilayah.models import Region, RegionKind

LUWU_TIMUR = "73.24"
BULUKUMBA = "73.02"


@dataclass
class World:
    desa_a: Region  # first desa of the first kecamatan of Luwu Timur
    desa_b: Region  # first desa of another kecamatan
    units: dict[str, Unit]
    memberships: dict[str, Membership]
    persons: dict[str, Person]


def _first_desa(kecamatan: str) -> Region:
    desa = Region.objects.filter(parent_id=kecamatan, kind=RegionKind.DESA).order_by("code").first()
    assert desa is not None, kecamatan
    return desa


@pytest.fixture
def world(db: None) -> World:
    kecamatan = list(
        Region.objects.filter(parent_id=LUWU_TIMUR, kind=RegionKind.KECAMATAN)
        .order_by("code")
        .values_list("code", flat=True)
    )
    desa_a, desa_b = _first_desa(kecamatan[0]), _first_desa(kecamatan[1])
    desa_other = _first_desa(f"{BULUKUMBA}.01")
    assert desa_a.code.startswith(f"{kecamatan[0]}.") and desa_b.code.startswith(f"{kecamatan[1]}.")
    opd = make_unit(region=LUWU_TIMUR, kind=UnitKind.OPD, name="Dinas Pendidikan")
    units = {
        "desa_a": make_unit(
            region=desa_a.code, kind=UnitKind.PEMERINTAH_DESA, name=f"Pemerintah Desa {desa_a.name}"
        ),
        "bpd_a": make_unit(region=desa_a.code, kind=UnitKind.BPD, name=f"BPD {desa_a.name}"),
        "desa_b": make_unit(
            region=desa_b.code, kind=UnitKind.PEMERINTAH_DESA, name=f"Pemerintah Desa {desa_b.name}"
        ),
        "opd": opd,
        # A sub-unit of the OPD located in the second kecamatan (an UPT), not under the camat of the first.
        "opd_child": make_unit(
            region=kecamatan[1], kind=UnitKind.OPD, name="UPT Pendidikan", parent=opd
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


def _user(world: World, role: str) -> User | AnonymousUser:
    if role == "anonymous":
        return AnonymousUser()
    if role == Role.SUPERADMIN:
        return make_user(role=role)
    if role in (Role.ADMIN_KABUPATEN, Role.PIMPINAN):
        return make_user(role=role, region=LUWU_TIMUR)
    if role == Role.CAMAT:
        return make_user(role=role, region=world.desa_a.parent_id)
    if role == Role.PETUGAS_BPJS:
        return make_user(role=role, branch_office=make_branch_office(regions=(LUWU_TIMUR,)))
    if role == Role.OPERATOR_OPD:
        return make_user(role=role, unit=world.units["opd"])
    if role == Role.OPERATOR_DESA:
        return make_user(role=role, unit=world.units["desa_a"])
    raise AssertionError(role)


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
def test_visible_units_memberships_and_persons(world: World, role: str) -> None:
    user = _user(world, role)
    expected_units, expected_persons = EXPECTED[role]

    units = set(access.units_visible_to(user).values_list("pk", flat=True))
    memberships = set(access.memberships_visible_to(user).values_list("pk", flat=True))
    persons = set(access.persons_visible_to(user).values_list("pk", flat=True))

    assert units == {world.units[name].pk for name in expected_units}
    # Each unit holds exactly one membership of the same name.
    assert memberships == {world.memberships[name].pk for name in expected_units}
    assert persons == {world.persons[name].pk for name in expected_persons}
    assert _names(world.persons, persons) == expected_persons  # readable failure messages


@pytest.mark.parametrize("role", ROLES)
def test_getters_answer_404_outside_scope(world: World, role: str) -> None:
    user = _user(world, role)
    expected_units, expected_persons = EXPECTED[role]
    for name, membership in world.memberships.items():
        if name in expected_units:
            assert access.membership_get_for(user, membership.pk) == membership
        else:
            with pytest.raises(Http404):
                access.membership_get_for(user, membership.pk)
            # Out of scope stays 404 for writes too: no probing ids through the 403.
            with pytest.raises(Http404):
                access.membership_get_for(user, membership.pk, write=True)
    for name, person in world.persons.items():
        if name in expected_persons:
            assert access.person_get_for(user, person.pk) == person
        else:
            with pytest.raises(Http404):
                access.person_get_for(user, person.pk)
            with pytest.raises(Http404):
                access.person_get_for(user, person.pk, write=True)
    for name, unit in world.units.items():
        if name in expected_units:
            assert access.unit_get_for(user, unit.pk) == unit
        else:
            with pytest.raises(Http404):
                access.unit_get_for(user, unit.pk)


@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
def test_writes_refused_for_read_only_roles(world: World, role: str) -> None:
    user = _user(world, role)
    expected_units, expected_persons = EXPECTED[role]
    membership = world.memberships[sorted(expected_units)[0]]
    person = world.persons[sorted(expected_persons)[0]]
    unit = world.units[sorted(expected_units)[0]]
    if role in READ_ONLY_ROLES:
        with pytest.raises(PermissionDenied):
            access.membership_get_for(user, membership.pk, write=True)
        with pytest.raises(PermissionDenied):
            access.person_get_for(user, person.pk, write=True)
        with pytest.raises(PermissionDenied):
            access.unit_get_for(user, unit.pk, write=True)
    else:
        assert access.membership_get_for(user, membership.pk, write=True) == membership
        assert access.person_get_for(user, person.pk, write=True) == person
        assert access.unit_get_for(user, unit.pk, write=True) == unit


@pytest.mark.parametrize("bad_id", ["abc", None, "", -1, 10**12])
def test_malformed_or_missing_ids_are_404(world: World, bad_id: object) -> None:
    user = _user(world, Role.SUPERADMIN)
    with pytest.raises(Http404):
        access.person_get_for(user, bad_id)
    with pytest.raises(Http404):
        access.membership_get_for(user, bad_id)


def test_inactive_user_sees_nothing(world: World) -> None:
    user = make_user(role=Role.ADMIN_KABUPATEN, region=LUWU_TIMUR)
    user.is_active = False
    user.save()
    assert not access.units_visible_to(user).exists()
    assert not access.memberships_visible_to(user).exists()
    assert not access.persons_visible_to(user).exists()
    with pytest.raises(Http404):
        access.person_get_for(user, world.persons["p_desa_a"].pk)


def test_cli_system_user_sees_everything(world: World) -> None:
    assert set(access.memberships_visible_to(access.SYSTEM).values_list("pk", flat=True)) >= {
        m.pk for m in world.memberships.values()
    }
