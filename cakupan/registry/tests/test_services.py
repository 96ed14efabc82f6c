from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import ProtectedError

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import AuditEvent, User
from cakupan.common.nik import make_nik
from cakupan.registry.models import (
    FundingSource,
    Membership,
    MembershipStatus,
    Person,
    Scheme,
    Segment,
)
from cakupan.registry.services import (
    DuplicateNik,
    InvalidMembership,
    InvalidPerson,
    MembershipInput,
    OverlappingMembership,
    PersonInput,
    admin_delete,
    admin_save,
    membership_create,
    memberships_close,
    memberships_set_status,
    person_create,
)
from cakupan.testing.factories import make_membership, make_person, make_unit

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def actor(operator_desa: User) -> Actor:
    return Actor(user=operator_desa, source="web")


def person_input(**overrides: object) -> PersonInput:
    values: dict[str, object] = {
        "nik": make_nik(district_code="73.24.04", birth_date=D(1980, 8, 17), sex="P", sequence=7),
        "name": "  Siti   Rahmawati ",
        "sex": "P",
        "birth_date": D(1980, 8, 17),
        "domicile_code": "73.24.04.2001",
        "phone": "081234567890",
    }
    values.update(overrides)
    return PersonInput(**values)  # type: ignore[arg-type]


def membership_input(unit_id: int, **overrides: object) -> MembershipInput:
    values: dict[str, object] = {
        "unit_id": unit_id,
        "segment": Segment.PERANGKAT_DESA,
        "funding_source": FundingSource.APBDES_ADD,
        "scheme": Scheme.PU,
        "wage": Decimal(2_450_000),
        "start_date": D(2022, 1, 1),
        "occupation_code": "kepala-seksi",
    }
    values.update(overrides)
    return MembershipInput(**values)  # type: ignore[arg-type]


def test_person_create_normalises_and_audits(actor: Actor) -> None:
    person = person_create(actor=actor, data=person_input())
    assert person.name == "Siti Rahmawati"
    event = AuditEvent.objects.get(entity="registry.person", entity_id=str(person.pk))
    assert (event.action, event.source, event.actor_label, event.before) == (
        "create",
        "web",
        "desa.malili",
        None,
    )
    assert event.after == {
        "nik": person.nik,
        "name": "Siti Rahmawati",
        "sex": "P",
        "birth_date": "1980-08-17",
        "domicile": "73.24.04.2001",
        "phone": "081234567890",
        "kk_number": "",
    }


@pytest.mark.parametrize(
    ("overrides", "codes"),
    [
        ({"sex": "L"}, ["nik_sex_mismatch"]),
        ({"birth_date": D(1980, 8, 18)}, ["nik_birth_date_mismatch"]),
        ({"nik": "7.32404E+15"}, ["nik_excel_damaged"]),
        ({"name": "   "}, ["name_required"]),
        ({"domicile_code": "73.24.04"}, ["domicile_unknown"]),
        ({"kk_number": "123"}, ["kk_invalid"]),
    ],
)
def test_person_create_refuses_bad_data(
    actor: Actor, overrides: dict[str, object], codes: list[str]
) -> None:
    with pytest.raises(InvalidPerson) as excinfo:
        person_create(actor=actor, data=person_input(**overrides))
    assert [p["code"] for p in excinfo.value.details] == codes
    assert not AuditEvent.objects.exists()


def test_person_create_refuses_a_known_nik(actor: Actor) -> None:
    person_create(actor=actor, data=person_input())
    with pytest.raises(DuplicateNik, match="sudah terdaftar atas nama Siti Rahmawati"):
        person_create(actor=actor, data=person_input(name="Orang Lain"))


def test_overlapping_membership_is_refused_with_the_holder(actor: Actor) -> None:
    unit = make_unit(region="73.24.04.2001", kind="pemerintah_desa", name="Pemerintah Desa Uji")
    person = make_person(name="Andi Saputra")
    first = membership_create(
        actor=actor, person=person, data=membership_input(unit.pk, end_date=D(2022, 12, 31))
    )
    with pytest.raises(OverlappingMembership) as excinfo:
        membership_create(
            actor=actor, person=person, data=membership_input(unit.pk, start_date=D(2022, 12, 31))
        )
    error = excinfo.value
    assert error.code == "membership_overlap"
    assert error.details["existing_membership"] == first.pk
    assert "Andi Saputra" in error.message and "Pemerintah Desa Uji" in error.message
    assert "01-01-2022 s.d. 31-12-2022" in error.message
    # The day after the first period ends is free; another segment or unit never clashes.
    membership_create(
        actor=actor, person=person, data=membership_input(unit.pk, start_date=D(2023, 1, 1))
    )
    membership_create(
        actor=actor, person=person, data=membership_input(unit.pk, segment=Segment.BPD)
    )
    other = make_unit(region="73.24.04.2001", kind="bpd")
    membership_create(actor=actor, person=person, data=membership_input(other.pk))
    assert Membership.objects.filter(person=person).count() == 4


def test_the_database_itself_refuses_overlaps() -> None:
    """Bulk paths bypass the service check; the database's no-overlap trigger still holds."""
    membership = make_membership(start_date=D(2021, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        make_membership(person=membership.person, unit=membership.unit, start_date=D(2024, 6, 1))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"programmes": ["jkk"]}, "Program JKK dan JKM wajib diikuti."),
        (
            {"scheme": Scheme.BPU, "programmes": ["jkk", "jkm", "jp"]},
            "Peserta BPU tidak dapat mengikuti JP atau JKP.",
        ),
        ({"end_date": D(2021, 12, 31)}, "Tanggal berakhir tidak boleh sebelum tanggal mulai."),
        ({"occupation_code": "astronot"}, "Pekerjaan tidak dikenal: astronot"),
    ],
)
def test_membership_rules(actor: Actor, overrides: dict[str, object], message: str) -> None:
    unit = make_unit()
    with pytest.raises(InvalidMembership) as excinfo:
        membership_create(
            actor=actor, person=make_person(), data=membership_input(unit.pk, **overrides)
        )
    assert excinfo.value.message == message


@pytest.mark.parametrize(
    ("field", "value"),
    [("programmes", ["jkk"]), ("risk_class", 6), ("wage", Decimal(-1)), ("kpj_number", "12AB")],
)
def test_membership_invariants_live_in_the_database(field: str, value: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make_membership(**{field: value})


def test_memberships_close_records_before_and_after_of_each(actor: Actor) -> None:
    first = make_membership(start_date=D(2021, 1, 1))
    second = make_membership(start_date=D(2022, 1, 1), end_date=D(2024, 3, 31))
    closed = memberships_close(
        actor=actor,
        ends=[(first.pk, D(2024, 3, 31)), (second.pk, D(2024, 3, 31))],
        status=MembershipStatus.LAPSED,
        note="uji",
    )
    assert closed == 2
    events = {
        e.entity_id: e for e in AuditEvent.objects.filter(entity="registry.membership", note="uji")
    }
    assert (events[str(first.pk)].before, events[str(first.pk)].after) == (
        {"end_date": None, "status": "active"},
        {"end_date": "2024-03-31", "status": "lapsed"},
    )
    # Only what changed: the end date was already that day.
    assert (events[str(second.pk)].before, events[str(second.pk)].after) == (
        {"status": "active"},
        {"status": "lapsed"},
    )
    first.refresh_from_db()
    assert (first.status, first.end_date) == (MembershipStatus.LAPSED, D(2024, 3, 31))
    with pytest.raises(InvalidMembership):
        memberships_close(actor=actor, ends=[], status=MembershipStatus.DRAFT, note="uji")


def test_memberships_set_status_audits_only_the_memberships_that_change(actor: Actor) -> None:
    draft = make_membership(status=MembershipStatus.DRAFT)
    submitted = make_membership(status=MembershipStatus.SUBMITTED)
    moved = memberships_set_status(
        actor=actor,
        memberships=Membership.objects.filter(pk__in=[draft.pk, submitted.pk]),
        status=MembershipStatus.SUBMITTED,
        note="diajukan",
    )
    assert moved == 2
    event = AuditEvent.objects.get(entity="registry.membership", note="diajukan")
    assert (event.entity_id, event.before, event.after) == (
        str(draft.pk),
        {"status": "draft"},
        {"status": "submitted"},
    )


@pytest.mark.parametrize(
    "statement", ["UPDATE accounts_auditevent SET note = 'x'", "DELETE FROM accounts_auditevent"]
)
def test_audit_log_is_append_only_in_the_database(actor: Actor, statement: str) -> None:
    person_create(actor=actor, data=person_input())
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AuditEvent.objects.count() == 1


# --- the Django admin's write path --------------------------------------------------------------


def test_admin_save_audits_a_new_row_a_change_and_not_a_non_change(actor: Actor) -> None:
    template = make_person(name="Contoh")
    new = Person(
        nik=template.nik[:12] + "0999", name="Orang Baru", sex="L", birth_date=template.birth_date
    )
    admin_save(actor=actor, instance=new)
    new.phone = "0811"
    admin_save(actor=actor, instance=new)
    admin_save(actor=actor, instance=new)
    events = list(
        AuditEvent.objects.filter(entity="registry.person", entity_id=str(new.pk)).order_by("id")
    )
    assert [(e.action, e.note) for e in events] == [("create", "admin"), ("update", "admin")]
    assert events[0].after is not None and events[0].after["name"] == "Orang Baru"
    assert (events[1].before, events[1].after) == ({"phone": ""}, {"phone": "0811"})


def test_admin_delete_refused_by_the_database_leaves_no_row(actor: Actor) -> None:
    membership = make_membership()
    before = AuditEvent.objects.count()
    with pytest.raises(ProtectedError):
        admin_delete(actor=actor, instances=[membership.person])  # it has a membership
    assert AuditEvent.objects.count() == before
    assert admin_delete(actor=actor, instances=[membership, membership.person]) == 2
    deleted = AuditEvent.objects.filter(action="delete").order_by("id")
    assert [e.entity for e in deleted] == ["registry.membership", "registry.person"]
    assert all(e.after is None and e.before for e in deleted)
