"""Writing the registry. Every function is keyword-only, transactional and audited.

The registry's rows are written here and nowhere else (issue 15, item 4): one person or
membership at a time by this module (forms, the Django admin, the demo), many at once by
:mod:`.bulk` (spreadsheet intake), status changes of many memberships (intake's workflow, BPJS's
reply, billing's lapse) by :func:`memberships_set_status` and :func:`memberships_close`, and the
retention purge's anonymisation by :func:`people_anonymise`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import CharField, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat, LPad, TruncYear
from django.utils import timezone

from cakupan.accounts.audit import (
    Actor,
    diff,
    diff_sql,
    record_change,
    record_changes_bulk,
    record_changes_sql,
    snapshot,
)
from cakupan.accounts.models import Action
from cakupan.common.bulk import copy_instances, reserve_ids
from cakupan.common.errors import DomainError
from cakupan.common.nik import parse_nik
from cakupan.registry.models import (
    COVERED_STATUSES,
    BranchOffice,
    CooperationAgreement,
    Membership,
    MembershipStatus,
    Occupation,
    Person,
    Programme,
    Scheme,
    Unit,
    UnitFormation,
)
from cakupan.wilayah.models import Region, RegionKind
from cakupan.wilayah.selectors import region_names


class InvalidPerson(DomainError):
    code = "person_invalid"


class DuplicateNik(DomainError):
    code = "person_nik_exists"


class InvalidMembership(DomainError):
    code = "membership_invalid"


class OverlappingMembership(DomainError):
    """A second membership of the same person in the same unit and segment for overlapping dates."""

    code = "membership_overlap"

    def __init__(self, existing: Membership) -> None:
        end = existing.end_date.strftime("%d-%m-%Y") if existing.end_date else "sekarang"
        super().__init__(
            f"{existing.person.name} (NIK {existing.person.masked_nik}) sudah terdaftar di "
            f"{existing.unit.name} pada segmen {existing.get_segment_display()} untuk periode "
            f"{existing.start_date:%d-%m-%Y} s.d. {end} (kepesertaan #{existing.pk}). "
            "Periode kepesertaan di unit dan segmen yang sama tidak boleh tumpang tindih.",
            details={
                "existing_membership": existing.pk,
                "unit": existing.unit.code,
                "start_date": existing.start_date.isoformat(),
                "end_date": existing.end_date.isoformat() if existing.end_date else None,
            },
        )
        self.existing = existing


@dataclass(frozen=True, slots=True)
class PersonInput:
    nik: str
    name: str
    sex: str
    birth_date: dt.date
    domicile_code: str | None = None
    phone: str = ""
    kk_number: str = ""


def _clean_person(data: PersonInput) -> dict[str, object]:
    result = parse_nik(
        data.nik,
        sex=data.sex,
        birth_date=data.birth_date,
        region_names=region_names,
        today=timezone.localdate(),
    )
    problems = [{"field": "nik", "code": e.code, "message": e.message} for e in result.errors]
    name = " ".join(data.name.split())
    if not name:
        problems.append({"field": "name", "code": "name_required", "message": "Nama wajib diisi."})
    domicile = None
    if data.domicile_code:
        domicile = Region.objects.filter(
            code=data.domicile_code, kind__in=[RegionKind.DESA, RegionKind.KELURAHAN]
        ).first()
        if domicile is None:
            problems.append(
                {
                    "field": "domicile",
                    "code": "domicile_unknown",
                    "message": f"Kode desa/kelurahan tidak dikenal: {data.domicile_code}",
                }
            )
    if data.kk_number and not (data.kk_number.isdigit() and len(data.kk_number) == 16):
        problems.append(
            {
                "field": "kk_number",
                "code": "kk_invalid",
                "message": "Nomor KK harus 16 digit angka.",
            }
        )
    if problems:
        raise InvalidPerson(
            "Data orang tidak valid: " + "; ".join(str(p["message"]) for p in problems),
            details=problems,
        )
    return {
        "nik": result.nik,
        "name": name,
        "sex": data.sex,
        "birth_date": data.birth_date,
        "domicile": domicile,
        "phone": data.phone.strip(),
        "kk_number": data.kk_number,
    }


@transaction.atomic
def person_create(*, actor: Actor, data: PersonInput) -> Person:
    """Register a person after checking the NIK against sex and birth date (see ``common.nik``)."""
    values = _clean_person(data)
    existing = Person.objects.filter(nik=values["nik"]).first()
    if existing is not None:
        raise DuplicateNik(
            f"NIK {existing.masked_nik} sudah terdaftar atas nama {existing.name}.",
            details={"person": existing.pk},
        )
    person = Person.objects.create(**values)
    record_change(
        actor=actor,
        action=Action.CREATE,
        instance=person,
        before=None,
        after=snapshot(person, Person.AUDITED_FIELDS),
    )
    return person


@dataclass(frozen=True, slots=True)
class MembershipInput:
    unit_id: int
    segment: str
    funding_source: str
    scheme: str
    wage: Decimal
    start_date: dt.date
    programmes: Sequence[str] = field(default_factory=lambda: (Programme.JKK, Programme.JKM))
    occupation_code: str | None = None
    risk_class: int | None = 1
    end_date: dt.date | None = None
    status: str = MembershipStatus.DRAFT
    kpj_number: str = ""


def _clean_membership(data: MembershipInput) -> dict[str, object]:
    problems: list[str] = []
    programmes = sorted(set(data.programmes), key=list(Programme.values).index)
    if not {Programme.JKK, Programme.JKM} <= set(programmes):
        problems.append("Program JKK dan JKM wajib diikuti.")
    if data.scheme == Scheme.BPU and {Programme.JP, Programme.JKP} & set(programmes):
        problems.append("Peserta BPU tidak dapat mengikuti JP atau JKP.")
    if data.end_date and data.end_date < data.start_date:
        problems.append("Tanggal berakhir tidak boleh sebelum tanggal mulai.")
    if data.wage < 0:
        problems.append("Upah tidak boleh negatif.")
    occupation = None
    if data.occupation_code:
        occupation = Occupation.objects.filter(code=data.occupation_code).first()
        if occupation is None:
            problems.append(f"Pekerjaan tidak dikenal: {data.occupation_code}")
    unit = Unit.objects.filter(pk=data.unit_id).first()
    if unit is None:
        problems.append("Unit tidak dikenal.")
    if problems:
        raise InvalidMembership(" ".join(problems), details=problems)
    values = asdict(data)
    values.pop("occupation_code")
    values.pop("unit_id")
    values.update(unit=unit, occupation=occupation, programmes=programmes)
    return values


def _overlapping(
    person: Person,
    unit_id: int,
    segment: str,
    start: dt.date,
    end: dt.date | None,
    exclude_pk: int | None = None,
) -> Membership | None:
    qs = (
        Membership.objects.select_related("person", "unit")
        .filter(person=person, unit_id=unit_id, segment=segment)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
    )
    if end is not None:
        qs = qs.filter(start_date__lte=end)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by("start_date").first()


@transaction.atomic
def membership_create(*, actor: Actor, person: Person, data: MembershipInput) -> Membership:
    """Add a membership. An overlapping one in the same unit and segment is refused with its holder.

    The check here gives the readable reason; the database's no-overlap trigger is what makes it
    impossible, also for concurrent requests and bulk paths.
    """
    values = _clean_membership(data)
    Person.objects.select_for_update().filter(pk=person.pk).first()
    clash = _overlapping(person, data.unit_id, data.segment, data.start_date, data.end_date)
    if clash is not None:
        raise OverlappingMembership(clash)
    try:
        with transaction.atomic():
            membership = Membership.objects.create(person=person, **values)
    except IntegrityError:
        clash = _overlapping(person, data.unit_id, data.segment, data.start_date, data.end_date)
        if clash is None:
            raise
        raise OverlappingMembership(clash) from None
    record_change(
        actor=actor,
        action=Action.CREATE,
        instance=membership,
        before=None,
        after=snapshot(membership, Membership.AUDITED_FIELDS),
    )
    return membership


@transaction.atomic
def memberships_set_status(
    *, actor: Actor, memberships: QuerySet[Membership], status: str, note: str, **values: Any
) -> int:
    """Move ``memberships`` to ``status`` and set ``values`` (``kpj_number``, ``start_date``): the
    intake workflow's submit, return and BPJS registration. The rows are locked first; each
    membership that changes gets its audit row with the changed fields before and after. Returns
    the memberships moved."""
    rows = list(memberships.select_for_update(of=("self",)))
    changes = []
    now = timezone.now()
    for membership in rows:
        before = snapshot(membership, Membership.AUDITED_FIELDS)
        membership.status = status
        for name, value in values.items():
            setattr(membership, name, value)
        membership.updated_at = now
        old, new = diff(before, snapshot(membership, Membership.AUDITED_FIELDS))
        if new:
            changes.append((Action.UPDATE, Membership._meta.label_lower, membership.pk, old, new))
    Membership.objects.bulk_update(rows, ["status", "updated_at", *values], batch_size=2000)
    record_changes_bulk(actor=actor, rows=changes, note=note)
    return len(rows)


# The fields a closing changes, as SQL over a row alias, rendered as ``audit.snapshot`` does.
_CLOSING = {"status": "{a}.status", "end_date": "{a}.end_date"}


@transaction.atomic
def memberships_close(
    *, actor: Actor, ends: Sequence[tuple[int, dt.date]], status: str, note: str
) -> int:
    """Close memberships: each ``(membership id, end date)`` of ``ends`` gets ``status`` (lapsed or
    ended) and that end date, the last day covered (billing's BPU lapse, Perdir BPJS TK 22/2022).

    One statement for all of them, set-based (a lapse check may close thousands): the rows are
    locked, then updated, and each gets its audit row with status and end date before and after.
    Returns the memberships closed.
    """
    if status not in (MembershipStatus.ENDED, MembershipStatus.LAPSED):
        raise InvalidMembership("Status akhir harus 'ended' atau 'lapsed'.")
    if not ends:
        return 0
    ids = [pk for pk, _end in ends]
    table = Membership._meta.db_table
    before, after = diff_sql(
        {k: v.format(a="o") for k, v in _CLOSING.items()},
        {k: v.format(a="u") for k, v in _CLOSING.items()},
    )
    return record_changes_sql(
        actor=actor,
        note=note,
        params={
            "ids": ids,
            "ends": [end for _pk, end in ends],
            "status": status,
            "update": Action.UPDATE,
            "entity": Membership._meta.label_lower,
        },
        with_=f"""
        WITH old AS (
            SELECT m.* FROM {table} m WHERE m.id = ANY(%(ids)s) FOR UPDATE OF m
        ), updated AS (
            UPDATE {table} m SET status = %(status)s, end_date = c.end_date, updated_at = now()
              FROM unnest(%(ids)s::bigint[], %(ends)s::date[]) AS c (id, end_date)
             WHERE m.id = c.id AND m.id IN (SELECT id FROM old)
            RETURNING m.*
        )""",  # noqa: S608 - our table; values are parameters
        select=f"SELECT %(update)s, %(entity)s, u.id::text, {before}, {after} "  # noqa: S608
        "FROM updated u JOIN old o ON o.id = u.id",
    )


@transaction.atomic
def membership_end(
    *, actor: Actor, membership: Membership, end_date: dt.date, status: str = MembershipStatus.ENDED
) -> Membership:
    """End one membership on ``end_date`` (the last day covered) as ended or lapsed: the API's
    ``POST /memberships/{id}/end``. Written by :func:`memberships_close` (one write path, its
    audit row with status and end date before and after); an end before the start is refused
    with :class:`InvalidMembership`."""
    locked = Membership.objects.select_for_update().get(pk=membership.pk)
    if end_date < locked.start_date:
        raise InvalidMembership("Tanggal berakhir tidak boleh sebelum tanggal mulai.")
    memberships_close(actor=actor, ends=[(locked.pk, end_date)], status=status, note="")
    locked.refresh_from_db()
    return locked


def people_anonymise(*, person_ids: Sequence[int], nik_prefix: str, name: str) -> None:
    """Anonymise people past their retention period (UU 27/2022 PDP Pasal 16(2)(f), 43-44), in the
    caller's transaction: NIK ``nik_prefix`` + the id (never a real NIK), ``name``, birth date
    1 January of its year, domicile, phone and KK emptied, and their memberships' KPJ numbers.

    Not audited here, by design: the audit rows of a purge name ids only, never the data removed,
    and are written by its caller (``privacy.services.retention_purge``) with the periods and counts.
    """
    Membership.objects.filter(person_id__in=person_ids).exclude(kpj_number="").update(kpj_number="")
    Person.objects.filter(pk__in=person_ids).update(
        nik=Concat(
            Value(nik_prefix),
            LPad(Cast("pk", CharField()), 14, Value("0")),
            output_field=CharField(),
        ),
        name=Value(name),
        birth_date=TruncYear("birth_date"),
        domicile=None,
        phone="",
        kk_number="",
        updated_at=timezone.now(),
    )


@dataclass(frozen=True, slots=True)
class DeathEnding:
    """What :func:`memberships_end_on_death` did to one membership (``previous_*``: before)."""

    membership: Membership
    previous_end: dt.date | None
    previous_status: str


@dataclass(frozen=True, slots=True)
class DeathEndings:
    """``ended``: the covered memberships now ending on the day of death. ``later``: covered
    memberships that start after it (left as they are: someone has to look at them)."""

    died_on: dt.date
    ended: list[DeathEnding]
    later: list[Membership]


@transaction.atomic
def memberships_end_on_death(
    *, actor: Actor, person: Person, died_on: dt.date, note: str = ""
) -> DeathEndings:
    """End every covered membership of ``person`` on ``died_on``, the day of death (the last day
    covered), with status ended; each change audited with the fields before and after.

    A membership is ended when its status gives protection (``COVERED_STATUSES``), it has started
    on or before ``died_on`` and it runs past it (open, or ending later). One that ended on or
    before the death is left alone, so a second call changes nothing. Drafts and submissions are
    not covered (and never billed) and are left alone too. Billing bills whole months: the month of
    the death is still billed, the months after it no longer are (a rerun of an unpaid month drops
    the person; a month already paid keeps its bill and records the difference as an adjustment).
    """
    Person.objects.select_for_update().filter(pk=person.pk).first()
    rows = list(
        Membership.objects.select_for_update()
        .select_related("unit")
        .filter(person=person, status__in=COVERED_STATUSES)
        .order_by("start_date", "id")
    )
    ended: list[DeathEnding] = []
    later: list[Membership] = []
    reason = f"meninggal dunia {died_on:%d-%m-%Y}" + (f": {note}" if note else "")
    for membership in rows:
        if membership.start_date > died_on:
            later.append(membership)
            continue
        if membership.end_date is not None and membership.end_date <= died_on:
            continue
        before = snapshot(membership, Membership.AUDITED_FIELDS)
        ending = DeathEnding(membership, membership.end_date, membership.status)
        membership.end_date = died_on
        membership.status = MembershipStatus.ENDED
        membership.save(update_fields=["end_date", "status", "updated_at"])
        old, new = diff(before, snapshot(membership, Membership.AUDITED_FIELDS))
        record_change(
            actor=actor,
            action=Action.UPDATE,
            instance=membership,
            before=old,
            after=new,
            note=reason[:300],
        )
        ended.append(ending)
    return DeathEndings(died_on=died_on, ended=ended, later=later)


@dataclass(frozen=True, slots=True)
class Enrolment:
    """One person with the memberships to give them, for bulk paths."""

    person: PersonInput
    memberships: Sequence[MembershipInput]


@transaction.atomic
def enrol_bulk(*, actor: Actor, enrolments: Sequence[Enrolment]) -> tuple[int, int]:
    """Insert many new people and their memberships in one transaction, each row audited.

    For trusted, already validated input (the demo generator); spreadsheet intake has its own
    staged pipeline. NIKs must be new; the database constraints still apply to every row. Rows go
    in through ``COPY``. Returns (people, memberships) inserted.
    """
    occupations = dict(Occupation.objects.values_list("code", "pk"))
    now = timezone.now()
    person_ids = reserve_ids(Person, len(enrolments))
    people = [
        Person(
            pk=pk,
            nik=e.person.nik,
            name=e.person.name,
            sex=e.person.sex,
            birth_date=e.person.birth_date,
            domicile_id=e.person.domicile_code,
            phone=e.person.phone,
            kk_number=e.person.kk_number,
            created_at=now,
            updated_at=now,
        )
        for pk, e in zip(person_ids, enrolments, strict=True)
    ]
    pairs = [
        (person, m) for person, e in zip(people, enrolments, strict=True) for m in e.memberships
    ]
    membership_ids = reserve_ids(Membership, len(pairs))
    memberships = [
        Membership(
            pk=pk,
            person=person,
            unit_id=m.unit_id,
            segment=m.segment,
            funding_source=m.funding_source,
            scheme=m.scheme,
            programmes=list(m.programmes),
            wage=m.wage,
            risk_class=m.risk_class,
            start_date=m.start_date,
            end_date=m.end_date,
            status=m.status,
            kpj_number=m.kpj_number,
            occupation_id=occupations[m.occupation_code] if m.occupation_code else None,
            created_at=now,
            updated_at=now,
        )
        for pk, (person, m) in zip(membership_ids, pairs, strict=True)
    ]
    copy_instances(Person, people)
    copy_instances(Membership, memberships)
    record_changes_bulk(
        actor=actor,
        rows=[
            *(
                (Action.CREATE, "registry.person", p.pk, None, snapshot(p, Person.AUDITED_FIELDS))
                for p in people
            ),
            *(
                (
                    Action.CREATE,
                    "registry.membership",
                    m.pk,
                    None,
                    snapshot(m, Membership.AUDITED_FIELDS),
                )
                for m in memberships
            ),
        ],
    )
    return len(people), len(memberships)


# --- the Django admin ---------------------------------------------------------------------------

# The registry rows the admin edits field by field, each audited with its ``AUDITED_FIELDS``.
_Edited = TypeVar(
    "_Edited",
    Person,
    Membership,
    Unit,
    UnitFormation,
    BranchOffice,
    CooperationAgreement,
    Occupation,
)


@transaction.atomic
def admin_save(*, actor: Actor, instance: _Edited, note: str = "admin") -> _Edited:
    """Save a registry row that a Django admin form has validated, with its audit row.

    The admin's forms make the checks the services above make (NIK against sex and birth date,
    JKK/JKM, no overlapping membership) so an admin reads a message rather than a database error;
    the constraints and triggers still apply. A new row is audited with every audited field, a
    changed one with the changed fields only, an unchanged one not at all.
    """
    fields = type(instance).AUDITED_FIELDS
    if instance._state.adding:
        instance.save()
        record_change(
            actor=actor,
            action=Action.CREATE,
            instance=instance,
            before=None,
            after=snapshot(instance, fields),
            note=note,
        )
        return instance
    stored = type(instance).objects.select_for_update().get(pk=instance.pk)
    before = snapshot(stored, fields)
    instance.save()
    old, new = diff(before, snapshot(instance, fields))
    if new:
        record_change(
            actor=actor, action=Action.UPDATE, instance=instance, before=old, after=new, note=note
        )
    return instance


@transaction.atomic
def admin_delete(
    *,
    actor: Actor,
    instances: Iterable[
        Person
        | Membership
        | Unit
        | UnitFormation
        | BranchOffice
        | CooperationAgreement
        | Occupation
    ],
    note: str = "admin",
) -> int:
    """Delete registry rows from the Django admin, each with its audit row. Returns how many.

    The row is audited before it goes (afterwards it has no pk); one transaction, so a deletion the
    database refuses (a membership with bill entries, a person with memberships) leaves no row.
    """
    deleted = 0
    for instance in instances:
        record_change(
            actor=actor,
            action=Action.DELETE,
            instance=instance,
            before=snapshot(instance, type(instance).AUDITED_FIELDS),
            after=None,
            note=note,
        )
        instance.delete()
        deleted += 1
    return deleted


@transaction.atomic
def admin_relations_changed(
    *,
    actor: Actor,
    instance: BranchOffice,
    field: str,
    before: Iterable[Any],
    after: Iterable[Any],
    note: str = "admin",
) -> None:
    """Audit a many-to-many change the admin made after saving the row (a branch office's regions).

    The regions a branch office serves are the scope of its BPJS officers, so a change to them is
    audited like a role change. Nothing is written when the set is unchanged.
    """
    old, new = sorted(map(str, before)), sorted(map(str, after))
    if old != new:
        record_change(
            actor=actor,
            action=Action.UPDATE,
            instance=instance,
            before={field: old},
            after={field: new},
            note=note,
        )
