"""Retention (issue 13, item 6; T23): ``cakupan privacy purge`` removes or anonymises what is past
its period, keeps every aggregate, writes nothing on ``--dry-run`` and audits what it did.

The world, in Luwu Timur, on 30 June 2031 with the default periods (intake 12 months, memberships
5 years: cut-offs 30 June 2030 and 30 June 2026), holds one case of every rule:

========= ================================================================= =========
person    memberships, bills, claims                                         purged
========= ================================================================= =========
ended     two memberships, both ended in 2020 (KPJ numbers)                  yes
paid      ended June 2020, billed January 2020, bill paid                    yes
active    one ended in 2020, one still active                               no
recent    ended January 2027 (inside the 5 years)                           no
unpaid    ended June 2020, billed January 2020, bill still open             no
claimed   ended 2019, a paid death claim                                     no
lapsed    lapsed (not ended) since 2019                                      no
========= ================================================================= =========

========= ================================================================= =========
batch     state                                                              emptied
========= ================================================================= =========
old       registered March 2029, file, two issue texts                       yes
failed    failed, uploaded 2028 and never checked, file                      yes
abandoned validated in 2029, never committed, file, one issue text           yes
new       registered January 2031 (inside the 12 months)                     no
working   submitted in 2020: still in the workflow                           no
done      registered 2028, emptied by an earlier purge                       no
========= ================================================================= =========
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db.models import F, Sum
from django.utils import timezone

from cakupan.accounts.access import SYSTEM
from cakupan.accounts.audit import Actor
from cakupan.accounts.models import Action, AuditEvent, Source
from cakupan.billing.models import Bill, BillStatus
from cakupan.billing.services import billing_run
from cakupan.claims.models import Claim
from cakupan.coverage.selectors import region_stats
from cakupan.intake.models import BatchStatus, ImportBatch, ImportIssue
from cakupan.intake.schema import FileError
from cakupan.intake.storage import read_upload
from cakupan.privacy.services import (
    ANONYMOUS_NAME,
    RETENTION_ENTITY,
    anonymous_nik,
    retention_purge,
)
from cakupan.registry.models import Membership, MembershipStatus, Person, Segment, UnitKind
from cakupan.testing.factories import make_membership, make_person, make_unit
from cakupan.wilayah.models import Region

pytestmark = pytest.mark.django_db
D = dt.date
ON = D(2031, 6, 30)
DESA = "73.24.04.2001"
ENDED = MembershipStatus.ENDED
MISMATCH = {
    "row": 4,
    "nik": None,
    "code": "reply_nik_invalid",
    "message": "NIK tidak valid: '7324x'.",
}


@pytest.fixture
def files(tmp_path: Any, settings: Any) -> Any:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return tmp_path


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), tzinfo=timezone.get_current_timezone())


class World:
    def __init__(self) -> None:
        units = [
            make_unit(region=DESA, kind=UnitKind.PEMERINTAH_DESA, name=f"Desa uji {n}")
            for n in range(4)
        ]
        self.units = units
        self.people: dict[str, Person] = {}

        def person(key: str, *spans: tuple[int, dt.date, dt.date | None, str]) -> None:
            self.people[key] = p = make_person(
                name=f"Orang {key}",
                birth_date=D(1980, 5, 17),
                domicile=DESA,
                phone="081234500001",
                kk_number="7324040101200003",
            )
            for n, (unit, start, end, status) in enumerate(spans):
                make_membership(
                    person=p,
                    unit=units[unit],
                    segment=[Segment.PERANGKAT_DESA, Segment.BPD][n],
                    start_date=start,
                    end_date=end,
                    status=status,
                    kpj_number=f"2400000{len(self.people):03d}{n}",
                )

        person(
            "ended",
            (0, D(2020, 3, 1), D(2020, 6, 30), ENDED),
            (0, D(2020, 7, 1), D(2020, 12, 31), ENDED),
        )
        person("paid", (1, D(2019, 7, 1), D(2020, 6, 30), ENDED))
        person(
            "active",
            (0, D(2020, 3, 1), D(2020, 12, 31), ENDED),
            (0, D(2021, 1, 1), None, MembershipStatus.ACTIVE),
        )
        person("recent", (0, D(2022, 1, 1), D(2027, 1, 31), ENDED))
        person("unpaid", (2, D(2019, 7, 1), D(2020, 6, 30), ENDED))
        person("claimed", (3, D(2018, 1, 1), D(2019, 12, 31), ENDED))
        person("lapsed", (3, D(2018, 1, 1), D(2019, 3, 31), MembershipStatus.LAPSED))  # fmt: skip
        # January 2020: one bill per payer; the "paid" person's is paid, the "unpaid" one's not.
        billing_run(actor=Actor.system(source=Source.CLI), month=D(2020, 1, 1), region_code="73.24")
        Bill.objects.filter(payer=units[1]).update(status=BillStatus.PAID, paid=F("total"))
        claimed = self.people["claimed"]
        membership = Membership.objects.get(person=claimed)
        Claim.objects.create(
            number="JKM-UJI-1",
            person=claimed,
            membership=membership,
            unit=units[3],
            payer=units[3],
            region_id=DESA,
            segment=membership.segment,
            type="jkm",
            event_kind="death",
            event_date=D(2019, 12, 31),
            event_place="Malili",
            cause="sakit",
            eligibility={},
            regulation="pp-82-2019",
            cash_entitlement=Decimal(42_000_000),
            status="paid",
            filed_on=D(2020, 1, 20),
            paid_on=D(2020, 2, 10),
        )
        self.batches = {
            "old": self._batch(BatchStatus.REGISTERED, D(2029, 1, 5), registered=D(2029, 3, 1), issues=2),
            "failed": self._batch(BatchStatus.FAILED, D(2028, 2, 1)),
            "abandoned": self._batch(BatchStatus.VALIDATED, D(2029, 4, 1), validated=D(2029, 4, 2), issues=1),
            "new": self._batch(BatchStatus.REGISTERED, D(2030, 11, 1), registered=D(2031, 1, 10), issues=1),
            "working": self._batch(BatchStatus.SUBMITTED, D(2020, 1, 1), issues=1),
            "done": self._batch(BatchStatus.REGISTERED, D(2028, 1, 1), registered=D(2028, 2, 1), file=False),
        }  # fmt: skip

    def _batch(
        self,
        status: str,
        uploaded: dt.date,
        *,
        registered: dt.date | None = None,
        validated: dt.date | None = None,
        issues: int = 0,
        file: bool = True,
    ) -> ImportBatch:
        path = default_storage.save("intake/uji", ContentFile(b"NIK,Nama\n")) if file else ""
        batch = ImportBatch.objects.create(
            unit=self.units[0],
            segment=Segment.PERANGKAT_DESA,
            source="web",
            file_name="perangkat.csv",
            file_path=path,
            file_sha256="0" * 64,
            file_size=9,
            status=status,
            rows=3,
            accepted=3 - issues,
            rejected=issues,
            issue_counts={"name_invalid": issues} if issues else {},
            validated_at=_at(validated) if validated else None,
            registered_at=_at(registered) if registered else None,
            reply_summary={"registered": 3, "mismatches": [MISMATCH]}
            if registered and file
            else None,
        )
        ImportBatch.objects.filter(pk=batch.pk).update(created_at=_at(uploaded))
        for row in range(issues):
            ImportIssue.objects.create(
                batch=batch,
                row_number=row + 2,
                field="name",
                code="name_invalid",
                severity="error",
                message=f'Nama "Orang Ditolak {row}" tidak sah.' if file else "",
            )
        return ImportBatch.objects.get(pk=batch.pk)


@pytest.fixture
def world(files: Any) -> World:
    return World()


def _state() -> dict[str, Any]:
    """Everything the purge may touch, to compare before and after."""
    return {
        "people": list(Person.objects.order_by("pk").values()),
        "memberships": list(Membership.objects.order_by("pk").values()),
        "batches": list(ImportBatch.objects.order_by("pk").values("pk", "file_path")),
        "issues": list(ImportIssue.objects.order_by("pk").values("pk", "message")),
        "audit": AuditEvent.objects.count(),
    }


def _aggregates() -> dict[str, Any]:
    """Coverage figures of the kabupaten on several days, and the bills' totals."""
    region = Region.objects.get(code="73.24")
    stats = {
        day.isoformat(): region_stats(user=SYSTEM, region=region, on=day)
        for day in (D(2019, 6, 30), D(2020, 1, 15), D(2020, 9, 30), D(2024, 1, 1), ON)
    }
    bills = Bill.objects.aggregate(total=Sum("total"), paid=Sum("paid"))
    return {"stats": json.loads(json.dumps(stats, default=str)), "bills": bills}


def test_dry_run_counts_what_purge_removes_and_changes_nothing(world: World) -> None:
    before = _state()
    result = retention_purge(actor=Actor.system(source=Source.CLI), on=ON, dry_run=True)
    assert _state() == before
    assert (result.batches, result.files, result.issues) == (3, 3, 3)
    assert (result.persons, result.memberships) == (2, 3)
    assert result.person_ids == [world.people["ended"].pk, world.people["paid"].pk]
    assert result.batch_ids == sorted(world.batches[k].pk for k in ("old", "failed", "abandoned"))
    assert (result.intake_cutoff, result.membership_cutoff) == (D(2030, 6, 30), D(2026, 6, 30))
    assert all(default_storage.exists(b.file_path) for b in world.batches.values() if b.file_path)


def test_purge_anonymises_and_empties_exactly_what_is_past_its_period(
    world: World, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    aggregates = _aggregates()
    untouched = {
        k: Person.objects.values().get(pk=p.pk)
        for k, p in world.people.items()
        if k not in ("ended", "paid")
    }
    paths = {k: b.file_path for k, b in world.batches.items()}
    counts = {k: (b.rows, b.accepted, b.rejected, b.issue_counts) for k, b in world.batches.items()}
    audit_before = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        result = retention_purge(actor=Actor.system(source=Source.CLI, label="uji"), on=ON)

    assert (result.batches, result.files, result.issues, result.persons, result.memberships) == (
        3,
        3,
        3,
        2,
        3,
    )
    for key in ("ended", "paid"):
        person = Person.objects.get(pk=world.people[key].pk)
        assert person.nik == anonymous_nik(person.pk) == f"00{person.pk:014d}"
        assert (person.name, person.birth_date, person.phone, person.kk_number) == (
            ANONYMOUS_NAME,
            D(1980, 1, 1),
            "",
            "",
        )
        assert person.domicile_id is None
        assert list(person.memberships.values_list("kpj_number", flat=True)) == [""] * (
            2 if key == "ended" else 1
        )
    for key, values in untouched.items():
        assert Person.objects.values().get(pk=values["id"]) == values, key
    assert Membership.objects.exclude(kpj_number="").count() == 6  # 9 less the 3 purged
    # The aggregates: coverage on every day, the bills' totals and payments.
    assert _aggregates() == aggregates

    for key, batch in world.batches.items():
        batch.refresh_from_db()
        emptied = key in ("old", "failed", "abandoned")
        assert (batch.file_path == "") == (emptied or key == "done"), key
        texts = list(batch.issues.values_list("message", flat=True))
        assert all(t == "" for t in texts) == (emptied or key == "done" or not texts), key
        assert (batch.rows, batch.accepted, batch.rejected, batch.issue_counts) == counts[key]
        if key == "old":
            assert batch.reply_summary == {
                "registered": 3,
                "mismatches": [],
                "mismatches_removed": 1,
            }
        elif key == "new":
            assert batch.reply_summary == {"registered": 3, "mismatches": [MISMATCH]}
        if emptied:
            assert not default_storage.exists(paths[key])
            with pytest.raises(FileError) as error:
                read_upload(batch.file_path)
            assert error.value.code == "file_purged"
        elif paths[key]:
            assert default_storage.exists(paths[key])
    assert ImportIssue.objects.filter(message="").count() == 3

    # Audited without personal data: a row per person and per batch, and the counts.
    rows = list(AuditEvent.objects.order_by("pk")[audit_before:].values())
    assert len(rows) == 6
    assert {(r["action"], r["entity"], r["entity_id"]) for r in rows[:5]} == {
        (Action.UPDATE, "registry.person", str(world.people["ended"].pk)),
        (Action.UPDATE, "registry.person", str(world.people["paid"].pk)),
        *(
            (Action.UPDATE, "intake.importbatch", str(world.batches[k].pk))
            for k in ("old", "failed", "abandoned")
        ),
    }
    summary = rows[5]
    assert (summary["action"], summary["entity"], summary["entity_id"]) == (
        Action.DELETE,
        RETENTION_ENTITY,
        "*",
    )
    counted = summary["after"] or {}
    assert (counted["persons"], counted["files"]) == (2, 3)
    assert summary["actor_label"] == "uji" and summary["note"] == "retensi per 2031-06-30"
    text = json.dumps(rows, default=str)
    assert "Orang ended" not in text and world.people["ended"].nik not in text

    # A second purge on the same day finds nothing left.
    again = retention_purge(actor=Actor.system(source=Source.CLI), on=ON, dry_run=True)
    assert (again.batches, again.persons) == (0, 0)


def test_purge_cli_json_and_dry_run(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    before = _state()
    call_command("privacy", "purge", "--dry-run", "--on", "2031-06-30", "--json")
    data = json.loads(capsys.readouterr().out)
    assert _state() == before
    assert data["dry_run"] is True
    assert {k: data[k] for k in ("batches", "files", "issues", "persons", "memberships")} == {
        "batches": 3,
        "files": 3,
        "issues": 3,
        "persons": 2,
        "memberships": 3,
    }
    call_command("privacy", "purge", "--on", "2031-06-30")
    out = capsys.readouterr().out
    assert "Retensi dijalankan per 30-06-2031" in out
    assert "2 dianonimkan (3 kepesertaan)" in out
    assert Person.objects.filter(name=ANONYMOUS_NAME).count() == 2


def test_purge_cli_refuses_a_bad_date_with_exit_code_2(capsys: pytest.CaptureFixture[str]) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as error:
        call_command("privacy", "purge", "--on", "2031-02-30", "--json")
    assert error.value.returncode == 2
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "date_invalid"


# --- on the demo ------------------------------------------------------------------------------

# Luwu Timur's part of the demo (``demo.generator.luwu_timur``, the same seeded people as
# ``cakupan demo``): its history of contracts that ended before October 2021 and its leavers. On
# 30 June 2027 the people whose every membership ended by 30 June 2022 are past the five years.
DEMO_ON = D(2027, 6, 30)
DEMO_PURGED = 503  # people, each with one membership: the seeded history and leavers


def test_purge_on_the_demo_keeps_the_reported_figures(files: Any) -> None:
    from cakupan.demo.builder import Builder
    from cakupan.demo.generator import luwu_timur

    builder = Builder(actor=Actor.system(source=Source.CLI, label="uji demo"))
    luwu_timur(builder)
    builder.flush()
    region = Region.objects.get(code="73.24")
    days = (D(2021, 10, 31), D(2022, 11, 9), DEMO_ON)
    before = {d: region_stats(user=SYSTEM, region=region, on=d) for d in days}
    assert before[D(2022, 11, 9)]["by_segment"]["non_asn"] == 4535  # the KSO report's figure
    people = Person.objects.count()

    dry = retention_purge(actor=Actor.system(source=Source.CLI), on=DEMO_ON, dry_run=True)
    assert Person.objects.exclude(nik__startswith="00").count() == people
    result = retention_purge(actor=Actor.system(source=Source.CLI), on=DEMO_ON)
    assert (dry.persons, dry.memberships) == (result.persons, result.memberships)
    assert (result.persons, result.memberships, result.batches) == (DEMO_PURGED, DEMO_PURGED, 0)
    assert Person.objects.filter(name=ANONYMOUS_NAME).count() == result.persons
    assert {d: region_stats(user=SYSTEM, region=region, on=d) for d in days} == before
