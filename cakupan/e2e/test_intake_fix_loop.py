"""The web fix loop of issue 3, in a real browser over the demo data.

Upload, see the issues with the operator's own row numbers, download the annotated file, correct
it, upload it again, save, submit; the responsible dinas verifies; the people are then in the
registry. Once for a village operator (perangkat desa, verified by DPMD) and once for an OPD
operator (non-ASN, verified by BKPSDM) whose file has title rows and a wage column under a name
Cakupan does not know, mapped once on the web and remembered for the next upload.

Tasks run at once in tests (ImmediateBackend): a file is checked before the upload's redirect
arrives, so the progress bar is shown by putting a batch back into a running phase.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from playwright.sync_api import Browser, Download, Page, expect

from cakupan.accounts.models import User
from cakupan.common.nik import make_nik
from cakupan.demo.services import demo_password
from cakupan.intake.models import BatchStatus, HeaderMemory, ImportBatch, Phase
from cakupan.intake.schema import IGNORE
from cakupan.registry.models import Membership, MembershipStatus, Person, Segment

pytestmark = pytest.mark.browser

MALILI = "73.24.04"
HARAPAN = "73.24.04.2001"  # a desa of Malili outside the village operator's own desa (Laskap)
ERROR_FILL = "FFFF8B8B"  # workbooks.styling._ERROR_FILL as openpyxl reads it (ARGB)
TIMEOUT_MS = 15_000


# --- helpers -------------------------------------------------------------------------------------


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        accept_downloads=True, locale="id-ID", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


class Steps:
    """Screenshots of the main steps, numbered in the order they were taken."""

    def __init__(self, folder: Path, prefix: str) -> None:
        self.folder, self.prefix, self.count = folder, prefix, 0

    def shot(self, page: Page, name: str) -> None:
        self.count += 1
        page.screenshot(
            path=str(self.folder / f"{self.prefix}-{self.count:02d}-{name}.png"), full_page=True
        )


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/akun/masuk/")
    expect(page.get_by_role("heading", name="Masuk ke Cakupan")).to_be_visible()
    page.fill("#id_username", username)
    page.fill("#id_password", demo_password())
    page.get_by_role("button", name="Masuk").click()
    # Signed in: the header names the user (on a phone behind the folded menu, so not visible).
    expect(page.locator(".who-name")).to_have_count(1)


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Keluar").click()
    expect(page.get_by_role("heading", name="Masuk ke Cakupan")).to_be_visible()


def person_nik(birth: dt.date, sex: str, sequence: int) -> str:
    # Sequences from 9900 up: the demo numbers its people from 0001.
    return make_nik(district_code=MALILI, birth_date=birth, sex=sex, sequence=sequence)


def saved(download: Download, folder: Path) -> Path:
    target = folder / download.suggested_filename
    download.save_as(str(target))
    return target


def upload(page: Page, base: str, path: Path) -> ImportBatch:
    """Upload ``path`` with the preselected unit and segment; wait for the check; the batch."""
    page.goto(f"{base}/impor/unggah/")
    expect(page.get_by_role("heading", name="Unggah berkas daftar peserta")).to_be_visible()
    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name="Unggah dan periksa").click()
    page.wait_for_url(re.compile(r"/impor/\d+/$"))
    batch = ImportBatch.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))
    wait_until_done(page)
    batch.refresh_from_db()
    return batch


def wait_until_done(page: Page) -> None:
    """The progress panel is gone (the page reloads itself when the worker is done)."""
    expect(page.locator("#kemajuan")).to_have_count(0)


def cards(page: Page) -> dict[str, str]:
    """The summary cards of a batch page: label -> number."""
    out = {}
    for card in page.locator(".cards .card").all():
        out[card.locator(".card-label").inner_text()] = card.locator(".card-number").inner_text()
    return out


def issue_rows(page: Page, severity: str = "error") -> list[tuple[str, str, str, str]]:
    """The issue table's rows of one severity, in the order shown: (row, column, label, message)."""
    rows = []
    for row in page.locator(f"table.issues-table tbody tr.issue-{severity}").all():
        cells = row.locator("td").all()
        label = cells[2].locator("strong").inner_text()
        message = cells[2].inner_text().splitlines()[-1]
        rows.append((cells[0].inner_text(), cells[1].inner_text(), label, message))
    return rows


def annotated(page: Page, folder: Path) -> Path:
    with page.expect_download() as info:
        page.get_by_role("link", name="Unduh berkas hasil pemeriksaan").click()
    return saved(info.value, folder)


def flash(page: Page) -> str:
    return page.locator("ul.messages").inner_text()


def press(page: Page, button: str) -> None:
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()
    wait_until_done(page)


def verify(page: Page) -> None:
    """The verifier opens the question page from the batch and confirms."""
    page.get_by_role("link", name="Verifikasi atau kembalikan…").click()
    expect(
        page.get_by_role("heading", name=re.compile(r"^Verifikasi batch #\d+\?$"))
    ).to_be_visible()
    press(page, "Ya, verifikasi")


def column_of(sheet: Any, header_row: int, header: str) -> int:
    for cell in sheet[header_row]:
        if cell.value == header:
            return int(cell.column)
    raise AssertionError(f"no column {header!r} in row {header_row}")


def expect_not_found(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", name="Halaman tidak ditemukan")).to_be_visible()
    expect(page.locator("main")).to_contain_text("berada di luar cakupan akses Anda")


def registry_shows(page: Page, base: str, nik: str, name: str, status: str) -> None:
    """The person search finds ``nik``; the person's page shows the membership's status. The
    search is posted: the NIK never shows in the address (issue 13)."""
    page.goto(f"{base}/orang/")
    page.fill("#q", nik)
    page.get_by_role("button", name="Cari").click()
    expect(page.locator(".result-count")).to_have_text(re.compile(r"^\s*1 orang ditemukan\s*$"))
    expect(page).to_have_url(re.compile(r"/orang/\?cari=[A-Za-z0-9_-]{12}$"))
    assert nik not in page.url
    page.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.locator("main")).to_contain_text(status)


# --- scenario A: a village operator, verified by DPMD ---------------------------------------------


def test_village_operator_fix_loop_and_dpmd_verifies(
    live_server: Any, page: Page, shots: Path, tmp_path: Path
) -> None:
    base = live_server.url
    steps = Steps(shots, "a-desa")
    operator = User.objects.select_related("unit").get(username="desa.malili")
    unit = operator.unit
    assert unit is not None
    assert unit.name == "Pemerintah Desa Laskap"

    people = [
        # (name, sex, birth date, NIK sequence): rows 2-7 of the file.
        ("Andi Pratama", "L", dt.date(1985, 8, 17), 9901),
        ("Baso Rahman", "L", dt.date(1979, 1, 5), 9902),
        ("Siti Rahmawati", "P", dt.date(1990, 3, 9), 9903),
        ("Nurhayati", "P", dt.date(1988, 12, 1), 9904),
        ("Muh. Yusuf", "L", dt.date(1992, 6, 30), 9905),
        ("Hasnah", "P", dt.date(1983, 4, 21), 9906),
    ]
    niks = [person_nik(born, sex, seq) for _, sex, born, seq in people]
    assert not Person.objects.filter(nik__in=niks).exists()

    # 1. Impor -> Unduh templat -> perangkat desa, for the operator's own unit.
    sign_in(page, base, "desa.malili")
    page.get_by_role("link", name="Impor", exact=True).click()
    expect(page.get_by_role("heading", name="Impor data")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Belum ada berkas yang diunggah")
    steps.shot(page, "impor-kosong")
    page.get_by_role("link", name="Unduh templat").click()
    expect(page.get_by_role("heading", name="Unduh templat Excel")).to_be_visible()
    assert page.locator("#id_unit").input_value() == str(unit.pk)
    page.select_option("#id_segment", Segment.PERANGKAT_DESA)
    steps.shot(page, "templat")
    with page.expect_download() as info:
        page.get_by_role("button", name="Unduh templat (XLSX)").click()
    template = saved(info.value, tmp_path)
    assert template.name == "templat-perangkat-desa.xlsx"

    # 2. The operator fills the template: three good rows, three faulty ones.
    book = openpyxl.load_workbook(template)
    sheet = book["Data"]
    headers = [c.value for c in sheet[1]]
    col = {h: i + 1 for i, h in enumerate(headers) if h}
    assert {"NIK", "Nama", "Jenis kelamin (L/P)", "Tanggal lahir", "Desa/kelurahan"} <= set(col)
    for row, ((name, sex, born, _), nik) in enumerate(zip(people, niks, strict=True), start=2):
        values = {
            "NIK": nik,
            "Nama": name,
            "Jenis kelamin (L/P)": sex,
            "Tempat lahir": "Malili",
            "Tanggal lahir": dt.datetime.combine(born, dt.time()),
            "Desa/kelurahan": "Laskap",
            "Pekerjaan/jabatan": "Kepala dusun" if row % 2 else "Staf desa",
            "Upah/penghasilan sebulan (Rp)": 2_450_000,
        }
        for header, value in values.items():
            sheet.cell(row=row, column=col[header], value=value)
    sheet.cell(row=3, column=col["NIK"], value=niks[1][:15])  # 15 digits
    sheet.cell(row=5, column=col["Jenis kelamin (L/P)"], value="L")  # her NIK says female
    sheet.cell(row=7, column=col["Desa/kelurahan"], value=HARAPAN)  # another desa
    first_file = tmp_path / "perangkat desa laskap.xlsx"
    book.save(first_file)

    # 3. Upload: checked at once; the issues carry the operator's own row numbers.
    first = upload(page, base, first_file)
    assert (first.status, first.segment, first.rows, first.accepted, first.rejected) == (
        BatchStatus.VALIDATED,
        Segment.PERANGKAT_DESA,
        6,
        3,
        3,
    )
    expect(page.locator(".status")).to_have_text("Sudah diperiksa")
    expect(page.get_by_role("heading", name="Hasil pemeriksaan")).to_be_visible()
    assert {k: cards(page)[k] for k in ("baris data", "baris diterima", "baris ditolak")} == {
        "baris data": "6",
        "baris diterima": "3",
        "baris ditolak": "3",
    }
    summary = page.locator("table.data").first.inner_text()
    for label in (
        "NIK tidak 16 digit",
        "Jenis kelamin tidak cocok dengan NIK",
        "Desa/kelurahan di luar wilayah unit",
    ):
        assert label in summary, label
    assert issue_rows(page) == [
        ("3", "NIK", "NIK tidak 16 digit", "NIK harus 16 digit, ditemukan 15 digit."),
        (
            "5",
            "NIK",  # the NIK and the sex disagree: reported on the NIK
            "Jenis kelamin tidak cocok dengan NIK",
            "NIK menunjukkan perempuan (tanggal lahir + 40), data menyebut laki-laki.",
        ),
        (
            "7",
            "Desa/kelurahan",
            "Desa/kelurahan di luar wilayah unit",
            f"Desa/kelurahan {HARAPAN} berada di luar wilayah unit ini.",
        ),
    ]
    expect(page.get_by_role("button", name="Simpan ke registri")).to_be_visible()
    steps.shot(page, "hasil-periksa")

    # The issue filter (htmx) narrows the table to one row.
    page.fill("#id_baris", "5")
    expect(page.locator("table.issues-table tbody tr")).to_have_count(1)
    assert issue_rows(page)[0][0] == "5"
    page.goto(f"{base}/impor/{first.pk}/")

    # The progress bar: while a worker is at it, the page polls and reloads itself when done.
    ImportBatch.objects.filter(pk=first.pk).update(
        phase=Phase.VALIDATING, progress_done=2, progress_total=6
    )
    page.reload()
    expect(page.get_by_role("heading", name="Berkas sedang diproses")).to_be_visible()
    expect(page.locator("#kemajuan progress")).to_have_attribute("value", "2")
    expect(page.locator("#kemajuan")).to_contain_text("2 dari 6 baris")
    steps.shot(page, "kemajuan")
    ImportBatch.objects.filter(pk=first.pk).update(
        phase=Phase.DONE, progress_done=6, progress_total=6
    )
    expect(page.get_by_role("heading", name="Hasil pemeriksaan")).to_be_visible()
    wait_until_done(page)

    # 4. The annotated file: the error column and the wrong cells in red.
    marked = annotated(page, tmp_path)
    assert marked.name == "perangkat desa laskap-hasil-periksa.xlsx"
    book = openpyxl.load_workbook(marked)
    sheet = book["Data"]
    note = column_of(sheet, 1, "Keterangan")
    # Messages as the page shows them, no internal codes, no ".;" between two of them.
    assert sheet.cell(row=3, column=note).value == "NIK harus 16 digit, ditemukan 15 digit."
    assert sheet.cell(row=5, column=note).value == (
        "NIK menunjukkan perempuan (tanggal lahir + 40), data menyebut laki-laki."
    )
    assert sheet.cell(row=7, column=note).value == (
        f"Desa/kelurahan {HARAPAN} berada di luar wilayah unit ini."
    )
    assert sheet.cell(row=2, column=note).value in (None, "")
    for row, header in ((3, "NIK"), (5, "NIK"), (7, "Desa/kelurahan")):
        cell = sheet.cell(row=row, column=column_of(sheet, 1, header))
        assert cell.fill.fgColor.rgb == ERROR_FILL, (row, header)
    assert sheet.cell(row=2, column=column_of(sheet, 1, "NIK")).fill.fgColor.rgb != ERROR_FILL

    # 5. Corrected in that very file and uploaded again: nothing rejected.
    sheet.cell(row=3, column=column_of(sheet, 1, "NIK"), value=niks[1])
    sheet.cell(row=5, column=column_of(sheet, 1, "Jenis kelamin (L/P)"), value="P")
    sheet.cell(row=7, column=column_of(sheet, 1, "Desa/kelurahan"), value="Laskap")
    book.save(marked)
    second = upload(page, base, marked)
    assert (second.status, second.rows, second.accepted, second.rejected, second.new) == (
        BatchStatus.VALIDATED,
        6,
        6,
        0,
        6,
    )
    assert cards(page)["baris ditolak"] == "0"
    assert not issue_rows(page)
    steps.shot(page, "diperbaiki")

    # The Keterangan column the check added is not a field: ignored once, never asked again.
    page.get_by_text("1 kolom tidak dipakai").click()
    keterangan = page.get_by_label("Kolom “Keterangan” berisi")
    expect(keterangan).to_have_value(IGNORE)
    steps.shot(page, "kolom-keterangan")
    page.get_by_role("button", name="Simpan pemetaan dan periksa ulang").click()
    page.wait_for_load_state()
    wait_until_done(page)
    expect(page.locator("ul.messages")).to_contain_text(
        "Pemetaan kolom disimpan untuk Pemerintah Desa Laskap"
    )
    expect(page.locator("#bagian-pemetaan")).to_have_count(0)
    assert HeaderMemory.objects.get(unit=unit, header="keterangan").field == IGNORE

    # 6. Save to the registry, then submit.
    press(page, "Simpan ke registri")
    expect(page.locator("ul.messages")).to_contain_text(
        "Penyimpanan 6 baris yang diterima ke registri dimulai."
    )
    expect(page.locator(".status")).to_have_text("Tersimpan di registri")
    steps.shot(page, "tersimpan")
    press(page, "Ajukan ke kabupaten")
    assert f"Batch #{second.pk} diajukan ke kabupaten." in flash(page)
    expect(page.locator(".status")).to_have_text("Diajukan ke kabupaten")
    expect(page.locator("main")).to_contain_text("Menunggu verifikasi")
    steps.shot(page, "diajukan")
    second.refresh_from_db()
    assert (second.status, second.submitted_by) == (BatchStatus.SUBMITTED, operator)

    # An OPD operator of the same kabupaten does not see this batch: 404, in the browser too.
    sign_out(page)
    sign_in(page, base, "opd.disdik.lutim")
    expect_not_found(page, f"{base}/impor/{second.pk}/")
    steps.shot(page, "di-luar-cakupan")
    sign_out(page)

    # 7. DPMD verifies.
    sign_in(page, base, "dpmd.lutim")
    page.goto(f"{base}/impor/{second.pk}/")
    steps.shot(page, "dpmd-sebelum-verifikasi")
    verify(page)
    assert f"Batch #{second.pk} diverifikasi." in flash(page)
    expect(page.locator(".status")).to_have_text("Diverifikasi")
    expect(page.get_by_role("button", name="Unduh berkas pendaftaran BPJS (CSV)")).to_be_visible()
    steps.shot(page, "diverifikasi")
    second.refresh_from_db()
    assert second.status == BatchStatus.VERIFIED
    assert second.verified_by == User.objects.get(username="dpmd.lutim")

    # 8. The six are in the registry, submitted, in Laskap's perangkat desa.
    memberships = Membership.objects.filter(person__nik__in=niks)
    assert sorted(memberships.values_list("person__nik", "unit_id", "segment", "status")) == sorted(
        (nik, unit.pk, Segment.PERANGKAT_DESA, MembershipStatus.SUBMITTED) for nik in niks
    )
    assert second.links.count() == 6
    registry_shows(page, base, niks[2], "Siti Rahmawati", "Diajukan")
    steps.shot(page, "registri")


# --- scenario B: an OPD operator, non-ASN, verified by BKPSDM -------------------------------------


WAGE_HEADER = "TPP Bulanan (Rp)"  # not a wage synonym: the operator maps it once


def opd_workbook(path: Path, rows: list[list[object]]) -> None:
    """An OPD's own list: two title rows, a blank row, a numbering column, place+date of birth."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Honorer 2026"
    sheet.append(["DAFTAR TENAGA NON ASN DINAS PENDIDIKAN DAN KEBUDAYAAN"])
    sheet.append(["KABUPATEN LUWU TIMUR TAHUN ANGGARAN 2026"])
    sheet.append([])
    sheet.append(
        ["No", "NIK", "Nama Lengkap", "L/P", "Tempat, Tanggal Lahir", "Jabatan", WAGE_HEADER]
    )
    for row in rows:
        sheet.append(row)
    for row in sheet.iter_rows(min_row=5, min_col=2, max_col=2):
        row[0].number_format = "@"
    book.save(path)


def test_opd_operator_maps_a_column_once_and_bkpsdm_verifies(
    live_server: Any, page: Page, shots: Path, tmp_path: Path
) -> None:
    base = live_server.url
    steps = Steps(shots, "b-opd")
    operator = User.objects.select_related("unit").get(username="opd.disdik.lutim")
    unit = operator.unit
    assert unit is not None
    HeaderMemory.objects.filter(unit=unit).delete()

    staff = [
        ("Rina Wati", "P", dt.date(1991, 5, 3), 9911, "Guru SD", 2_500_000),
        ("Yusuf Amir", "L", dt.date(1987, 11, 14), 9912, "Tenaga administrasi non-ASN", 2_200_000),
        ("Dewi Lestari", "P", dt.date(1995, 2, 28), 9913, "Guru PAUD", 1_800_000),
        ("Arman Saleh", "L", dt.date(1984, 7, 7), 9914, "Guru SMP", 2_750_000),
    ]
    niks = [person_nik(born, sex, seq) for _, sex, born, seq, _, _ in staff]
    assert not Person.objects.filter(nik__in=niks).exists()

    def rows(*, faulty: bool) -> list[list[object]]:
        out: list[list[object]] = []
        for i, ((name, sex, born, _, job, wage), nik) in enumerate(
            zip(staff, niks, strict=True), start=1
        ):
            out.append([i, nik, name, sex, f"Malili, {born:%d-%m-%Y}", job, wage])
        if faulty:
            out[1][4] = "Malili, 15-11-1987"  # his NIK says the 14th
            out[2][6] = 50_000  # below the lowest wage of the scheme
            out[3][1] = niks[0]  # Rina's NIK typed again
        return out

    first_file = tmp_path / "honorer disdikbud.xlsx"
    opd_workbook(first_file, rows(faulty=True))

    # 1. The wage column has a name Cakupan does not know: the file cannot be used yet.
    sign_in(page, base, "opd.disdik.lutim")
    page.get_by_role("link", name="Impor", exact=True).click()
    page.get_by_role("link", name="Unggah berkas").click()
    assert page.locator("#id_unit").input_value() == str(unit.pk)
    assert page.locator("#id_segment").input_value() == Segment.NON_ASN
    steps.shot(page, "unggah")
    first = upload(page, base, first_file)
    assert first.status == BatchStatus.FAILED
    expect(page.get_by_role("heading", name="Berkas tidak dapat dipakai")).to_be_visible()
    expect(page.locator(".panel-error .form-error")).to_contain_text(
        "Kolom wajib tidak ditemukan: Upah/penghasilan sebulan (Rp)."
    )
    expect(page.locator("#bagian-pemetaan")).to_contain_text(
        "Kolom wajib yang belum ditemukan: Upah/penghasilan sebulan (Rp)"
    )
    # What Cakupan read, and what it recognised as what.
    expect(page.locator(".file-headers")).to_contain_text("Judul kolom yang terbaca")
    assert page.locator(".file-headers .file-header").all_inner_texts() == [
        f"“{header}”"
        for header in (
            "No",
            "NIK",
            "Nama Lengkap",
            "L/P",
            "Tempat, Tanggal Lahir",
            "Jabatan",
            WAGE_HEADER,
        )
    ]
    expect(page.locator(".recognised-columns")).to_contain_text("“Nama Lengkap” → Nama")
    steps.shot(page, "kolom-tidak-dikenal")

    # 2. Mapped once: the wage column holds the wage, "No" is ignored. Checked again at once.
    wage_select = page.get_by_label(f"Kolom “{WAGE_HEADER}” berisi")
    wage_select.select_option(label="Upah/penghasilan sebulan (Rp)")
    expect(page.get_by_label("Kolom “No” berisi")).to_have_value(IGNORE)
    page.get_by_role("button", name="Simpan pemetaan dan periksa ulang").click()
    page.wait_for_load_state()
    wait_until_done(page)
    expect(page.locator("ul.messages")).to_contain_text(
        f"Pemetaan kolom disimpan untuk {unit.name}"
    )
    first.refresh_from_db()
    assert (first.status, first.rows, first.accepted, first.rejected, first.header_row) == (
        BatchStatus.VALIDATED,
        4,
        1,
        3,
        4,
    )
    assert [(row, column, label) for row, column, label, _ in issue_rows(page)] == [
        ("6", "NIK", "Tanggal lahir tidak cocok dengan NIK"),
        ("7", WAGE_HEADER, "Upah di luar batas"),
        # Rina's NIK pasted on Arman's row: it is hers (sex, birth date) and already on row 5.
        ("8", "NIK", "Jenis kelamin tidak cocok dengan NIK"),
        ("8", "NIK", "Tanggal lahir tidak cocok dengan NIK"),
        ("8", "NIK", "NIK ganda dalam berkas"),
    ]
    assert issue_rows(page)[-1][3] == "NIK ini sudah ada di baris 5 berkas ini."
    # Every row had its place and date of birth in one cell: split, and said so.
    assert [(row, label) for row, _, label, _ in issue_rows(page, "warning")] == [
        (str(n), "Tempat dan tanggal lahir dipisah") for n in (5, 6, 7, 8)
    ]
    # "No" was ignored once and is not asked about again; nothing else is left to map.
    expect(page.locator("#bagian-pemetaan")).to_have_count(0)
    assert dict(HeaderMemory.objects.filter(unit=unit).values_list("header", "field")) == {
        "no": IGNORE,
        "tpp bulanan": "wage",
    }
    steps.shot(page, "dipetakan")

    # 3. The annotated file keeps the title rows' place: the header on row 4, data from row 5.
    marked = annotated(page, tmp_path)
    book = openpyxl.load_workbook(marked)
    sheet = book["Data"]
    note = column_of(sheet, 4, "Keterangan")
    assert sheet.cell(row=6, column=note).value == (
        "'Malili, 15-11-1987' dipisah menjadi tempat lahir 'Malili' dan tanggal lahir "
        "'15-11-1987'. Tanggal lahir di NIK 14-11-1987, data menyebut 15-11-1987."
    )
    assert "Upah" in sheet.cell(row=7, column=note).value
    row8 = sheet.cell(row=8, column=note).value
    assert "NIK ini sudah ada di baris 5 berkas ini." in row8
    assert ".;" not in row8
    assert "[" not in row8
    wage_col = column_of(sheet, 4, WAGE_HEADER)
    assert sheet.cell(row=7, column=wage_col).fill.fgColor.rgb == ERROR_FILL
    nik_col = column_of(sheet, 4, "NIK")
    place_col = column_of(sheet, 4, "Tempat, Tanggal Lahir")
    sheet.cell(row=6, column=place_col, value="Malili, 14-11-1987")
    sheet.cell(row=7, column=wage_col, value="1.800.000")
    sheet.cell(row=8, column=nik_col, value=niks[3])
    book.save(marked)

    # 4. The second upload: the mapping is remembered, the file is usable at once.
    second = upload(page, base, marked)
    assert (second.status, second.rows, second.accepted, second.rejected) == (
        BatchStatus.VALIDATED,
        4,
        4,
        0,
    )
    assert second.mapping["columns"]["wage"] == WAGE_HEADER
    expect(page.locator("main")).not_to_contain_text("Berkas tidak dapat dipakai")
    # Only the check's own Keterangan column is new to this unit.
    expect(page.locator("#bagian-pemetaan summary")).to_have_text("1 kolom tidak dipakai")
    assert not issue_rows(page)
    steps.shot(page, "unggahan-kedua")
    press(page, "Simpan ke registri")
    expect(page.locator(".status")).to_have_text("Tersimpan di registri")
    press(page, "Ajukan ke kabupaten")
    expect(page.locator(".status")).to_have_text("Diajukan ke kabupaten")

    # The village operator does not see an OPD's batch.
    sign_out(page)
    sign_in(page, base, "desa.malili")
    expect_not_found(page, f"{base}/impor/{second.pk}/")
    sign_out(page)

    # 5. DPMD does not verify non-ASN batches; BKPSDM does.
    sign_in(page, base, "dpmd.lutim")
    page.goto(f"{base}/impor/{second.pk}/")
    expect(page.locator("main")).to_contain_text(
        "Menunggu verifikasi oleh dinas kabupaten/kota yang menangani segmen ini."
    )
    expect(page.get_by_role("link", name="Verifikasi atau kembalikan…")).to_have_count(0)
    sign_out(page)
    sign_in(page, base, "bkpsdm.lutim")
    page.goto(f"{base}/impor/{second.pk}/")
    verify(page)
    expect(page.locator(".status")).to_have_text("Diverifikasi")
    steps.shot(page, "bkpsdm-diverifikasi")

    # 6. The four are in the registry, submitted, as the Dinas's non-ASN.
    memberships = Membership.objects.filter(person__nik__in=niks)
    assert sorted(memberships.values_list("person__nik", "unit_id", "segment", "status")) == sorted(
        (nik, unit.pk, Segment.NON_ASN, MembershipStatus.SUBMITTED) for nik in niks
    )
    assert Membership.objects.get(person__nik=niks[2]).wage == 1_800_000
    registry_shows(page, base, niks[1], "Yusuf Amir", "Diajukan")
    steps.shot(page, "registri")
