"""The demo data reproduce every figure of the source reports, on the dates they were reported."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command

from cakupan.accounts.access import SYSTEM
from cakupan.accounts.audit import Actor
from cakupan.accounts.models import AuditEvent, Role, User
from cakupan.common.nik import parse_nik
from cakupan.coverage.selectors import region_stats
from cakupan.demo import intake as demo_intake
from cakupan.demo.services import demo_load, demo_password, demo_users_ensure
from cakupan.intake.models import BatchMembership
from cakupan.privacy import history
from cakupan.registry.models import Membership, Person
from cakupan.testing.factories import make_user
from cakupan.wilayah.models import Region

D = dt.date

# (region, date, path into `cakupan stats --json`, figure in the report) -- seeds/README.md
REPORTED = [
    ("73.24", D(2022, 11, 9), ("by_segment", "non_asn"), 4535),
    ("73.24", D(2022, 11, 9), ("village_officials",), 274),
    ("73.24", D(2022, 11, 9), ("desa_with_village_officials",), 27),
    ("73.24", D(2022, 11, 9), ("desa",), 125),
    ("73.24", D(2022, 11, 9), ("by_segment", "pekerja_keagamaan"), 1483),
    ("73.24", D(2022, 11, 9), ("by_segment", "pekerja_rentan"), 1665),
    ("73.24", D(2022, 11, 9), ("by_scheme", "pu"), 6292),
    (
        "73.24",
        D(2021, 10, 31),
        ("by_funding_source_occupation_group", "apbd_kabkota", "tenaga-upah-jasa"),
        2272,
    ),
    (
        "73.24",
        D(2021, 10, 31),
        ("by_funding_source_occupation_group", "apbd_kabkota", "penyuluh-kb"),
        540,
    ),
    (
        "73.24",
        D(2021, 10, 31),
        ("by_funding_source_occupation_group", "apbd_kabkota", "tenaga-pendidik"),
        2077,
    ),
    (
        "73.24",
        D(2021, 10, 31),
        ("by_funding_source_occupation_group", "apbd_kabkota", "petugas-keagamaan"),
        1505,
    ),
    ("73.24", D(2021, 10, 31), ("by_funding_source", "apbd_kabkota"), 6394),
    ("74.05", D(2021, 10, 27), ("desa_with_village_officials",), 47),
    ("74.05", D(2021, 10, 27), ("desa",), 336),
    ("72.05", D(2024, 5, 29), ("posts", "non_asn", "percent"), Decimal("100.0")),
    ("72.05", D(2024, 5, 29), ("posts", "perangkat_desa", "percent"), Decimal("87.8")),
    ("73.02", D(2024, 6, 30), ("desa_with_village_officials",), 109),
    ("73.02", D(2024, 6, 30), ("desa",), 109),
]


def _dig(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


@pytest.mark.django_db
def test_demo_reproduces_the_reports_and_loads_once(capsys: pytest.CaptureFixture[str]) -> None:
    actor = Actor.system(source="cli", label="test demo")
    first = demo_load(actor=actor)
    assert first["loaded"] is True

    # Every figure, through the same selector the CLI and web use ...
    got = {}
    for code, day, path, _ in REPORTED:
        stats = region_stats(user=SYSTEM, region=Region.objects.get(code=code), on=day)
        got[(code, day, path)] = _dig(stats, path)
    assert got == {(code, day, path): expected for code, day, path, expected in REPORTED}

    # ... and through the command line, as JSON.
    call_command("stats", "7324", "--on", "2022-11-09", "--json")
    printed = json.loads(capsys.readouterr().out)
    assert printed["by_segment"]["non_asn"] == 4535
    assert printed["by_segment"]["perangkat_desa"] + printed["by_segment"]["bpd"] == 274
    assert printed["on"] == "2022-11-09"
    call_command("stats", "72.05", "--on", "2024-05-29", "--json")
    assert json.loads(capsys.readouterr().out)["posts"]["perangkat_desa"]["percent"] == "87.8"

    # Bulukumba 2024 (seeds/003): contributions of village institution members, billed by the
    # billing run and paid, total Rp890,000,000.
    call_command("billing", "summary", "--region", "73.02", "--year", "2024", "--json")
    bulukumba = json.loads(capsys.readouterr().out)
    assert bulukumba["total"] == {
        "billed": 890_000_000,
        "paid": 890_000_000,
        "outstanding": 0,
        "arrears": 0,
        "bills": 12 * 109,
    }
    assert [m["month"] for m in bulukumba["months"]] == [f"2024-{m:02d}" for m in range(1, 13)]
    # ... all of it from the three village institution segments.
    by_segment = []
    for segment in ("perangkat_desa", "bpd", "lembaga_desa"):
        call_command(
            "billing", "summary", "--region", "73.02", "--year", "2024", "--segment", segment,
            "--json",
        )  # fmt: skip
        by_segment.append(json.loads(capsys.readouterr().out)["total"]["paid"])
    assert all(part > 0 for part in by_segment)
    assert sum(by_segment) == 890_000_000

    # Every demo person's NIK agrees with their sex and birth date and names a real kecamatan.
    names = dict(Region.objects.filter(level__lte=3).values_list("code", "name"))

    def lookup(codes: list[str]) -> dict[str, str]:
        return {code: names[code] for code in codes if code in names}

    problems = [
        (p.nik, [e.code for e in r.errors], [w.code for w in r.warnings])
        for p in Person.objects.all()
        for r in [parse_nik(p.nik, sex=p.sex, birth_date=p.birth_date, region_names=lookup)]
        if not r.valid or r.warnings
    ]
    assert problems == []

    # Every row the loader wrote is in the audit log: its own create row, or (the demo import)
    # the batch row that created it, under the batch's one provenance row.
    people, memberships = Person.objects.count(), Membership.objects.count()
    links = BatchMembership.objects.all()
    assert (
        AuditEvent.objects.filter(entity="registry.person", action="create").count()
        + links.filter(person_created=True).count()
        == people
    )
    assert (
        AuditEvent.objects.filter(entity="registry.membership", action="create").count()
        + links.filter(membership_created=True).count()
        == memberships
    )

    # A demo person with a whole history (issue 15, item 6): created by row 5 of the first file,
    # then the wage raised by the corrected file and the phone number changed.
    story = Person.objects.get(nik=demo_intake.STORY_NIK)
    admin = Actor(user=make_user(role=Role.SUPERADMIN), source="web")
    _person, entries = history.person_history(actor=admin, pk=story.pk)
    assert [(e.action, e.provenance.row_number if e.provenance else None) for e in entries] == [
        ("create", 5),
        ("update", None),
    ]
    assert entries[0].provenance is not None
    assert entries[0].provenance.file_name == demo_intake.FIRST_FILE
    assert entries[1].fields == [("nomor HP", "", demo_intake.NEW_PHONE)]
    _membership, entries = history.membership_history(
        actor=admin, pk=Membership.objects.get(person=story).pk
    )
    assert [(e.action, e.fields) for e in entries] == [
        ("create", []),
        ("update", [("upah/penghasilan sebulan (Rp)", "2400000", "2600000")]),
    ]

    # A second load changes nothing.
    second = demo_load(actor=actor)
    assert second["loaded"] is False
    assert (Person.objects.count(), Membership.objects.count()) == (people, memberships)


@pytest.mark.django_db
def test_demo_users_one_per_role_and_idempotent() -> None:
    demo_load(actor=Actor.system())
    logins = demo_users_ensure()
    again = demo_users_ensure()
    assert logins == again
    assert {User.objects.get(username=x.username).role for x in logins} == set(Role.values)
    assert all(
        User.objects.get(username=x.username).check_password(demo_password()) for x in logins
    )
    # Marked as demo sign-ins: CAKUPAN_DEMO_WITHOUT_MFA may spare them the second factor (issue 13).
    assert all(User.objects.get(username=x.username).is_demo for x in logins)
