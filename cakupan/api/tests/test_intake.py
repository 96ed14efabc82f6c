"""Intake through the API: upload, rows as JSON, issues, commit, submit, verify, BPJS file and
reply; each role's scope; the same result as the CLI for the same file.

The test settings run background tasks at once (ImmediateBackend), so a batch is already checked
(or committed) when the POST returns.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from cakupan.accounts.models import Action, AuditEvent, Role, User
from cakupan.api.tests.conftest import ApiClient
from cakupan.intake.models import BatchStatus, ImportBatch
from cakupan.intake.tests.test_pipeline import DESA, GOOD, csv_file, nik
from cakupan.registry.models import Membership, MembershipStatus, Unit, UnitKind
from cakupan.testing.factories import make_batch, make_branch_office, make_unit, make_user

pytestmark = pytest.mark.django_db

BATCHES = "/api/v1/intake/batches"
BULUKUMBA_DESA = "73.02"  # Kabupaten Bulukumba
# Row 8 of csv_file (three title lines, the header on line 4): a NIK of five digits.
BAD = f"12345;Budi Santoso;L;20-08-1985;{DESA};Kepala Dusun;2.450.000;01-01-2026"
FIXED = f"{nik(20)};Budi Santoso;L;20-08-1985;{DESA};Kepala Dusun;2.450.000;01-01-2026"


@dataclass
class World:
    unit: Unit
    operator: User
    dpmd: User
    bulukumba_unit: Unit
    bulukumba_operator: User


@pytest.fixture
def world() -> World:
    unit = make_unit(
        region=DESA, kind=UnitKind.PEMERINTAH_DESA, code="7324042001-PEMDES", name="Pemdes Harapan"
    )
    dpmd = make_unit(region="73.24", code="7324-DPMD", name="DPMD Luwu Timur")
    dpmd.verifies_segments = ["perangkat_desa", "bpd", "lembaga_desa"]
    dpmd.save()
    bulukumba = make_unit(
        region=BULUKUMBA_DESA, kind=UnitKind.PEMERINTAH_DESA, code="7302012001-PEMDES"
    )
    return World(
        unit=unit,
        operator=make_user(role=Role.OPERATOR_DESA, unit=unit, username="desa.harapan"),
        dpmd=make_user(role=Role.ADMIN_KABUPATEN, region="73.24", unit=dpmd, username="dpmd"),
        bulukumba_unit=bulukumba,
        bulukumba_operator=make_user(
            role=Role.OPERATOR_DESA, unit=bulukumba, username="desa.bulukumba"
        ),
    )


def post_multipart(client: ApiClient, path: str, data: dict[str, Any], **kw: Any) -> Any:
    return client.client.post(path, data, headers=client._headers(kw.pop("headers", None)), **kw)


def up(client: ApiClient, unit: str, data: bytes, name: str = "perangkat.csv", **kw: Any) -> Any:
    """A multipart upload (the Django client encodes the file when no content type is forced)."""
    return post_multipart(
        client, BATCHES, {"unit": unit, "file": SimpleUploadedFile(name, data)}, **kw
    )


def issues(client: ApiClient, batch_id: int) -> list[tuple[int, str, str]]:
    body = client.get(f"{BATCHES}/{batch_id}/issues", {"limit": 500}).json()
    assert body["next_cursor"] is None
    return [(i["row"], i["code"], i["severity"]) for i in body["items"]]


def test_an_operator_uploads_commits_submits_and_dpmd_verifies_exports_and_registers(
    world: World, api_client: Callable[..., ApiClient]
) -> None:
    operator = api_client(world.operator)
    # 1. A file with one bad row: checked at once; the row is reported by its file row number.
    response = up(operator, world.unit.code, csv_file(*GOOD, BAD))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["phase"], body["segment"], body["source"]) == (
        "validated",
        "done",
        "perangkat_desa",
        "api",
    )
    assert (body["rows"], body["accepted"], body["rejected"]) == (4, 3, 1)
    assert body["actions"]["commit"] is True and body["actions"]["submit"] is False
    first = body["id"]
    found = issues(operator, first)
    assert (8, "nik_length", "error") in found
    detail = operator.get(f"{BATCHES}/{first}").json()
    assert detail == body
    only_errors = operator.get(f"{BATCHES}/{first}/issues", {"severity": "error"}).json()
    assert [(i["row"], i["code"]) for i in only_errors["items"]] == [(8, "nik_length")]
    assert only_errors["items"][0]["message"] == "NIK harus 16 digit, ditemukan 5 digit."

    # The annotated file: XLSX named after the upload, its download logged.
    download = operator.get(f"{BATCHES}/{first}/annotated")
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="perangkat-hasil-periksa.xlsx"'
    assert AuditEvent.objects.filter(
        action=Action.EXPORT, entity="intake.importbatch", entity_id=str(first), source="api"
    ).exists()

    # 2. The corrected file, then commit: four new draft memberships; a second commit is 409.
    second = up(operator, world.unit.code, csv_file(*GOOD, FIXED)).json()["id"]
    response = operator.post(f"{BATCHES}/{second}/commit")
    assert response.status_code == 202
    assert (response.json()["status"], response.json()["new"]) == ("committed", 4)
    assert Membership.objects.filter(unit=world.unit, status=MembershipStatus.DRAFT).count() == 4
    again = operator.post(f"{BATCHES}/{second}/commit")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "batch_not_committable")
    assert Membership.objects.count() == 4

    # 3. Submit; the operator may not verify (403 with the workflow's code); DPMD verifies.
    assert operator.post(f"{BATCHES}/{second}/submit").json()["status"] == "submitted"
    refused = operator.post(f"{BATCHES}/{second}/verify")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "batch_verify_forbidden"
    dpmd = api_client(world.dpmd)
    submitted_again = dpmd.post(f"{BATCHES}/{second}/submit")
    assert (submitted_again.status_code, submitted_again.json()["error"]["code"]) == (
        409,
        "batch_wrong_status",
    )
    verified = dpmd.post(f"{BATCHES}/{second}/verify").json()
    assert verified["status"] == "verified" and verified["actions"]["bpjs_export"] is True

    # 4. The registration file: the operator may not; DPMD downloads it (logged).
    assert operator.get(f"{BATCHES}/{second}/bpjs-export").status_code == 403
    response = dpmd.get(f"{BATCHES}/{second}/bpjs-export", {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="pendaftaran-bpjs-batch-{second}.csv"'
    )
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("NIK,NAMA,TGL_LAHIR") and len(lines) == 5
    assert AuditEvent.objects.filter(
        action=Action.EXPORT, entity="registry.membership", actor=world.dpmd, source="api"
    ).exists()

    # 5. Sent, then BPJS's reply: three registered, one missing.
    assert dpmd.post(f"{BATCHES}/{second}/sent").json()["status"] == "sent"
    reply = "\n".join(
        ["NIK;KPJ;STATUS;TGL_KEPESERTAAN"]
        + [
            f"{n};{kpj};TERDAFTAR;01-02-2026"
            for n, kpj in [
                (nik(17), "24000000017"),
                (nik(18, "P"), "24000000018"),
                (nik(19), "24000000019"),
            ]
        ]
    ).encode()
    response = post_multipart(
        dpmd,
        f"{BATCHES}/{second}/bpjs-reply",
        {"file": SimpleUploadedFile("balasan.csv", reply)},
    )
    assert response.status_code == 200, response.content
    result = response.json()
    assert (result["registered"], result["rejected"], result["missing"]) == (3, 0, 1)
    assert [m["code"] for m in result["mismatches"]] == ["reply_missing"]
    assert nik(20) not in response.content.decode()
    assert result["batch"]["reply"]["registered"] == 3

    # The list: both batches by id (and the first file's, of course).
    listed = operator.get(BATCHES).json()
    assert [b["id"] for b in listed["items"]] == [first, second]


def test_rows_as_json_give_the_same_batch_issues_and_row_numbers_as_the_file(
    world: World, api_client: Callable[..., ApiClient]
) -> None:
    operator = api_client(world.operator)
    lines = [*GOOD, BAD]
    file_batch = up(operator, world.unit.code, csv_file(*lines, title=False)).json()
    keys = ["nik", "name", "sex", "birth_date", "desa", "occupation", "wage", "start_date"]
    rows: list[dict[str, Any]] = [dict(zip(keys, line.split(";"), strict=True)) for line in lines]
    rows[1]["wage"] = 2850000  # a number is a cell too
    response = operator.post(f"{BATCHES}/rows", {"unit": world.unit.code, "rows": rows})
    assert response.status_code == 201, response.content
    rows_batch = response.json()
    assert rows_batch["file_name"] == "baris-api.csv"
    for key in ("status", "rows", "accepted", "rejected", "issue_counts"):
        assert rows_batch[key] == file_batch[key], key
    assert issues(operator, rows_batch["id"]) == issues(operator, file_batch["id"])
    assert (5, "nik_length", "error") in issues(operator, rows_batch["id"])  # 4th row: row 5

    # Schema-invalid rows: 422 with the field's path; nothing is created.
    before = ImportBatch.objects.count()
    bad = operator.post(
        f"{BATCHES}/rows", {"unit": world.unit.code, "rows": [{"nik": "1", "umur": 40}]}
    )
    assert bad.status_code == 422
    assert [d["field"] for d in bad.json()["error"]["details"]] == ["rows.0.umur"]
    controls = operator.post(
        f"{BATCHES}/rows",
        {"unit": world.unit.code, "rows": [{"nik": nik(17)}, {"name": "A\u0000B", "wage": True}]},
    )
    assert controls.status_code == 422
    assert [d["field"] for d in controls.json()["error"]["details"]] == [
        "rows.1.name",
        "rows.1.wage",
    ]
    empty = operator.post(f"{BATCHES}/rows", {"unit": world.unit.code, "rows": []})
    assert empty.status_code == 422 and empty.json()["error"]["details"][0]["field"] == "rows"
    # Rows without a required column: the file's own refusal (status failed, same code).
    failed = operator.post(
        f"{BATCHES}/rows", {"unit": world.unit.code, "rows": [{"nik": nik(17), "name": "A"}]}
    ).json()
    assert failed["status"] == "failed"
    assert failed["file_error"]["code"] == "file_missing_columns"
    assert ImportBatch.objects.count() == before + 1


def test_the_api_gives_the_cli_result_row_for_row_for_the_same_file(
    world: World, api_client: Callable[..., ApiClient], tmp_path: Any
) -> None:
    duplicate = GOOD[0].replace("Andi Saputra", "Andi S.")  # the same NIK twice in the file
    data = csv_file(*GOOD, BAD, duplicate, FIXED.replace("Budi", "Badu"))
    path = tmp_path / "perangkat.csv"
    path.write_bytes(data)

    # The CLI's result, then everything it wrote rolled back.
    class Undo(Exception):
        pass

    out = io.StringIO()
    cli_memberships: list[tuple[str, str, str]] = []
    try:
        with transaction.atomic():
            call_command(
                "intake",
                str(path),
                "--unit",
                world.unit.code,
                "--json",
                "--error-file",
                str(tmp_path / "hasil.xlsx"),
                stdout=out,
            )
            cli_memberships = sorted(
                Membership.objects.filter(unit=world.unit).values_list(
                    "person__nik", "segment", "status"
                )
            )
            raise Undo
    except Undo:
        pass
    cli = json.loads(out.getvalue())
    assert Membership.objects.count() == 0 and cli["status"] == "committed"

    operator = api_client(world.operator)
    batch = up(operator, world.unit.code, data).json()
    committed = operator.post(f"{BATCHES}/{batch['id']}/commit").json()
    for key in ("status", "rows", "accepted", "new", "changed", "unchanged", "rejected"):
        assert committed[key] == cli[key], key
    api_issues = [(i[0], i[1]) for i in issues(operator, batch["id"]) if i[2] == "error"]
    assert api_issues == [(e["row"], e["code"]) for e in cli["errors"]]
    api_warnings = [(i[0], i[1]) for i in issues(operator, batch["id"]) if i[2] == "warning"]
    assert api_warnings == [(w["row"], w["code"]) for w in cli["warnings"]]
    assert cli["errors_total"] >= 2 and cli["warnings_total"] >= 1
    assert (
        sorted(
            Membership.objects.filter(unit=world.unit).values_list(
                "person__nik", "segment", "status"
            )
        )
        == cli_memberships
    )
    assert len(cli_memberships) == cli["accepted"]


# --- scope, refusals, idempotency ---------------------------------------------------------------


def test_each_role_sees_only_the_batches_of_its_scope(
    world: World,
    personas: dict[str, User],
    persona_world: Any,
    api_client: Callable[..., ApiClient],
) -> None:
    desa = up(
        api_client(personas[Role.OPERATOR_DESA]),
        persona_world.pemerintah_desa.code,
        csv_file(*GOOD),
    ).json()["id"]
    opd = up(
        api_client(personas[Role.OPERATOR_OPD]), persona_world.opd.code, csv_file(*GOOD)
    ).json()["id"]
    harapan = up(api_client(world.operator), world.unit.code, csv_file(*GOOD)).json()["id"]
    bulukumba = up(
        api_client(world.bulukumba_operator), world.bulukumba_unit.code, csv_file(*GOOD)
    ).json()["id"]
    scope = {
        Role.SUPERADMIN: [desa, opd, harapan, bulukumba],
        Role.ADMIN_KABUPATEN: [desa, opd, harapan],
        Role.OPERATOR_OPD: [opd],
        Role.OPERATOR_DESA: [desa, harapan],  # both units of the same desa
        Role.CAMAT: [desa, harapan],
        Role.PETUGAS_BPJS: [desa, opd, harapan],
        Role.PIMPINAN: [desa, opd, harapan],
    }
    for role, expected in scope.items():
        client = api_client(personas[role])
        assert [b["id"] for b in client.get(BATCHES).json()["items"]] == expected, role
        for batch_id in (desa, opd, harapan, bulukumba):
            status = client.get(f"{BATCHES}/{batch_id}").status_code
            assert status == (200 if batch_id in expected else 404), (role, batch_id)
            issues_status = client.get(f"{BATCHES}/{batch_id}/issues").status_code
            assert issues_status == status
        # A commit outside the scope is 404 whatever the role; inside, read-only roles get 403.
        out = client.post(f"{BATCHES}/{bulukumba}/commit")
        if role == Role.SUPERADMIN:  # in scope; its rows are all outside the unit's area
            assert out.json()["error"]["code"] == "batch_not_committable"
        else:
            assert out.status_code == 404, role
    camat = api_client(personas[Role.CAMAT])
    assert camat.post(f"{BATCHES}/{desa}/commit").status_code == 403
    assert up(camat, persona_world.pemerintah_desa.code, csv_file(*GOOD)).status_code == 403
    # A unit outside the scope is refused as unknown, by its field.
    refused = up(
        api_client(personas[Role.ADMIN_KABUPATEN]), world.bulukumba_unit.code, csv_file(*GOOD)
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "unit_unknown"
    assert refused.json()["error"]["details"] == [{"field": "unit", "location": "body"}]


def test_a_read_only_token_may_read_but_not_write(
    world: World, api_client: Callable[..., ApiClient]
) -> None:
    batch = up(api_client(world.operator), world.unit.code, csv_file(*GOOD)).json()["id"]
    reader = api_client(world.operator, read_only=True)
    assert reader.get(f"{BATCHES}/{batch}").status_code == 200
    for response in (
        up(reader, world.unit.code, csv_file(*GOOD)),
        reader.post(f"{BATCHES}/rows", {"unit": world.unit.code, "rows": [{"nik": "1"}]}),
        reader.post(f"{BATCHES}/{batch}/commit"),
        reader.post(f"{BATCHES}/{batch}/submit"),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "token_read_only"
    assert ImportBatch.objects.count() == 1


def test_an_upload_retried_with_its_key_creates_one_batch(
    world: World, api_client: Callable[..., ApiClient]
) -> None:
    operator = api_client(world.operator)
    key = {"Idempotency-Key": "3f1c2a9e-upload-1"}
    first = up(operator, world.unit.code, csv_file(*GOOD), headers=key)
    again = up(operator, world.unit.code, csv_file(*GOOD), headers=key)
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert ImportBatch.objects.count() == 1
    other = up(operator, world.unit.code, csv_file(*GOOD, FIXED), headers=key)
    assert (other.status_code, other.json()["error"]["code"]) == (409, "idempotency_key_reused")
    # An empty file: the intake's code, nothing kept.
    empty = up(operator, world.unit.code, b"")
    assert (empty.status_code, empty.json()["error"]["code"]) == (422, "file_empty")
    assert ImportBatch.objects.count() == 1


def test_the_bpjs_officer_of_another_branch_gets_404_and_ours_may_send(
    world: World, api_client: Callable[..., ApiClient]
) -> None:
    operator = api_client(world.operator)
    batch = up(operator, world.unit.code, csv_file(*GOOD)).json()["id"]
    operator.post(f"{BATCHES}/{batch}/commit")
    operator.post(f"{BATCHES}/{batch}/submit")
    api_client(world.dpmd).post(f"{BATCHES}/{batch}/verify")
    ours = make_user(
        role=Role.PETUGAS_BPJS,
        branch_office=make_branch_office(regions=("73.24",)),
        username="bpjs.malili",
    )
    elsewhere = make_user(
        role=Role.PETUGAS_BPJS,
        branch_office=make_branch_office(regions=("73.02",), name="Kantor Cabang Bulukumba"),
        username="bpjs.bulukumba",
    )
    assert api_client(elsewhere).get(f"{BATCHES}/{batch}/bpjs-export").status_code == 404
    officer = api_client(ours)
    response = officer.get(f"{BATCHES}/{batch}/bpjs-export", {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert officer.post(f"{BATCHES}/{batch}/commit").status_code == 403  # read-only elsewhere
    assert officer.post(f"{BATCHES}/{batch}/sent").json()["status"] == "sent"
    assert ImportBatch.objects.get(pk=batch).status == BatchStatus.SENT


def test_rows_beyond_the_json_limit_are_refused_with_the_limit_and_the_way_out(
    world: World, api_client: Callable[..., ApiClient]
) -> None:
    # A JSON body is held in memory whole: Django's in-memory limit applies, and the answer says
    # how much that is and that a file upload takes more.
    row = dict(zip(["nik", "name", "sex", "birth_date", "desa", "occupation", "wage",
                    "start_date"], GOOD[0].split(";"), strict=True))  # fmt: skip
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    rows = [row] * (limit // len(json.dumps(row)) + 1)
    batches = ImportBatch.objects.count()
    response = api_client(world.operator).post(
        f"{BATCHES}/rows", {"unit": world.unit.code, "rows": rows}
    )
    assert response.status_code == 413
    error = response.json()["error"]
    assert (error["code"], error["details"]) == ("too_large", {"max_bytes": limit})
    assert error["message"] == (
        f"Isi JSON lebih dari {limit // 1024} KB. Kirim baris sebanyak itu sebagai berkas "
        "(POST /api/v1/intake/batches)."
    )
    assert ImportBatch.objects.count() == batches


@pytest.mark.parametrize("status", [BatchStatus.COMMITTED, BatchStatus.VERIFIED])
def test_the_batch_list_costs_the_same_queries_for_one_batch_or_many(
    world: World, api_client: Callable[..., ApiClient], status: str
) -> None:
    admin = api_client(world.dpmd)
    admin.get(BATCHES)  # the token's first use of the minute writes more than later ones
    counts = []
    for batches in (1, 4):
        while ImportBatch.objects.filter(unit=world.unit).count() < batches:
            make_batch(world.unit, status, world.operator)
        with CaptureQueriesContext(connection) as captured:
            listed = admin.get(BATCHES).json()
        assert len(listed["items"]) == batches
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
