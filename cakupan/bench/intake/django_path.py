"""The plain Django path the intake replaces: a Form per row, then bulk_create and bulk_update."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from cakupan.bench.intake.config import HEADER, SEGMENT, TODAY
from cakupan.bench.intake.data import Regions

# --------------------------------------------------------------------------------------------
# The plain Django path: a Form per row, then bulk_create / bulk_update, audit via bulk_create

_DATE_FORMATS = ["%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y"]
_WAGE_TEXT = re.compile(r"^(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)$")
_SEX = {"l": "L", "laki-laki": "L", "p": "P", "perempuan": "P"}
FORM_FIELDS = ["nik", "name", "sex", "birth_date", "desa", "occupation", "wage", "start_date"]


class ParticipantForm(forms.Form):
    """One row of the file, checked the way a plain Django view would check it."""

    nik = forms.CharField(max_length=40)
    name = forms.CharField(max_length=150)
    sex = forms.CharField(max_length=20)
    birth_date = forms.DateField(input_formats=_DATE_FORMATS)
    desa = forms.CharField(max_length=100)
    occupation = forms.CharField(max_length=120)
    wage = forms.CharField(max_length=30)
    start_date = forms.DateField(input_formats=_DATE_FORMATS)

    def __init__(self, *args: Any, lookups: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lookups = lookups

    def clean_sex(self) -> str:
        value = _SEX.get(self.cleaned_data["sex"].strip().lower())
        if value is None:
            raise forms.ValidationError("Jenis kelamin harus L atau P.")
        return value

    def clean_desa(self) -> str:
        text = self.cleaned_data["desa"].strip()
        area: dict[str, str] = self.lookups["area"]
        if text in area:
            return text
        code = self.lookups["area_names"].get(text.lower())
        if code is None:
            raise forms.ValidationError("Desa/kelurahan di luar wilayah unit ini.")
        return str(code)

    def clean_occupation(self) -> int:
        pk = self.lookups["occupations"].get(self.cleaned_data["occupation"].strip().lower())
        if pk is None:
            raise forms.ValidationError("Pekerjaan tidak dikenal.")
        return int(pk)

    def clean_wage(self) -> int:
        text = self.cleaned_data["wage"].strip()
        if not _WAGE_TEXT.match(text):
            raise forms.ValidationError("Upah bukan jumlah rupiah yang valid.")
        value = int(text.replace(".", ""))
        if not 100_000 <= value <= 200_000_000:
            raise forms.ValidationError("Upah di luar batas.")
        return value

    def clean(self) -> dict[str, Any]:
        from cakupan.common.nik import parse_nik

        data = super().clean() or {}
        if "nik" in data:
            result = parse_nik(
                data["nik"], sex=data.get("sex"), birth_date=data.get("birth_date"), today=TODAY
            )
            if result.valid:
                data["nik"] = result.nik
            else:
                self.add_error("nik", [e.message for e in result.errors])
        born, start = data.get("birth_date"), data.get("start_date")
        if born and start:
            age = start.year - born.year - ((start.month, start.day) < (born.month, born.day))
            if not 18 <= age <= 60:
                self.add_error("birth_date", "Umur di luar batas.")
        return data


def _batched(items: list[Any], size: int = 5000) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def django_path(
    text: str, unit: Any, occupation_ids: dict[str, int], reg: Regions
) -> dict[str, int]:
    """Read ``text`` (header + rows), a Form per row, then the ORM's bulk calls for what is accepted.

    Does the same work as the intake, the plain way: duplicate NIKs in the file, people already in
    the registry (updated when their data differ), memberships elsewhere in the same segment
    (rejected), new or changed memberships of the unit, and an audit row for every write.
    """
    from django.db.models import Q

    from cakupan.accounts.audit import Actor, diff, snapshot
    from cakupan.accounts.models import AuditEvent
    from cakupan.registry.models import Membership, Person
    from cakupan.registry.services.bulk import HOLDING_STATUSES

    actor = Actor.system(source="cli", label="bench")
    note = "impor bench (Django forms)"
    lookups = {
        "area": set(reg.lt_desa),
        "area_names": {n.lower(): c for c, n in reg.lt_desa_unique_names.items()},
        "occupations": {k.lower(): v for k, v in occupation_ids.items()},
    }
    keys = dict(zip(HEADER, FORM_FIELDS, strict=True))
    accepted: list[dict[str, Any]] = []
    seen: set[str] = set()
    rejected = 0
    for row in csv.DictReader(io.StringIO(text), delimiter=";"):
        form = ParticipantForm({keys[k]: v for k, v in row.items()}, lookups=lookups)
        if not form.is_valid() or form.cleaned_data["nik"] in seen:
            rejected += 1
            continue
        seen.add(form.cleaned_data["nik"])
        accepted.append(form.cleaned_data)

    existing: dict[str, Person] = {}
    for chunk in _batched([d["nik"] for d in accepted]):
        existing.update(Person.objects.in_bulk(chunk, field_name="nik"))
    own: dict[int, Membership] = {}
    elsewhere: set[int] = set()
    holding = Q(status__in=list(HOLDING_STATUSES)) & (
        Q(end_date__isnull=True) | Q(end_date__gte=TODAY)
    )
    for chunk in _batched([p.pk for p in existing.values()]):
        for m in Membership.objects.filter(holding, person_id__in=chunk):
            if m.unit_id == unit.pk and m.segment == SEGMENT:
                own[m.person_id] = m
            elif m.segment == SEGMENT:
                elsewhere.add(m.person_id)

    now = timezone.now()
    new_people: list[Person] = []
    changed_people: list[tuple[Person, dict[str, Any], dict[str, Any]]] = []
    new_memberships: list[tuple[Person, Membership]] = []
    changed_memberships: list[tuple[Membership, dict[str, Any], dict[str, Any]]] = []
    for data in accepted:
        person = existing.get(data["nik"])
        if person is not None and person.pk in elsewhere:
            rejected += 1
            continue
        if person is None:
            person = Person(
                nik=data["nik"],
                name=data["name"],
                sex=data["sex"],
                birth_date=data["birth_date"],
                domicile_id=data["desa"],
            )
            new_people.append(person)
        else:
            before = snapshot(person, Person.AUDITED_FIELDS)
            person.name, person.sex, person.birth_date = (
                data["name"],
                data["sex"],
                data["birth_date"],
            )
            person.domicile_id = data["desa"]
            person.updated_at = now
            old, new = diff(before, snapshot(person, Person.AUDITED_FIELDS))
            if new:
                changed_people.append((person, old, new))
        values = {
            "occupation_id": data["occupation"],
            "funding_source": "apbd_kabkota",
            "scheme": "pu",
            "programmes": ["jkk", "jkm"],
            "wage": Decimal(data["wage"]),
            "risk_class": 1,
        }
        membership = own.get(person.pk) if person.pk else None
        if membership is None:
            membership = Membership(
                unit_id=unit.pk,
                segment=SEGMENT,
                start_date=data["start_date"],
                status="draft",
                **values,
            )
            new_memberships.append((person, membership))
        else:
            before = snapshot(membership, Membership.AUDITED_FIELDS)
            for name, value in values.items():
                setattr(membership, name, value)
            membership.updated_at = now
            old, new = diff(before, snapshot(membership, Membership.AUDITED_FIELDS))
            if new:
                changed_memberships.append((membership, old, new))

    Person.objects.bulk_create(new_people, batch_size=5000)
    Person.objects.bulk_update(
        [p for p, _, _ in changed_people],
        ["name", "sex", "birth_date", "domicile", "updated_at"],
        batch_size=5000,
    )
    for person, membership in new_memberships:
        membership.person = person
    Membership.objects.bulk_create([m for _, m in new_memberships], batch_size=5000)
    Membership.objects.bulk_update(
        [m for m, _, _ in changed_memberships],
        [
            "occupation",
            "funding_source",
            "scheme",
            "programmes",
            "wage",
            "risk_class",
            "updated_at",
        ],
        batch_size=5000,
    )

    def event(action: str, entity: str, pk: int, before: Any, after: Any) -> AuditEvent:
        return AuditEvent(
            actor=None,
            actor_label=actor.name,
            source=actor.source,
            action=action,
            entity=entity,
            entity_id=str(pk),
            before=before,
            after=after,
            note=note,
        )

    events = (
        [
            event("create", "registry.person", p.pk, None, snapshot(p, Person.AUDITED_FIELDS))
            for p in new_people
        ]
        + [event("update", "registry.person", p.pk, old, new) for p, old, new in changed_people]
        + [
            event(
                "create", "registry.membership", m.pk, None, snapshot(m, Membership.AUDITED_FIELDS)
            )
            for _, m in new_memberships
        ]
        + [
            event("update", "registry.membership", m.pk, old, new)
            for m, old, new in changed_memberships
        ]
    )
    AuditEvent.objects.bulk_create(events, batch_size=5000)
    return {
        "rejected": rejected,
        "persons_created": len(new_people),
        "persons_updated": len(changed_people),
        "memberships_created": len(new_memberships),
        "memberships_updated": len(changed_memberships),
    }
