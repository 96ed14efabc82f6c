"""The whole intake pipeline against the database: check, commit, re-commit, refuse, recover."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cakupan.accounts.audit import Actor, diff, snapshot
from cakupan.accounts.models import AuditEvent
from cakupan.common.nik import make_nik
from cakupan.intake import services
from cakupan.intake.models import BatchMembership, BatchStatus, ImportBatch, ImportIssue, Phase
from cakupan.intake.schema import FileError
from cakupan.registry.models import Membership, MembershipStatus, Person, Segment, Unit
from cakupan.registry.services import bulk as registry_bulk
from cakupan.testing.factories import make_membership, make_person, make_unit

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 23)
DESA = "73.24.04.2001"  # a desa of Kecamatan Malili, Luwu Timur
ACTOR = Actor.system(source="cli", label="test")


def nik(day: int, sex: str = "L", sequence: int = 1) -> str:
    return make_nik(
        district_code="73.24.04", birth_date=dt.date(1985, 8, day), sex=sex, sequence=sequence
    )


HEADER = "NIK;Nama Lengkap;L/P;Tanggal Lahir;Desa;Jabatan;Siltap;TMT"


def csv_file(*rows: str, title: bool = True) -> bytes:
    lines = (["DAFTAR PERANGKAT DESA", "TAHUN 2026", ""] if title else []) + [HEADER, *rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


GOOD = [
    f"{nik(17)};Andi Saputra;L;17-08-1985;{DESA};Kepala Desa;3.150.000;01-01-2026",
    f"{nik(18, 'P')};Siti Aminah;P;18-08-1985;{DESA};Sekretaris Desa;2.850.000;01-01-2026",
    f"{nik(19)};Baso Tang;Laki-laki;19/08/1985;{DESA};Kepala Dusun;2450000;01-01-2026",
]


@pytest.fixture
def unit() -> Unit:
    return make_unit(
        region=DESA, kind="pemerintah_desa", code="7324042001-PEMDES", name="Pemerintah Desa Uji"
    )


def run(
    unit: Unit, data: bytes, *, commit: bool = True, name: str = "perangkat.csv"
) -> services.Outcome:
    batch = services.batch_create(
        actor=ACTOR, unit=unit, segment=Segment.PERANGKAT_DESA, file_name=name, data=data
    )
    return services.batch_process(batch=batch, actor=ACTOR, commit=commit, today=TODAY)


def test_check_only_writes_nothing_to_the_registry(unit: Unit) -> None:
    outcome = run(unit, csv_file(*GOOD), commit=False)
    batch = outcome.batch
    assert (batch.status, batch.rows, batch.accepted, batch.rejected) == (
        BatchStatus.VALIDATED,
        3,
        3,
        0,
    )
    assert (batch.new, batch.changed, batch.unchanged) == (3, 0, 0)
    assert (Person.objects.count(), Membership.objects.count(), AuditEvent.objects.count()) == (
        0,
        0,
        0,
    )
    # "Laki-laki" was read as L: said as a warning, on the row number of the file.
    issues = ImportIssue.objects.filter(batch=batch).order_by("row_number", "code")
    assert list(issues.values_list("row_number", "code", "severity")) == [
        (7, "sex_normalized", "warning")
    ]


def test_commit_writes_people_memberships_and_audit_then_reimport_changes_nothing(
    unit: Unit,
) -> None:
    first = run(unit, csv_file(*GOOD))
    assert first.batch.status == BatchStatus.COMMITTED
    assert first.written == {
        "persons_created": 3,
        "persons_updated": 0,
        "memberships_created": 3,
        "memberships_updated": 0,
        "linked": 3,
    }
    andi = Person.objects.get(nik=nik(17))
    assert (andi.name, andi.sex, andi.birth_date, andi.domicile_id) == (
        "Andi Saputra",
        "L",
        dt.date(1985, 8, 17),
        DESA,
    )
    membership = Membership.objects.get(person=andi)
    assert (membership.unit_id, membership.segment, membership.status, membership.wage) == (
        unit.pk,
        "perangkat_desa",
        MembershipStatus.DRAFT,
        Decimal(3_150_000),
    )
    assert (
        membership.funding_source,
        membership.scheme,
        membership.programmes,
        membership.risk_class,
    ) == ("apbdes_add", "pu", ["jkk", "jkm"], 1)
    assert membership.occupation is not None and membership.occupation.code == "kepala-desa"
    assert membership.start_date == dt.date(2026, 1, 1)
    # Created rows are not audited one by one: one provenance row for the batch, with the counts;
    # the batch's links say which row created which person and membership.
    events = AuditEvent.objects.filter(source="cli", action="create")
    assert events.filter(entity__in=["registry.person", "registry.membership"]).count() == 0
    provenance = events.get()
    assert (provenance.entity, provenance.entity_id, provenance.before, provenance.after) == (
        "intake.importbatch",
        str(first.batch.pk),
        None,
        {"registry.person": 3, "registry.membership": 3},
    )
    assert provenance.note == f"impor batch #{first.batch.pk}"
    assert provenance.at == first.batch.committed_at
    assert sorted(
        BatchMembership.objects.filter(batch=first.batch).values_list(
            "row_number", "person_created", "membership_created"
        )
    ) == [(5, True, True), (6, True, True), (7, True, True)]

    audit_before = AuditEvent.objects.count()
    again = run(unit, csv_file(*GOOD))
    assert (again.batch.new, again.batch.changed, again.batch.unchanged) == (0, 0, 3)
    assert again.written == {
        "persons_created": 0,
        "persons_updated": 0,
        "memberships_created": 0,
        "memberships_updated": 0,
        "linked": 3,
    }
    assert again.already_imported is not None and again.already_imported.pk == first.batch.pk
    assert AuditEvent.objects.count() == audit_before
    assert (Person.objects.count(), Membership.objects.count()) == (3, 3)


def test_queueing_a_batch_claims_it_once_and_is_audited(unit: Unit) -> None:
    batch = run(unit, csv_file(*GOOD), commit=False).batch
    audit_before = AuditEvent.objects.count()
    assert services.batch_queue(actor=ACTOR, batch=batch, commit=True) is True
    assert services.batch_queue(actor=ACTOR, batch=batch, commit=False) is False
    batch = ImportBatch.objects.get(pk=batch.pk)
    assert (batch.phase, batch.progress_done, batch.progress_total) == (Phase.QUEUED, 0, 0)
    assert AuditEvent.objects.count() == audit_before + 1
    event = AuditEvent.objects.get(entity="intake.importbatch")
    assert (event.action, event.entity_id, event.before, event.after, event.source) == (
        "update",
        str(batch.pk),
        {"phase": "done"},
        {"phase": "queued"},
        "cli",
    )
    assert event.note == f"batch #{batch.pk} antre untuk disimpan ke registri"


def test_a_changed_wage_updates_one_membership_with_before_and_after(unit: Unit) -> None:
    run(unit, csv_file(*GOOD))
    changed = [GOOD[0].replace("3.150.000", "3.300.000"), *GOOD[1:]]
    outcome = run(unit, csv_file(*changed))
    assert (outcome.batch.new, outcome.batch.changed, outcome.batch.unchanged) == (0, 1, 2)
    assert outcome.written["memberships_updated"] == 1
    event = AuditEvent.objects.get(action="update", entity="registry.membership")
    assert (event.before, event.after) == ({"wage": "3150000"}, {"wage": "3300000"})


def test_the_audit_trail_says_who_created_a_membership_from_which_file_and_row(
    unit: Unit,
) -> None:
    """Provenance is kept once per batch, yet answers per membership and per person."""
    from cakupan.privacy.history import membership_provenance, person_provenance

    first = run(unit, csv_file(*GOOD), name="perangkat-2026.csv")
    again = run(unit, csv_file(*GOOD), name="perangkat-2026-lagi.csv")  # creates nothing
    andi = Person.objects.get(nik=nik(17))
    membership = Membership.objects.get(person=andi)
    found = membership_provenance(membership_id=membership.pk)
    assert found is not None
    assert (found.batch_id, found.row_number, found.file_name, found.actor, found.at) == (
        first.batch.pk,
        5,
        "perangkat-2026.csv",
        "test",
        first.batch.committed_at,
    )
    assert found.file_sha256 == first.batch.file_sha256 and len(found.file_sha256) == 64
    assert person_provenance(person_id=andi.pk) == found
    # The re-import links the same membership (the BPJS round trip needs it) but created nothing.
    link = BatchMembership.objects.get(batch=again.batch, membership=membership)
    assert (link.person_created, link.membership_created) == (False, False)


def test_changes_to_a_person_and_a_membership_are_audited_field_by_field(unit: Unit) -> None:
    run(unit, csv_file(*GOOD))
    andi = Person.objects.get(nik=nik(17))
    membership = Membership.objects.get(person=andi)
    person_before = snapshot(andi, Person.AUDITED_FIELDS)
    membership_before = snapshot(membership, Membership.AUDITED_FIELDS)
    changed = [
        f"{nik(17)};Andi Saputra Hamzah;L;17-08-1985;{DESA};Sekretaris Desa;3.300.000;01-02-2026",
        *GOOD[1:],
    ]
    outcome = run(unit, csv_file(*changed))
    assert (outcome.batch.new, outcome.batch.changed, outcome.batch.unchanged) == (0, 1, 2)
    assert (outcome.written["persons_updated"], outcome.written["memberships_updated"]) == (1, 1)
    andi.refresh_from_db()
    membership.refresh_from_db()
    assert andi.name == "Andi Saputra Hamzah"
    assert (membership.wage, membership.start_date, membership.occupation.code) == (  # type: ignore[union-attr]
        Decimal(3_300_000),
        dt.date(2026, 2, 1),  # still a draft: the start date follows the file
        "sekretaris-desa",
    )
    updates = AuditEvent.objects.filter(action="update")
    person_event = updates.get(entity="registry.person", entity_id=str(andi.pk))
    expected = diff(person_before, snapshot(andi, Person.AUDITED_FIELDS))
    assert (person_event.before, person_event.after) == expected
    assert expected == ({"name": "Andi Saputra"}, {"name": "Andi Saputra Hamzah"})
    membership_event = updates.get(entity="registry.membership", entity_id=str(membership.pk))
    expected = diff(membership_before, snapshot(membership, Membership.AUDITED_FIELDS))
    assert (membership_event.before, membership_event.after) == expected
    # The job title as written is kept beside the occupation, and audited with it.
    assert set(expected[1]) == {"occupation", "occupation_title", "wage", "start_date"}
    assert expected[1]["occupation_title"] == "Sekretaris Desa"
    assert updates.count() == 2  # Siti and Baso are unchanged: no audit row, no write
    # The registry's name differed from the file's: said as a warning on the file's row.
    assert ImportIssue.objects.filter(
        batch=outcome.batch, code="name_differs_from_registry", row_number=5
    ).exists()


def test_a_registered_membership_keeps_its_start_date(unit: Unit) -> None:
    run(unit, csv_file(*GOOD))
    membership = Membership.objects.get(person__nik=nik(17))
    Membership.objects.filter(pk=membership.pk).update(status=MembershipStatus.REGISTERED)
    moved = [GOOD[0].replace("01-01-2026", "01-03-2026"), *GOOD[1:]]
    outcome = run(unit, csv_file(*moved))
    assert (outcome.batch.changed, outcome.batch.unchanged) == (0, 3)
    assert outcome.written["memberships_updated"] == 0
    membership.refresh_from_db()
    assert membership.start_date == dt.date(2026, 1, 1)


def _last_ids() -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT last_value FROM registry_person_id_seq), "
            "(SELECT last_value FROM registry_membership_id_seq)"
        )
        row = cursor.fetchone()
    return row[0], row[1]


def test_a_check_draws_no_ids_and_a_commit_uses_the_ids_it_drew(unit: Unit) -> None:
    before = _last_ids()
    run(unit, csv_file(*GOOD), commit=False)
    assert _last_ids() == before
    run(unit, csv_file(*GOOD))
    people = sorted(Person.objects.values_list("pk", flat=True))
    memberships = sorted(Membership.objects.values_list("pk", flat=True))
    assert _last_ids() == (people[-1], memberships[-1])
    assert len(people) == len(memberships) == 3


def test_every_accepted_row_is_linked_to_the_membership_it_stands_for(unit: Unit) -> None:
    first = run(unit, csv_file(*GOOD))
    second = run(
        unit,
        csv_file(GOOD[0], f"{nik(20)};Dodi;L;20-08-1985;{DESA};Staf Desa;2.450.000;01-01-2026"),
    )
    for batch, niks in ((first.batch, GOOD), (second.batch, [GOOD[0], nik(20)])):
        links = {
            (link.row_number, link.membership.person.nik)
            for link in batch.links.select_related("membership__person")
        }
        expected = {(5 + i, row.split(";")[0]) for i, row in enumerate(niks)}
        assert links == expected
    # Andi's row in the second file confirms the membership the first file created.
    assert first.batch.links.get(row_number=5).membership_id == (
        second.batch.links.get(row_number=5).membership_id
    )


def test_bad_rows_are_rejected_with_their_file_row_numbers(unit: Unit) -> None:
    other_desa = "73.24.01.2001"
    rows = [
        GOOD[0],
        f"{nik(18, 'P')};Siti Aminah;L;18-08-1985;{DESA};Sekretaris Desa;2.850.000;01-01-2026",  # sex vs NIK
        f"{nik(17)};Andi Lagi;L;17-08-1985;{DESA};Kepala Desa;3.150.000;01-01-2026",  # same NIK again
        f"7.32404E+15;Cici;P;01-01-1990;{DESA};Staf Desa;2.450.000;01-01-2026",  # Excel-damaged NIK
        f"{nik(20)};Dodi;L;20-08-1985;{other_desa};Staf Desa;2.450.000;01-01-2026",  # outside the unit
        # An occupation no rule knows is kept as "lainnya" with a warning, never an error.
        f"{nik(21)};Edi;L;21-08-1985;{DESA};Astronot;2.450.000;01-01-2026",
    ]
    outcome = run(unit, csv_file(*rows), commit=False)
    found = sorted(
        ImportIssue.objects.filter(batch=outcome.batch, severity="error").values_list(
            "row_number", "code"
        )
    )
    assert found == [
        (6, "nik_sex_mismatch"),
        (7, "nik_duplicate_in_file"),
        (8, "nik_excel_damaged"),
        (9, "desa_outside_unit"),
    ]
    assert ImportIssue.objects.get(batch=outcome.batch, row_number=10).code == "occupation_unmapped"
    assert (outcome.batch.rows, outcome.batch.accepted, outcome.batch.rejected) == (6, 2, 4)
    column = ImportIssue.objects.get(batch=outcome.batch, code="desa_outside_unit").column
    assert column == "Desa"


def test_a_nik_held_elsewhere_is_an_error_in_the_same_segment_and_a_warning_in_another(
    unit,
) -> None:
    elsewhere = make_unit(
        region="73.24.04.2002", kind="pemerintah_desa", name="Pemerintah Desa Tetangga"
    )
    holder = make_person(nik=nik(17), name="Andi Saputra", birth_date=dt.date(1985, 8, 17))
    make_membership(
        person=holder,
        unit=elsewhere,
        segment=Segment.PERANGKAT_DESA,
        start_date=dt.date(2024, 1, 1),
    )
    religious = make_person(
        nik=nik(18, "P"), name="Siti Aminah", sex="P", birth_date=dt.date(1985, 8, 18)
    )
    make_membership(
        person=religious,
        unit=make_unit(region="73.24"),
        segment=Segment.PEKERJA_KEAGAMAAN,
        start_date=dt.date(2024, 1, 1),
    )
    outcome = run(unit, csv_file(*GOOD))
    issues = {
        (i.row_number, i.code, i.severity): i.message
        for i in ImportIssue.objects.filter(batch=outcome.batch)
    }
    message = issues[(5, "nik_active_elsewhere", "error")]
    assert (
        "Pemerintah Desa Tetangga" in message
        and "01-01-2024" in message
        and "pembiayaan ganda" in message
    )
    assert (6, "nik_active_other_segment", "warning") in issues
    assert outcome.written["memberships_created"] == 2  # Siti (second job) and Baso; not Andi
    assert Membership.objects.filter(person=holder).count() == 1


def test_a_file_without_required_columns_fails_whole(unit: Unit) -> None:
    data = b"NIK;Nama\n7324041708850001;Andi\n"
    with pytest.raises(FileError) as excinfo:
        run(unit, data)
    assert excinfo.value.code == "file_missing_columns"
    assert "Jenis kelamin" in excinfo.value.message
    assert Person.objects.count() == 0


def test_a_crash_while_writing_leaves_nothing_and_a_rerun_completes(
    unit: Unit, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = registry_bulk.write

    def crash(**kwargs: Any) -> dict[str, int]:
        original(**kwargs)  # everything is written ... and then the worker dies
        raise RuntimeError("worker killed")

    monkeypatch.setattr(registry_bulk, "write", crash)
    batch = services.batch_create(
        actor=ACTOR,
        unit=unit,
        segment=Segment.PERANGKAT_DESA,
        file_name="a.csv",
        data=csv_file(*GOOD),
    )
    with pytest.raises(RuntimeError):
        services.batch_process(batch=batch, actor=ACTOR, commit=True, today=TODAY)
    assert (Person.objects.count(), Membership.objects.count(), AuditEvent.objects.count()) == (
        0,
        0,
        0,
    )
    batch.refresh_from_db()
    assert batch.committed_at is None
    monkeypatch.setattr(registry_bulk, "write", original)
    outcome = services.batch_process(batch=batch, actor=ACTOR, commit=True, today=TODAY)
    assert outcome.batch.status == BatchStatus.COMMITTED
    assert (Person.objects.count(), Membership.objects.count()) == (3, 3)


def test_cli_json(unit: Unit, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "perangkat.csv"
    path.write_bytes(
        csv_file(*GOOD, f"{nik(22)};Fajar;L;22-08-1985;{DESA};Staf Desa;-5;01-01-2026")
    )
    call_command("intake", str(path), "--unit", unit.code, "--dry-run", "--json")
    data = json.loads(capsys.readouterr().out)
    assert {
        k: data[k]
        for k in ("rows", "accepted", "new", "changed", "unchanged", "rejected", "dry_run")
    } == {
        "rows": 4,
        "accepted": 3,
        "new": 3,
        "changed": 0,
        "unchanged": 0,
        "rejected": 1,
        "dry_run": True,
    }
    assert [(e["row"], e["column"], e["code"]) for e in data["errors"]] == [
        (8, "Siltap", "wage_invalid")
    ]
    assert [(w["row"], w["code"]) for w in data["warnings"]] == [(7, "sex_normalized")]
    assert data["error_file"] == str(tmp_path / "perangkat-hasil-periksa.xlsx")
    assert Path(data["error_file"]).stat().st_size > 0
    assert Person.objects.count() == 0


def test_cli_unusable_file_exits_2(unit: Unit, tmp_path: Path) -> None:
    path = tmp_path / "kosong.csv"
    path.write_bytes(b"")
    with pytest.raises(CommandError) as excinfo:
        call_command("intake", str(path), "--unit", unit.code)
    assert excinfo.value.returncode == 2
    assert str(excinfo.value) == "Berkas tidak dapat dipakai: Berkas kosong."


def test_cli_template(unit: Unit, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "templat.xlsx"
    call_command("intake", "template", "--unit", unit.code, "--out", str(out), "--json")
    data = json.loads(capsys.readouterr().out)
    assert (data["segment"], data["unit"]) == ("perangkat_desa", unit.code)
    assert out.read_bytes()[:2] == b"PK"


def test_file_error_survives_a_context_manager() -> None:
    import contextlib

    from cakupan.intake.schema import FileIssue, file_error

    @contextlib.contextmanager
    def block() -> Iterator[None]:
        yield

    with pytest.raises(FileError) as excinfo, block():
        raise file_error(FileIssue.TOO_LARGE, size=60, limit=50)
    assert excinfo.value.message == (
        "Berkas terlalu besar (60 MB); batasnya 50 MB. Pecah berkas menjadi beberapa bagian."
    )


def test_the_annotated_file_re_imports_without_losing_anything(unit: Unit) -> None:
    """Export (the annotated XLSX of a checked file) then re-import: same people, nothing changes."""
    first = run(unit, csv_file(*GOOD))
    exported = services.annotated_file(batch=first.batch)
    again = run(unit, exported, name="perangkat-hasil-periksa.xlsx")
    assert (again.batch.rows, again.batch.accepted, again.batch.rejected) == (3, 3, 0)
    assert (again.batch.new, again.batch.changed, again.batch.unchanged) == (0, 0, 3)
    assert again.batch.file_type == "xlsx"
    # The Keterangan column the export added is reported as not recognised, never guessed.
    assert "Keterangan" in again.batch.mapping["unrecognised"]
