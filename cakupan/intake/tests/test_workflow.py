"""Submit, verify (or return) by the responsible dinas, export to BPJS and confirm it was sent,
import BPJS's reply; the BPJS officer of the kabupaten's branch sends too."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import AuditEvent, Role
from cakupan.intake import services
from cakupan.intake.models import BatchStatus, ImportBatch
from cakupan.intake.schema import FileError, FileIssue
from cakupan.intake.tests.test_pipeline import DESA, GOOD, TODAY, csv_file, nik
from cakupan.intake.workflow import (
    WorkflowError,
    batch_mark_sent,
    batch_return,
    batch_submit,
    batch_verify,
    bpjs_export,
    bpjs_reply_import,
    can_verify,
    may_send_to_bpjs,
)
from cakupan.registry.models import Membership, MembershipStatus, Segment, Unit
from cakupan.testing.factories import make_branch_office, make_unit, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting() -> dict[str, object]:
    unit = make_unit(
        region=DESA, kind="pemerintah_desa", code="7324042001-PEMDES", name="Pemerintah Desa Uji"
    )
    dpmd = make_unit(region="73.24", code="7324-DPMD", name="DPMD Luwu Timur")
    dpmd.verifies_segments = ["perangkat_desa", "bpd", "lembaga_desa"]
    dpmd.save()
    bkpsdm = make_unit(region="73.24", code="7324-BKPSDM", name="BKPSDM Luwu Timur")
    bkpsdm.verifies_segments = ["non_asn"]
    bkpsdm.save()
    operator = make_user(role=Role.OPERATOR_DESA, unit=unit, username="desa.uji")
    return {
        "unit": unit,
        "operator": Actor(user=operator, source="web"),
        "dpmd": Actor(
            user=make_user(role=Role.ADMIN_KABUPATEN, region="73.24", unit=dpmd, username="dpmd"),
            source="web",
        ),
        "bkpsdm": Actor(
            user=make_user(
                role=Role.ADMIN_KABUPATEN, region="73.24", unit=bkpsdm, username="bkpsdm"
            ),
            source="web",
        ),
        "other_admin": Actor(
            user=make_user(role=Role.ADMIN_KABUPATEN, region="73.02", username="blk"), source="web"
        ),
    }


def committed(unit: Unit, actor: Actor) -> ImportBatch:
    batch = services.batch_create(
        actor=actor,
        unit=unit,
        segment=Segment.PERANGKAT_DESA,
        file_name="p.csv",
        data=csv_file(*GOOD),
    )
    return services.batch_process(batch=batch, actor=actor, commit=True, today=TODAY).batch


def test_the_whole_round_trip(setting: dict[str, object]) -> None:
    unit, operator, dpmd = setting["unit"], setting["operator"], setting["dpmd"]
    assert isinstance(unit, Unit) and isinstance(operator, Actor) and isinstance(dpmd, Actor)
    batch = committed(unit, operator)
    assert batch.links.count() == 3

    batch = batch_submit(actor=operator, batch=batch)
    assert batch.status == BatchStatus.SUBMITTED
    assert set(Membership.objects.values_list("status", flat=True)) == {MembershipStatus.SUBMITTED}

    # The operator cannot verify their own batch; BKPSDM does not verify village segments; an
    # admin of another kabupaten does not either. DPMD does.
    for actor in (operator, setting["bkpsdm"], setting["other_admin"]):
        assert isinstance(actor, Actor)
        assert not can_verify(actor.user, batch)
        with pytest.raises(WorkflowError):
            batch_verify(actor=actor, batch=batch)
    batch = batch_verify(actor=dpmd, batch=batch)
    assert (batch.status, batch.verified_by) == (BatchStatus.VERIFIED, dpmd.user)

    exported = bpjs_export(actor=dpmd, batch=batch, fmt="csv").decode("utf-8-sig").splitlines()
    assert (
        exported[0]
        == "NIK,NAMA,TGL_LAHIR,JENIS_KELAMIN,NO_HP,UPAH,PROGRAM,SEGMEN,NPP,KODE_UNIT,TGL_MULAI,ID_CAKUPAN"
    )
    assert len(exported) == 4
    # Downloading the file sends nothing: the batch is sent when someone says so.
    batch.refresh_from_db()
    assert batch.status == BatchStatus.VERIFIED
    assert AuditEvent.objects.filter(action="export", entity="registry.membership").count() == 1
    with pytest.raises(WorkflowError) as excinfo:
        bpjs_reply_import(actor=dpmd, batch=batch, data=b"NIK;KPJ\n", file_name="early.csv")
    assert excinfo.value.code == "batch_wrong_status"
    batch = batch_mark_sent(actor=dpmd, batch=batch)
    assert (batch.status, batch.sent_by) == (BatchStatus.SENT, dpmd.user)
    assert batch.sent_at is not None

    ids = {m.person.nik: m.pk for m in Membership.objects.select_related("person")}
    reply = "\n".join(
        [
            "NIK;KPJ;STATUS;TGL_KEPESERTAAN;ID_CAKUPAN",
            f"{nik(17)};24000000017;TERDAFTAR;01-02-2026;{ids[nik(17)]}",
            f"{nik(18, 'P')};24000000018;Terdaftar;01-02-2026;",
            f"{nik(19)};;DITOLAK;;",
            f"{nik(20)};24000000020;TERDAFTAR;01-02-2026;",  # not in this batch
            f"{nik(17)};24000000017;TERDAFTAR;01-02-2026;",  # twice
        ]
    ).encode()
    result = bpjs_reply_import(actor=dpmd, batch=batch, data=reply, file_name="balasan.csv")
    assert (result.registered, result.rejected, result.missing) == (2, 1, 0)
    assert [(m["row"], m["code"]) for m in result.mismatches] == [
        (4, "reply_rejected"),
        (5, "reply_nik_not_in_batch"),
        (6, "reply_duplicate"),
    ]
    andi = Membership.objects.get(pk=ids[nik(17)])
    assert (andi.status, andi.kpj_number, andi.start_date) == (
        MembershipStatus.REGISTERED,
        "24000000017",
        dt.date(2026, 2, 1),
    )
    assert result.batch_status == BatchStatus.SENT  # Baso is still waiting
    change = (
        AuditEvent.objects.filter(
            entity="registry.membership", entity_id=str(andi.pk), action="update"
        )
        .order_by("id")
        .last()
    )
    assert change is not None and change.after == {
        "status": "registered",
        "kpj_number": "24000000017",
        "start_date": "2026-02-01",
    }

    second = bpjs_reply_import(
        actor=dpmd,
        batch=batch,
        data=(
            f"NIK;KPJ;STATUS;TGL_KEPESERTAAN\n{nik(19)};24000000019;TERDAFTAR;15-02-2026\n"
        ).encode(),
        file_name="balasan2.csv",
    )
    assert (second.registered, second.batch_status) == (1, BatchStatus.REGISTERED)
    # The batch keeps the last reply for its page, NIKs masked.
    batch.refresh_from_db()
    assert batch.reply_summary is not None
    assert {k: batch.reply_summary[k] for k in ("file_name", "registered", "mismatches")} == {
        "file_name": "balasan2.csv",
        "registered": 1,
        "mismatches": [],
    }


def test_steps_out_of_order_are_refused(setting: dict[str, object]) -> None:
    unit, operator, dpmd = setting["unit"], setting["operator"], setting["dpmd"]
    assert isinstance(unit, Unit) and isinstance(operator, Actor) and isinstance(dpmd, Actor)
    batch = committed(unit, operator)
    with pytest.raises(WorkflowError) as excinfo:
        batch_verify(actor=dpmd, batch=batch)
    assert excinfo.value.code == "batch_wrong_status"
    with pytest.raises(WorkflowError):
        bpjs_export(actor=dpmd, batch=batch, fmt="csv")
    batch_submit(actor=operator, batch=batch)
    with pytest.raises(WorkflowError):
        batch_submit(actor=operator, batch=batch)


def test_a_reply_without_the_needed_columns_is_refused(setting: dict[str, object]) -> None:
    unit, operator, dpmd = setting["unit"], setting["operator"], setting["dpmd"]
    assert isinstance(unit, Unit) and isinstance(operator, Actor) and isinstance(dpmd, Actor)
    batch = batch_verify(
        actor=dpmd, batch=batch_submit(actor=operator, batch=committed(unit, operator))
    )
    bpjs_export(actor=dpmd, batch=batch, fmt="xlsx")
    batch_mark_sent(actor=dpmd, batch=batch)
    with pytest.raises(WorkflowError) as excinfo:
        bpjs_reply_import(
            actor=dpmd, batch=batch, data=f"NIK;Nama\n{nik(17)};Andi\n".encode(), file_name="x.csv"
        )
    assert excinfo.value.code == "reply_missing_columns"
    assert set(Membership.objects.values_list("status", flat=True)) == {MembershipStatus.SUBMITTED}


def test_only_the_verifier_exports_and_reads_the_reply(setting: dict[str, object]) -> None:
    """The services refuse others themselves, whatever a view or a command checked before."""
    unit, operator, dpmd = setting["unit"], setting["operator"], setting["dpmd"]
    bkpsdm, other_admin = setting["bkpsdm"], setting["other_admin"]
    assert isinstance(unit, Unit) and isinstance(operator, Actor) and isinstance(dpmd, Actor)
    assert isinstance(bkpsdm, Actor) and isinstance(other_admin, Actor)
    batch = batch_verify(
        actor=dpmd, batch=batch_submit(actor=operator, batch=committed(unit, operator))
    )
    reply = f"NIK;KPJ;STATUS;TGL_KEPESERTAAN\n{nik(17)};24000000017;TERDAFTAR;01-02-2026\n"
    for actor in (operator, bkpsdm, other_admin, Actor.system(source="cli")):
        with pytest.raises(WorkflowError) as excinfo:
            bpjs_export(actor=actor, batch=batch, fmt="csv")
        assert excinfo.value.code == "batch_send_forbidden"
    batch.refresh_from_db()
    assert batch.status == BatchStatus.VERIFIED
    assert not AuditEvent.objects.filter(action="export", entity="registry.membership").exists()

    bpjs_export(actor=dpmd, batch=batch, fmt="csv")
    for actor in (operator, bkpsdm, other_admin):
        with pytest.raises(WorkflowError) as excinfo:
            batch_mark_sent(actor=actor, batch=batch)
        assert excinfo.value.code == "batch_send_forbidden"
    batch_mark_sent(actor=dpmd, batch=batch)
    for actor in (operator, bkpsdm, other_admin):
        with pytest.raises(WorkflowError) as excinfo:
            bpjs_reply_import(actor=actor, batch=batch, data=reply.encode(), file_name="b.csv")
        assert excinfo.value.code == "batch_send_forbidden"
    assert set(Membership.objects.values_list("status", flat=True)) == {MembershipStatus.SUBMITTED}
    # A superadmin may do both.
    admin = Actor(user=make_user(role=Role.SUPERADMIN, username="super"), source="web")
    result = bpjs_reply_import(actor=admin, batch=batch, data=reply.encode(), file_name="b.csv")
    assert result.registered == 1


def test_the_reply_is_read_within_the_intake_limits(
    setting: dict[str, object], settings: Any
) -> None:
    unit, operator, dpmd = setting["unit"], setting["operator"], setting["dpmd"]
    assert isinstance(unit, Unit) and isinstance(operator, Actor) and isinstance(dpmd, Actor)
    batch = batch_verify(
        actor=dpmd, batch=batch_submit(actor=operator, batch=committed(unit, operator))
    )
    batch_mark_sent(actor=dpmd, batch=batch)
    reply = "\n".join(
        ["NIK;KPJ;STATUS;TGL_KEPESERTAAN"]
        + [f"{nik(day)};2400000000{day};TERDAFTAR;01-02-2026" for day in (17, 19)]
    ).encode()

    settings.INTAKE_MAX_UPLOAD_BYTES = len(reply) - 1
    with pytest.raises(FileError) as excinfo:
        bpjs_reply_import(actor=dpmd, batch=batch, data=reply, file_name="balasan.csv")
    assert excinfo.value.code == FileIssue.TOO_LARGE

    settings.INTAKE_MAX_UPLOAD_BYTES = 50 * 2**20
    settings.INTAKE_MAX_ROWS = 1
    with pytest.raises(FileError) as excinfo:
        bpjs_reply_import(actor=dpmd, batch=batch, data=reply, file_name="balasan.csv")
    assert excinfo.value.code == FileIssue.TOO_MANY_ROWS
    assert excinfo.value.message == "Berkas berisi 2 baris; batasnya 1 baris per berkas."
    assert set(Membership.objects.values_list("status", flat=True)) == {MembershipStatus.SUBMITTED}

    settings.INTAKE_MAX_ROWS = 2
    result = bpjs_reply_import(actor=dpmd, batch=batch, data=reply, file_name="balasan.csv")
    assert result.registered == 2


def test_the_verifier_returns_a_batch_with_a_note_and_the_operator_submits_again(
    setting: dict[str, object],
) -> None:
    unit, operator, dpmd = setting["unit"], setting["operator"], setting["dpmd"]
    bkpsdm = setting["bkpsdm"]
    assert isinstance(unit, Unit) and isinstance(operator, Actor) and isinstance(dpmd, Actor)
    assert isinstance(bkpsdm, Actor)
    batch = batch_submit(actor=operator, batch=committed(unit, operator))
    with pytest.raises(WorkflowError) as excinfo:
        batch_return(actor=dpmd, batch=batch, note="  ")
    assert excinfo.value.code == "return_note_required"
    for actor in (operator, bkpsdm):  # not the submitter, not another dinas
        with pytest.raises(WorkflowError) as excinfo:
            batch_return(actor=actor, batch=batch, note="salah")
        assert excinfo.value.code == "batch_return_forbidden"

    batch = batch_return(actor=dpmd, batch=batch, note="Upah Baso bukan siltap 2026.")
    assert (batch.status, batch.returned_by, batch.return_note) == (
        BatchStatus.RETURNED,
        dpmd.user,
        "Upah Baso bukan siltap 2026.",
    )
    assert set(Membership.objects.values_list("status", flat=True)) == {MembershipStatus.DRAFT}
    event = AuditEvent.objects.filter(
        entity="intake.importbatch", entity_id=str(batch.pk), action="update"
    ).get()
    assert (event.action, event.before, event.after) == (
        "update",
        {"status": "submitted", "return_note": ""},
        {"status": "returned", "return_note": "Upah Baso bukan siltap 2026."},
    )
    with pytest.raises(WorkflowError):
        batch_verify(actor=dpmd, batch=batch)  # back with the operator

    batch = batch_submit(actor=operator, batch=batch)
    assert batch.status == BatchStatus.SUBMITTED
    assert batch.return_note == "Upah Baso bukan siltap 2026."  # the verifier sees what was asked
    assert set(Membership.objects.values_list("status", flat=True)) == {MembershipStatus.SUBMITTED}
    assert batch_verify(actor=dpmd, batch=batch).status == BatchStatus.VERIFIED


def test_the_bpjs_officer_of_the_kabupaten_sends_and_reads_the_reply(
    setting: dict[str, object],
) -> None:
    unit, operator, dpmd = setting["unit"], setting["operator"], setting["dpmd"]
    assert isinstance(unit, Unit) and isinstance(operator, Actor) and isinstance(dpmd, Actor)
    malili = make_branch_office(regions=("73.24",), name="Kantor Cabang Malili")
    bulukumba = make_branch_office(regions=("73.02",), name="Kantor Cabang Bulukumba")
    officer = Actor(
        user=make_user(role=Role.PETUGAS_BPJS, branch_office=malili, username="bpjs.m"),
        source="web",
    )
    elsewhere = Actor(
        user=make_user(role=Role.PETUGAS_BPJS, branch_office=bulukumba, username="bpjs.b"),
        source="web",
    )
    batch = batch_verify(
        actor=dpmd, batch=batch_submit(actor=operator, batch=committed(unit, operator))
    )
    assert may_send_to_bpjs(officer.user, batch)
    assert not may_send_to_bpjs(elsewhere.user, batch)
    with pytest.raises(WorkflowError) as excinfo:
        bpjs_export(actor=elsewhere, batch=batch, fmt="csv")
    assert excinfo.value.code == "batch_send_forbidden"
    with pytest.raises(WorkflowError):
        batch_verify(actor=officer, batch=batch)  # sending is not verifying

    assert bpjs_export(actor=officer, batch=batch, fmt="csv")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.VERIFIED
    batch = batch_mark_sent(actor=officer, batch=batch)
    assert (batch.status, batch.sent_by) == (BatchStatus.SENT, officer.user)
    reply = "\n".join(
        ["NIK;KPJ;STATUS;TGL_KEPESERTAAN"]
        + [f"{nik(day, sex)};2400000000{day};TERDAFTAR;01-02-2026" for day, sex in GOOD_SEXES]
    ).encode()
    result = bpjs_reply_import(actor=officer, batch=batch, data=reply, file_name="balasan.csv")
    assert (result.registered, result.batch_status) == (3, BatchStatus.REGISTERED)
    batch.refresh_from_db()
    assert batch.reply_summary is not None
    assert officer.user is not None
    assert batch.reply_summary["by"] == (officer.user.get_full_name() or "bpjs.m")


GOOD_SEXES = ((17, "L"), (18, "P"), (19, "L"))
