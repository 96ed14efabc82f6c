"""Import pages: upload, check, fix, commit, submit, verify, export, reply; scope; progress; mapping.

The test settings run background tasks at once (ImmediateBackend), so a batch is already checked
(or committed) when the upload or the button's POST returns.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from typing import Any

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import Action, AuditEvent, Role, User
from cakupan.common.nik import make_nik
from cakupan.intake import services
from cakupan.intake.headers import normalise_header
from cakupan.intake.models import BatchStatus, HeaderMemory, ImportBatch, Phase
from cakupan.intake.schema import IGNORE
from cakupan.intake.tests.messy_files import make_xlsx
from cakupan.intake.tests.test_pipeline import DESA, GOOD, HEADER, csv_file, nik
from cakupan.registry.models import Membership, MembershipStatus, Segment, Unit, UnitKind
from cakupan.testing.factories import make_branch_office, make_unit, make_user

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Row 8 of the CSV (three title lines, the header on line 4): a NIK of five digits.
BAD = f"12345;Budi Santoso;L;20-08-1985;{DESA};Kepala Dusun;2.450.000;01-01-2026"
FIXED = f"{nik(20)};Budi Santoso;L;20-08-1985;{DESA};Kepala Dusun;2.450.000;01-01-2026"
OTHER_DESA = "73.24.04.2002"  # Laskap, also in Kecamatan Malili


@dataclass
class World:
    unit: Unit
    operator: User
    dpmd: User
    bkpsdm: User
    camat: User
    other_operator: User


@pytest.fixture
def world() -> World:
    unit = make_unit(
        region=DESA, kind=UnitKind.PEMERINTAH_DESA, code="7324042001-PEMDES", name="Pemdes Harapan"
    )
    dpmd = make_unit(region="73.24", code="7324-DPMD", name="DPMD Luwu Timur")
    dpmd.verifies_segments = ["perangkat_desa", "bpd", "lembaga_desa"]
    dpmd.save()
    bkpsdm = make_unit(region="73.24", code="7324-BKPSDM", name="BKPSDM Luwu Timur")
    bkpsdm.verifies_segments = ["non_asn"]
    bkpsdm.save()
    other = make_unit(region=OTHER_DESA, kind=UnitKind.PEMERINTAH_DESA, name="Pemdes Laskap")
    return World(
        unit=unit,
        operator=make_user(role=Role.OPERATOR_DESA, unit=unit, username="desa.harapan"),
        dpmd=make_user(role=Role.ADMIN_KABUPATEN, region="73.24", unit=dpmd, username="dpmd"),
        bkpsdm=make_user(role=Role.ADMIN_KABUPATEN, region="73.24", unit=bkpsdm, username="bkpsdm"),
        camat=make_user(role=Role.CAMAT, region="73.24.04", username="camat.malili"),
        other_operator=make_user(role=Role.OPERATOR_DESA, unit=other, username="desa.laskap"),
    )


def as_user(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, unit: Unit, data: bytes, name: str = "perangkat.csv") -> Any:
    return client.post(
        reverse("intake:upload"),
        {"unit": unit.pk, "segment": "", "file": SimpleUploadedFile(name, data)},
    )


def latest() -> ImportBatch:
    batch = ImportBatch.objects.order_by("-id").first()
    assert batch is not None
    return batch


def detail(pk: int) -> str:
    return reverse("intake:batch_detail", args=[pk])


def action(name: str, pk: int) -> str:
    return reverse(f"intake:{name}", args=[pk])


def texts(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def batch_for(unit: Unit, data: bytes, *, segment: str = Segment.PERANGKAT_DESA) -> ImportBatch:
    return services.batch_create(
        actor=Actor.system(source="web", label="test"),
        unit=unit,
        segment=segment,
        file_name="perangkat.csv",
        data=data,
    )


def reply_file(rows: list[tuple[str, str]]) -> SimpleUploadedFile:
    lines = ["NIK;KPJ;STATUS;TGL_KEPESERTAAN"] + [
        f"{n};{kpj};TERDAFTAR;01-02-2026" for n, kpj in rows
    ]
    return SimpleUploadedFile("balasan.csv", "\n".join(lines).encode())


# --- the fix loop of a village operator ---------------------------------------------------------


def test_village_operator_fixes_commits_submits_and_dpmd_verifies_exports_registers(
    world: World,
) -> None:
    operator = as_user(world.operator)
    page = operator.get(reverse("intake:upload"))
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["unit"] == world.unit.pk  # the operator's own unit is preselected
    assert form.initial["segment"] == Segment.PERANGKAT_DESA
    assert 'accept=".xlsx,.xls,.ods,.csv"' in page.content.decode()

    # 1. A file with one bad row: checked at once, the row is reported.
    response = upload(operator, world.unit, csv_file(*GOOD, BAD))
    first = latest()
    assert response.status_code == 302 and response["Location"] == detail(first.pk)
    assert (first.status, first.phase, first.segment) == (
        BatchStatus.VALIDATED,
        Phase.DONE,
        Segment.PERANGKAT_DESA,
    )
    assert (first.rows, first.accepted, first.rejected) == (4, 3, 1)
    assert first.created_by == world.operator and first.source == "web"
    html = operator.get(detail(first.pk)).content.decode()
    for text in (
        "Hasil pemeriksaan",
        "baris ditolak",
        "NIK tidak 16 digit",  # the code's label in the summary and the table
        "NIK harus 16 digit, ditemukan 5 digit.",
        "Simpan ke registri",
        "Unduh berkas hasil pemeriksaan",
    ):
        assert text in html, text
    assert re.search(
        r'<span class="card-number">1</span><span class="card-label">baris ditolak', html
    )
    assert "Ajukan ke kabupaten" not in html

    # 2. The annotated file: XLSX, an attachment named after the upload, the issue on its row.
    before = AuditEvent.objects.count()
    download = operator.get(action("annotated", first.pk))
    assert download.status_code == 200
    assert download["Content-Type"] == XLSX
    assert download["Content-Disposition"] == (
        'attachment; filename="perangkat-hasil-periksa.xlsx"'
    )
    sheet = openpyxl.load_workbook(io.BytesIO(download.content))["Data"]
    header = [c.value for c in sheet[4]]
    note_col = header.index("Keterangan") + 1
    # The message, in Indonesian; the code only on the summary sheet.
    assert sheet.cell(row=8, column=note_col).value == "NIK harus 16 digit, ditemukan 5 digit."
    assert sheet.cell(row=5, column=note_col).value in (None, "")
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.order_by("-id").first()
    assert event is not None
    assert (event.action, event.entity, event.entity_id, event.actor_id, event.source) == (
        Action.EXPORT,
        "intake.importbatch",
        str(first.pk),
        world.operator.pk,
        "web",
    )

    # 3. The corrected file: nothing rejected.
    upload(operator, world.unit, csv_file(*GOOD, FIXED), name="perangkat-hasil-periksa.csv")
    second = latest()
    assert second.pk != first.pk
    assert (second.status, second.rows, second.accepted, second.rejected) == (
        BatchStatus.VALIDATED,
        4,
        4,
        0,
    )
    html = operator.get(detail(second.pk)).content.decode()
    assert re.search(
        r'<span class="card-number">0</span><span class="card-label">baris ditolak', html
    )
    assert "Jenis kelamin dibaca ulang" in html  # "Laki-laki" read as L: a warning only

    # 4. Save to the registry: four new draft memberships.
    response = operator.post(action("commit", second.pk))
    assert response.status_code == 302 and response["Location"] == detail(second.pk)
    assert "Penyimpanan 4 baris yang diterima ke registri dimulai." in texts(response)
    second.refresh_from_db()
    assert (second.status, second.new) == (BatchStatus.COMMITTED, 4)
    assert Membership.objects.filter(unit=world.unit, status=MembershipStatus.DRAFT).count() == 4
    html = operator.get(detail(second.pk)).content.decode()
    assert "Ajukan ke kabupaten" in html and "Simpan ke registri</button>" not in html
    # A second click changes nothing.
    again = operator.post(action("commit", second.pk))
    assert "tidak dapat disimpan ke registri sekarang" in texts(again)[0]
    assert Membership.objects.count() == 4

    # 5. Submit.
    response = operator.post(action("submit", second.pk))
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == BatchStatus.SUBMITTED
    assert "Menunggu verifikasi" in operator.get(detail(second.pk)).content.decode()

    # 6. BKPSDM does not verify village segments: a message, nothing changes.
    bkpsdm = as_user(world.bkpsdm)
    assert "Verifikasi atau kembalikan" not in bkpsdm.get(detail(second.pk)).content.decode()
    asked = bkpsdm.get(action("verify", second.pk))
    assert asked.status_code == 302 and asked["Location"] == detail(second.pk)
    assert texts(asked) == [f"Batch #{second.pk} tidak menunggu verifikasi Anda."]
    response = bkpsdm.post(action("verify", second.pk))
    assert response.status_code == 302
    assert "Anda tidak berwenang memverifikasi batch ini" in texts(response)[-1]
    second.refresh_from_db()
    assert second.status == BatchStatus.SUBMITTED
    # The operator cannot verify either.
    operator.post(action("verify", second.pk))
    second.refresh_from_db()
    assert second.status == BatchStatus.SUBMITTED

    # 7. DPMD verifies, after a page that asks (and offers to return the batch instead).
    dpmd = as_user(world.dpmd)
    assert "Verifikasi atau kembalikan" in dpmd.get(detail(second.pk)).content.decode()
    asked = dpmd.get(action("verify", second.pk))
    assert asked.status_code == 200
    question = asked.content.decode()
    assert f"Verifikasi batch #{second.pk}?" in question and "Ya, verifikasi</button>" in question
    assert "Kembalikan ke operator</button>" in question and asked.context["linked"] == 4
    second.refresh_from_db()
    assert second.status == BatchStatus.SUBMITTED  # asking changed nothing
    response = dpmd.post(action("verify", second.pk))
    second.refresh_from_db()
    assert (second.status, second.verified_by) == (BatchStatus.VERIFIED, world.dpmd)
    assert "Berkas pendaftaran BPJS" in dpmd.get(detail(second.pk)).content.decode()
    # The operator may not download the registration file.
    assert operator.post(action("bpjs_export", second.pk), {"fmt": "csv"}).status_code == 403

    # 8. The registration file (CSV): logged by the workflow; the download alone sends nothing.
    response = dpmd.post(action("bpjs_export", second.pk), {"fmt": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="pendaftaran-bpjs-batch-{second.pk}.csv"'
    )
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("NIK,NAMA,TGL_LAHIR") and len(lines) == 5
    second.refresh_from_db()
    assert second.status == BatchStatus.VERIFIED
    assert AuditEvent.objects.filter(
        action=Action.EXPORT, entity="registry.membership", actor=world.dpmd
    ).exists()
    assert "Sudah dikirim ke BPJS</button>" in dpmd.get(detail(second.pk)).content.decode()
    assert operator.post(action("mark_sent", second.pk)).status_code == 403
    response = dpmd.post(action("mark_sent", second.pk))
    assert response.status_code == 302 and response["Location"] == detail(second.pk)
    second.refresh_from_db()
    assert (second.status, second.sent_by) == (BatchStatus.SENT, world.dpmd)

    # 9. BPJS's reply registers three now; the fourth is reported missing. The upload redirects
    # to the batch page (POST/redirect/GET), which shows the result.
    html = dpmd.get(detail(second.pk)).content.decode()
    assert "Unggah balasan BPJS" in html and 'enctype="multipart/form-data"' in html
    reply = [(nik(17), "24000000017"), (nik(18, "P"), "24000000018"), (nik(19), "24000000019")]
    response = dpmd.post(action("bpjs_reply", second.pk), {"file": reply_file(reply)})
    assert response.status_code == 302
    assert response["Location"] == detail(second.pk) + "#balasan"
    assert texts(response) == [
        "Balasan BPJS dibaca: 3 kepesertaan terdaftar, 0 ditolak, 1 tidak disebut. "
        "Lihat baris yang tidak cocok di bawah."
    ]
    html = dpmd.get(detail(second.pk)).content.decode()
    assert "Balasan BPJS terakhir" in html
    assert "Kepesertaan ini tidak disebut dalam balasan BPJS." in html
    assert "reply_missing</" not in html and 'title="Kode: reply_missing"' in html
    assert nik(20) not in html  # NIKs in the mismatch table are masked
    second.refresh_from_db()
    assert second.status == BatchStatus.SENT
    response = dpmd.post(
        action("bpjs_reply", second.pk), {"file": reply_file([(nik(20), "24000000020")])}
    )
    assert texts(response) == [
        "Balasan BPJS dibaca: 1 kepesertaan terdaftar, 0 ditolak, 0 tidak disebut."
    ]
    second.refresh_from_db()
    assert second.status == BatchStatus.REGISTERED
    assert set(Membership.objects.values_list("status", flat=True)) == {MembershipStatus.REGISTERED}
    assert "sudah terdaftar di BPJS" in dpmd.get(detail(second.pk)).content.decode()

    # The list shows both batches, newest first.
    listing = operator.get(reverse("intake:batch_list"))
    assert [b.pk for b in listing.context["page_obj"]] == [second.pk, first.pk]
    assert "Unggah berkas" in listing.content.decode()


# --- the same for an OPD (XLSX, non-ASN, verified by BKPSDM) ------------------------------------


def opd_rows(bad_wage: bool) -> list[list[object]]:
    header = ["No", "NIK", "Nama Lengkap", "Tgl Lahir", "L/P", "Desa/Kelurahan", "Upah"]
    rows: list[list[object]] = [list(header)]
    for i, (name, sex, day) in enumerate(
        [("Rina Wati", "P", 3), ("Yusuf Amir", "L", 4), ("Dewi Lestari", "P", 5)]
    ):
        born = dt.date(1990, 5, day)
        number = make_nik(district_code="73.24.01", birth_date=born, sex=sex, sequence=i + 1)
        wage: object = "dua juta" if bad_wage and i == 2 else 2_500_000
        rows.append([i + 1, number, name, born, sex, "73.24.01.2001", wage])
    return rows


def test_opd_operator_uploads_xlsx_and_bkpsdm_verifies(world: World) -> None:
    opd = make_unit(region="73.24", kind=UnitKind.OPD, name="Dinas Kesehatan Luwu Timur")
    operator = as_user(make_user(role=Role.OPERATOR_OPD, unit=opd, username="opd.dinkes"))
    form = operator.get(reverse("intake:upload")).context["form"]
    assert (form.initial["unit"], form.initial["segment"]) == (opd.pk, Segment.NON_ASN)

    upload(operator, opd, make_xlsx(opd_rows(bad_wage=True)), name="pegawai non asn.xlsx")
    first = latest()
    assert (first.status, first.segment, first.file_type) == (
        BatchStatus.VALIDATED,
        Segment.NON_ASN,
        "xlsx",
    )
    assert (first.rows, first.accepted, first.rejected) == (3, 2, 1)
    assert first.issue_counts.get("wage_invalid") == 1
    html = operator.get(detail(first.pk)).content.decode()
    assert "Upah tidak valid" in html
    # "No" is not a field: offered for mapping, folded away, since the file was usable.
    assert "1 kolom tidak dipakai" in html and "Kolom “No” berisi" in html
    download = operator.get(action("annotated", first.pk))
    assert download["Content-Disposition"] == (
        'attachment; filename="pegawai non asn-hasil-periksa.xlsx"'
    )
    workbook = openpyxl.load_workbook(io.BytesIO(download.content))
    data_sheet = " ".join(
        str(c.value) for row in workbook["Data"].iter_rows() for c in row if c.value
    )
    assert "Upah 'dua juta' bukan jumlah rupiah yang valid" in data_sheet
    assert "wage_invalid" not in data_sheet  # the code is on the summary sheet only
    assert ("Upah tidak valid", "wage_invalid") in {
        (row[0], row[4]) for row in workbook["Ringkasan"].iter_rows(values_only=True)
    }

    upload(operator, opd, make_xlsx(opd_rows(bad_wage=False)), name="pegawai non asn.xlsx")
    second = latest()
    assert (second.rows, second.accepted, second.rejected) == (3, 3, 0)
    operator.post(action("commit", second.pk))
    operator.post(action("submit", second.pk))
    second.refresh_from_db()
    assert (second.status, second.new) == (BatchStatus.SUBMITTED, 3)

    as_user(world.dpmd).post(action("verify", second.pk))  # DPMD does not handle non-ASN
    second.refresh_from_db()
    assert second.status == BatchStatus.SUBMITTED
    bkpsdm = as_user(world.bkpsdm)
    bkpsdm.post(action("verify", second.pk))
    second.refresh_from_db()
    assert second.status == BatchStatus.VERIFIED
    response = bkpsdm.post(action("bpjs_export", second.pk), {"fmt": "xlsx"})
    assert (response.status_code, response["Content-Type"]) == (200, XLSX)
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows())
    assert len(rows) == 4


# --- scope ---------------------------------------------------------------------------------------


def test_scope_404_read_only_403_anonymous_login(world: World, client: Client) -> None:
    batch = batch_for(world.unit, csv_file(*GOOD, BAD))
    services.batch_process(batch=batch, actor=Actor.system(), commit=False)
    reads = [
        detail(batch.pk),
        action("annotated", batch.pk),
        action("batch_progress", batch.pk),
    ]
    writes = ["commit", "submit", "verify", "bpjs_export", "bpjs_reply", "mapping"]

    other = as_user(world.other_operator)
    for url in reads:
        assert other.get(url, headers={"HX-Request": "true"}).status_code == 404, url
    for name in writes:
        assert other.post(action(name, batch.pk)).status_code == 404, name
    assert batch not in other.get(reverse("intake:batch_list")).context["page_obj"]

    # The camat sees the batch of a desa in the kecamatan, but changes nothing.
    camat = as_user(world.camat)
    html = camat.get(detail(batch.pk)).content.decode()
    assert "Hasil pemeriksaan" in html and "Simpan ke registri" not in html
    assert "Peran Anda hanya dapat melihat batch ini." in html
    assert camat.get(action("annotated", batch.pk)).status_code == 200
    for name in writes:
        assert camat.post(action(name, batch.pk)).status_code == 403, name
    assert camat.get(reverse("intake:upload")).status_code == 403
    assert "Unggah berkas" not in camat.get(reverse("intake:batch_list")).content.decode()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.VALIDATED

    petugas = as_user(
        make_user(role=Role.PETUGAS_BPJS, branch_office=make_branch_office(), username="bpjs")
    )
    assert petugas.get(detail(batch.pk)).status_code == 200
    assert petugas.post(action("commit", batch.pk)).status_code == 403

    login = reverse("accounts:login")
    for url in [reverse("intake:batch_list"), reverse("intake:upload"), *reads]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(login), url
    response = client.post(action("commit", batch.pk))
    assert response.status_code == 302 and response["Location"].startswith(login)

    # Actions are POST only: a friendly page says so (see common.middleware).
    response = as_user(world.operator).get(action("commit", batch.pk))
    assert response.status_code == 405
    assert "hanya dapat dijalankan dengan tombol" in response.content.decode()


# --- upload refusals and the template --------------------------------------------------------------


@override_settings(INTAKE_MAX_UPLOAD_BYTES=100)
def test_a_too_large_file_is_refused_before_anything_is_stored(world: World) -> None:
    response = upload(as_user(world.operator), world.unit, csv_file(*GOOD))
    assert response.status_code == 200
    assert "Berkas terlalu besar" in response.content.decode()
    assert response.context["form"].errors["file"][0].startswith("Berkas terlalu besar")
    assert ImportBatch.objects.count() == 0


def test_an_empty_file_or_none_is_refused(world: World) -> None:
    operator = as_user(world.operator)
    response = upload(operator, world.unit, b"", name="kosong.csv")
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["Berkas kosong."]
    response = operator.post(reverse("intake:upload"), {"unit": world.unit.pk})
    assert "Pilih berkas yang akan diunggah." in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_an_unreadable_file_becomes_a_failed_batch_with_the_reason(world: World) -> None:
    upload(as_user(world.operator), world.unit, b"%PDF-1.4 bukan daftar", name="daftar.pdf")
    batch = latest()
    assert batch.status == BatchStatus.FAILED
    html = as_user(world.operator).get(detail(batch.pk)).content.decode()
    assert "Berkas tidak dapat dipakai" in html
    assert "Jenis berkas tidak didukung: dokumen PDF. Unggah XLSX, XLS, ODS, CSV" in html
    assert "Unggah berkas yang sudah diperbaiki" in html
    assert "Unduh berkas hasil pemeriksaan" not in html
    response = as_user(world.operator).get(action("annotated", batch.pk))
    assert response.status_code == 302


def test_a_unit_outside_the_scope_cannot_be_chosen(world: World) -> None:
    other_unit = world.other_operator.unit
    assert other_unit is not None
    response = upload(as_user(world.operator), other_unit, csv_file(*GOOD))
    assert response.status_code == 200 and "unit" in response.context["form"].errors
    assert ImportBatch.objects.count() == 0


def test_template_download(world: World) -> None:
    operator = as_user(world.operator)
    page = operator.get(reverse("intake:template"))
    assert page.status_code == 200 and "Unduh templat" in page.content.decode()
    response = operator.get(reverse("intake:template"), {"unit": world.unit.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == 'attachment; filename="templat-perangkat-desa.xlsx"'
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[0] == "Data"
    # Read-only roles may download it too; a unit outside the scope is not a choice.
    camat = as_user(world.camat)
    assert camat.get(reverse("intake:template"), {"unit": world.unit.pk})["Content-Type"] == XLSX
    other = world.other_operator.unit
    assert other is not None
    refused = operator.get(reverse("intake:template"), {"unit": other.pk})
    assert refused.status_code == 200 and "unit" in refused.context["form"].errors


# --- column mapping ------------------------------------------------------------------------------


def test_an_unknown_wage_header_is_mapped_once_and_remembered(world: World) -> None:
    header = HEADER.replace("Siltap", "Tunjangan Bulanan")
    data = csv_file(*GOOD).replace(HEADER.encode(), header.encode())
    operator = as_user(world.operator)
    upload(operator, world.unit, data)
    batch = latest()
    assert batch.status == BatchStatus.FAILED
    assert batch.file_error is not None
    assert batch.file_error["code"] == "file_missing_columns"
    page = operator.get(detail(batch.pk))
    html = page.content.decode()
    assert "Kolom wajib tidak ditemukan: Upah/penghasilan sebulan (Rp)." in html
    assert "Kolom “Tunjangan Bulanan” berisi" in html
    form = page.context["mapping_form"]
    field = f"kolom_{form.headers.index('Tunjangan Bulanan')}"

    # Ignoring every column is refused while a required field is missing; NIK is already read
    # from another column.
    response = operator.post(action("mapping", batch.pk), {field: IGNORE})
    assert response.status_code == 200
    assert "Pilih isian untuk paling sedikit satu kolom" in response.content.decode()
    response = operator.post(action("mapping", batch.pk), {field: "nik"})
    assert "NIK sudah dibaca dari kolom “NIK”." in response.content.decode()
    assert not HeaderMemory.objects.exists()

    response = operator.post(action("mapping", batch.pk), {field: "wage"})
    assert response.status_code == 302
    assert "Pemetaan kolom disimpan untuk Pemdes Harapan" in texts(response)[0]
    memory = HeaderMemory.objects.get(unit=world.unit)
    assert (memory.header, memory.field) == (normalise_header("Tunjangan Bulanan"), "wage")
    batch.refresh_from_db()
    assert (batch.status, batch.rows, batch.accepted, batch.file_error) == (
        BatchStatus.VALIDATED,
        3,
        3,
        None,
    )

    # The unit's next file with the same header is read right away.
    upload(operator, world.unit, data)
    assert latest().status == BatchStatus.VALIDATED
    # Another unit does not share the mapping.
    other_unit = world.other_operator.unit
    assert other_unit is not None
    other_data = data.replace(DESA.encode(), OTHER_DESA.encode())
    upload(as_user(world.other_operator), other_unit, other_data)
    assert latest().status == BatchStatus.FAILED


def with_columns(*extra: str, wage_header: str = "Siltap") -> bytes:
    """The GOOD rows with ``extra`` columns (holding "x") and the wage under ``wage_header``."""
    header = ";".join([HEADER.replace("Siltap", wage_header), *extra])
    rows = [";".join([row, *("x" for _ in extra)]) for row in GOOD]
    return ("\n".join([header, *rows]) + "\n").encode()


def test_ignoring_a_column_is_remembered_like_a_mapping(world: World) -> None:
    operator = as_user(world.operator)
    upload(operator, world.unit, with_columns("No Urut Lama", "Keterangan"))
    batch = latest()
    assert (batch.status, batch.accepted) == (BatchStatus.VALIDATED, 3)
    page = operator.get(detail(batch.pk))
    assert "2 kolom tidak dipakai" in page.content.decode()
    form = page.context["mapping_form"]
    assert form.headers == ["No Urut Lama", "Keterangan"]
    assert [form[name].value() for name in form.fields] == [IGNORE, IGNORE]
    # The panel's whole point: say "ignore" once. No field needs choosing for a usable file.
    response = operator.post(action("mapping", batch.pk), {"kolom_0": IGNORE, "kolom_1": IGNORE})
    assert response.status_code == 302
    assert "Pemetaan kolom disimpan untuk Pemdes Harapan" in texts(response)[0]
    assert sorted(HeaderMemory.objects.values_list("header", "field")) == [
        ("keterangan", IGNORE),
        ("no urut lama", IGNORE),
    ]
    batch.refresh_from_db()
    assert (batch.status, batch.mapping["unrecognised"]) == (BatchStatus.VALIDATED, [])
    html = operator.get(detail(batch.pk)).content.decode()
    assert "kolom tidak dipakai" not in html and "bagian-pemetaan" not in html

    # The next file with those columns is not asked about again; a new column is.
    upload(operator, world.unit, with_columns("Keterangan", "Catatan Lain"))
    again = latest()
    assert again.mapping["unrecognised"] == ["Catatan Lain"]
    assert operator.get(detail(again.pk)).context["mapping_form"].headers == ["Catatan Lain"]


def test_a_column_ignored_before_is_offered_again_when_a_required_field_is_missing(
    world: World,
) -> None:
    services.remember_mapping(unit=world.unit, mapping={"Tunjangan Bulanan": IGNORE})
    operator = as_user(world.operator)
    upload(operator, world.unit, with_columns("No", wage_header="Tunjangan Bulanan"))
    batch = latest()
    assert batch.status == BatchStatus.FAILED
    page = operator.get(detail(batch.pk))
    html = page.content.decode()
    # What was read, and what was recognised as what.
    assert "Judul kolom yang terbaca" in html
    for header in ("NIK", "Nama Lengkap", "Tunjangan Bulanan", "TMT", "No"):
        assert f'<span class="file-header">“{header}”</span>' in html, header
    assert "“Nama Lengkap” → Nama" in html
    form = page.context["mapping_form"]
    assert form.headers == ["No", "Tunjangan Bulanan"]
    assert "Sebelumnya dipilih: abaikan kolom ini." in html
    assert form["kolom_1"].help_text == "Sebelumnya dipilih: abaikan kolom ini."
    assert form["kolom_0"].help_text == ""

    response = operator.post(action("mapping", batch.pk), {"kolom_0": IGNORE, "kolom_1": "wage"})
    assert response.status_code == 302
    assert sorted(HeaderMemory.objects.values_list("header", "field")) == [
        ("no", IGNORE),
        ("tunjangan bulanan", "wage"),
    ]
    batch.refresh_from_db()
    assert (batch.status, batch.accepted, batch.mapping["unrecognised"]) == (
        BatchStatus.VALIDATED,
        3,
        [],
    )


def test_a_failed_batch_keeps_the_headers_it_saw(world: World) -> None:
    upload(as_user(world.operator), world.unit, with_columns("No", wage_header="Tunjangan Bulanan"))
    batch = latest()
    assert (batch.status, batch.header_row, batch.file_type) == (BatchStatus.FAILED, 1, "csv")
    assert batch.mapping["headers"] == [
        *HEADER.replace("Siltap", "Tunjangan Bulanan").split(";"),
        "No",
    ]
    assert batch.mapping["unrecognised"] == ["Tunjangan Bulanan", "No"]
    # An unreadable file keeps nothing of the sort.
    upload(as_user(world.operator), world.unit, b"%PDF-1.4 bukan daftar", name="daftar.pdf")
    assert (latest().header_row, latest().mapping) == (None, {})


def test_a_file_whose_header_is_known_only_from_the_units_mapping_is_read(world: World) -> None:
    data = with_columns(wage_header="Tunjangan Bulanan").replace(b"NIK;", b"Nomor Kependudukan;", 1)
    data = data.replace(b"Nama Lengkap;", b"Nama Pegawai Desa;", 1)
    operator = as_user(world.operator)
    upload(operator, world.unit, data)
    refused = latest().file_error
    assert refused is not None
    assert refused["code"] == "file_no_header"
    services.remember_mapping(
        unit=world.unit,
        mapping={
            "Nomor Kependudukan": "nik",
            "Nama Pegawai Desa": "name",
            "Tunjangan Bulanan": "wage",
        },
    )
    upload(operator, world.unit, data)
    batch = latest()
    assert (batch.status, batch.header_row, batch.accepted) == (BatchStatus.VALIDATED, 1, 3)
    # The annotated file finds the same header row.
    assert operator.get(action("annotated", batch.pk)).status_code == 200


def test_a_failed_batch_with_stored_headers_is_mapped_without_reading_the_file(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed check that stored the headers it saw: the page needs no second read of the file."""
    batch = batch_for(world.unit, with_columns(wage_header="Tunjangan Bulanan"))
    headers = HEADER.replace("Siltap", "Tunjangan Bulanan").split(";")
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.FAILED,
        phase=Phase.DONE,
        header_row=1,
        file_error={"code": "file_missing_columns", "message": "Kolom wajib tidak ditemukan."},
        mapping={"headers": headers},
    )

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was read again")

    monkeypatch.setattr("cakupan.intake.readers.read_upload", no_reading)
    page = as_user(world.operator).get(detail(batch.pk))
    html = page.content.decode()
    assert "Judul kolom yang terbaca (baris 1):" in html
    assert page.context["mapping_form"].headers == ["Tunjangan Bulanan"]
    assert page.context["file_headers"] == headers


# --- progress --------------------------------------------------------------------------------------


def test_progress_fragment_polls_until_done_then_refreshes(world: World) -> None:
    batch = batch_for(world.unit, csv_file(*GOOD))
    ImportBatch.objects.filter(pk=batch.pk).update(
        phase=Phase.VALIDATING, progress_done=5, progress_total=10
    )
    operator = as_user(world.operator)
    url = action("batch_progress", batch.pk)
    response = operator.get(url, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and "HX-Refresh" not in response
    assert re.search(r'<progress value="5" max="10"', html)
    assert 'hx-trigger="every 1s"' in html and f'hx-get="{url}"' in html
    assert "Memeriksa baris" in html and "5 dari 10 baris" in html
    assert "<html" not in html

    page = operator.get(detail(batch.pk)).content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in page
    assert "Simpan ke registri" not in page

    ImportBatch.objects.filter(pk=batch.pk).update(phase=Phase.DONE, status=BatchStatus.VALIDATED)
    response = operator.get(url, headers={"HX-Request": "true"})
    assert response["HX-Refresh"] == "true"
    assert "hx-trigger" not in response.content.decode()
    assert "every 1s" not in operator.get(detail(batch.pk)).content.decode()
    # Opened without htmx, the fragment's address leads to the batch page.
    assert operator.get(url)["Location"] == detail(batch.pk)


def test_a_batch_being_processed_is_not_queued_twice(world: World) -> None:
    batch = batch_for(world.unit, csv_file(*GOOD))
    services.batch_process(batch=batch, actor=Actor.system(), commit=False)
    ImportBatch.objects.filter(pk=batch.pk).update(phase=Phase.QUEUED)
    response = as_user(world.operator).post(action("commit", batch.pk))
    assert "tidak dapat disimpan" in texts(response)[0]
    batch.refresh_from_db()
    assert (batch.status, batch.phase) == (BatchStatus.VALIDATED, Phase.QUEUED)


# --- issue table ---------------------------------------------------------------------------------


def test_issue_table_filters_pages_and_htmx_fragment(world: World) -> None:
    rows = [
        f"{nik(day)};Orang {day};L;{day:02d}-08-1985;{DESA};Kepala Dusun;2.450.000;01-01-2026"
        for day in range(1, 29)
    ]
    rows.append(
        f"{nik(1, sequence=2)};Laki Satu;Laki-laki;01-08-1985;{DESA};Kepala Dusun;2.450.000;01-01-2026"
    )
    bad = [
        f"1234{i};Salah {i};L;01-01-1985;{DESA};Kepala Dusun;2.450.000;01-01-2026"
        for i in range(60)
    ]
    batch = batch_for(world.unit, csv_file(*rows, *bad))
    services.batch_process(batch=batch, actor=Actor.system(), commit=False)
    client = as_user(world.operator)
    url = detail(batch.pk)

    everything = client.get(url).context["page_obj"]
    assert everything.paginator.per_page == 50 and everything.paginator.count > 60
    errors = client.get(url, {"tingkat": "error", "kode": "nik_length"}).context["page_obj"]
    assert errors.paginator.count == 60
    assert {i.code for i in errors} == {"nik_length"}
    row = batch.issues.filter(code="nik_length").order_by("row_number").first()
    assert row is not None
    one = client.get(url, {"baris": row.row_number}).context["page_obj"]
    assert {i.row_number for i in one} == {row.row_number}
    # Values that are not a filter are ignored.
    assert client.get(url, {"tingkat": "x", "baris": "y"}).context["page_obj"].paginator.count == (
        everything.paginator.count
    )

    fragment = client.get(url, {"kode": "nik_length"}, headers={"HX-Request": "true"})
    names = [t.name for t in fragment.templates]
    assert names[0] == "intake/snippets/issue_table.html"
    assert "registry/snippets/pagination.html" in names and "base.html" not in names
    html = fragment.content.decode()
    assert "<html" not in html and "60 masalah" in html and 'rel="next"' in html
    assert "HX-Request" in fragment["Vary"]
    assert "Tidak ada masalah yang cocok" in client.get(url, {"baris": 99999}).content.decode()
    warnings = client.get(url, {"tingkat": "warning"}).context["page_obj"]
    assert [i.code for i in warnings] == ["sex_normalized"]


# --- pages: CSP, language --------------------------------------------------------------------------


def test_pages_have_no_inline_script_or_style_and_speak_indonesian(world: World) -> None:
    operator = as_user(world.operator)
    upload(operator, world.unit, csv_file(*GOOD, BAD))
    batch = latest()
    busy = batch_for(world.unit, csv_file(*GOOD))
    pages = {
        reverse("intake:batch_list"): ["Impor data", "Unggah berkas", "Unduh templat"],
        reverse("intake:upload"): ["Unggah berkas daftar peserta", "Unggah dan periksa"],
        reverse("intake:template"): ["Unduh templat Excel"],
        detail(batch.pk): ["Hasil pemeriksaan", "Masalah per baris", "Langkah berikutnya"],
        detail(busy.pk): ["Berkas sedang diproses", "Menunggu giliran"],
    }
    for url, expected in pages.items():
        response = operator.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert '<html lang="id">' in html, url
        assert 'aria-current="page">Impor</a>' in html, url
        for text in expected:
            assert text in html, (url, text)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert "<style" not in html, url
        assert not re.search(r"\sstyle=", html), url
        assert not re.search(r"\son[a-z]+=", html), url
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert "no-store" in response["Cache-Control"]

    operator.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = operator.get(detail(batch.pk)).content.decode()
    assert '<html lang="en">' in html
    for text in ("Check results", "Save to the registry", "Download the checked file", "Import"):
        assert text in html, text
    assert "Upload file" in operator.get(reverse("intake:batch_list")).content.decode()


# --- return to the operator; the BPJS officer sends ------------------------------------------------


def submitted_batch(world: World) -> ImportBatch:
    operator = as_user(world.operator)
    upload(operator, world.unit, csv_file(*GOOD))
    batch = latest()
    operator.post(action("commit", batch.pk))
    operator.post(action("submit", batch.pk))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.SUBMITTED
    return batch


def test_the_verifier_returns_a_batch_and_the_operator_reads_why(world: World) -> None:
    batch = submitted_batch(world)
    dpmd = as_user(world.dpmd)
    # Without a note: the page again, with the message, nothing changed.
    response = dpmd.post(action("return", batch.pk), {"note": " "})
    assert response.status_code == 400
    assert "Tulis catatan untuk operator: apa yang perlu diperbaiki." in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.SUBMITTED
    # The camat reads only; another operator does not see it.
    assert as_user(world.camat).post(action("return", batch.pk), {"note": "x"}).status_code == 403
    other = as_user(world.other_operator)
    assert other.post(action("return", batch.pk), {"note": "x"}).status_code == 404

    response = dpmd.post(action("return", batch.pk), {"note": "Siltap Baso belum sesuai Perbup."})
    assert response.status_code == 302
    assert texts(response) == [
        f"Batch #{batch.pk} dikembalikan ke operator Pemdes Harapan dengan catatan Anda."
    ]
    batch.refresh_from_db()
    assert (batch.status, batch.returned_by) == (BatchStatus.RETURNED, world.dpmd)
    assert set(Membership.objects.values_list("status", flat=True)) == {MembershipStatus.DRAFT}

    operator = as_user(world.operator)
    html = operator.get(detail(batch.pk)).content.decode()
    assert "Dikembalikan ke operator" in html and "Siltap Baso belum sesuai Perbup." in html
    assert "Ajukan lagi ke kabupaten</button>" in html
    operator.post(action("submit", batch.pk))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.SUBMITTED
    # The verifier sees what was asked last time, on the batch and on the question page.
    assert (
        "Sebelumnya dikembalikan ke operator"
        in dpmd.get(action("verify", batch.pk)).content.decode()
    )


def test_the_bpjs_officer_downloads_confirms_sent_and_uploads_the_reply(world: World) -> None:
    batch = submitted_batch(world)
    as_user(world.dpmd).post(action("verify", batch.pk))
    officer = make_user(
        role=Role.PETUGAS_BPJS,
        branch_office=make_branch_office(regions=("73.24",)),
        username="bpjs.malili",
    )
    elsewhere = make_user(
        role=Role.PETUGAS_BPJS,
        branch_office=make_branch_office(regions=("73.02",), name="Kantor Cabang Bulukumba"),
        username="bpjs.bulukumba",
    )
    assert (
        as_user(elsewhere).post(action("bpjs_export", batch.pk), {"fmt": "csv"}).status_code == 404
    )
    bpjs = as_user(officer)
    html = bpjs.get(detail(batch.pk)).content.decode()
    assert "Unduh berkas pendaftaran BPJS (CSV)" in html and "Sudah dikirim ke BPJS" in html
    assert "Peran Anda hanya dapat melihat batch ini." not in html
    assert bpjs.post(action("commit", batch.pk)).status_code == 403  # still read-only elsewhere

    response = bpjs.post(action("bpjs_export", batch.pk), {"fmt": "xlsx"})
    assert (response.status_code, response["Content-Type"]) == (200, XLSX)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.VERIFIED
    bpjs.post(action("mark_sent", batch.pk))
    batch.refresh_from_db()
    assert (batch.status, batch.sent_by) == (BatchStatus.SENT, officer)

    reply = [(nik(17), "24000000017"), (nik(18, "P"), "24000000018"), (nik(19), "24000000019")]
    response = bpjs.post(action("bpjs_reply", batch.pk), {"file": reply_file(reply)})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.REGISTERED
    html = bpjs.get(detail(batch.pk)).content.decode()
    assert "Semua kepesertaan dalam batch ini sudah terdaftar di BPJS" in html
    assert "Semua baris balasan cocok dengan batch ini." in html
