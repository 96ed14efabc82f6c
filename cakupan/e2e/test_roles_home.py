"""Issue 17 in a real browser over the demo, one test per role: each home page lists the work
waiting for that role (the same items ``coverage.waiting`` gathers, with their counts and links),
and the workflows finish: a village operator submits, the DPMD returns the batch with a note and
verifies it once resubmitted, the BPJS officer of the Malili branch downloads the registration
file, confirms it was sent and uploads the reply, the admin of Luwu Timur bills a month from the
web, the OPD operator finds its bill, the camat and the bupati follow their area.

Each test builds what it needs (batches through the intake services, with NIKs of their own);
the module's demo is shared, so counts are compared with what the selectors give at that moment.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import Source, User
from cakupan.billing.models import Bill
from cakupan.common.nik import make_nik
from cakupan.coverage.waiting import waiting_work
from cakupan.e2e.test_intake_fix_loop import TIMEOUT_MS, Steps, sign_in, sign_out, upload
from cakupan.intake import services
from cakupan.intake.models import BatchStatus, ImportBatch
from cakupan.intake.workflow import batch_submit, batch_verify
from cakupan.registry.models import Membership, MembershipStatus, Segment

pytestmark = pytest.mark.browser

MALILI = "73.24.04"
HEADER = "NIK;Nama Lengkap;L/P;Tanggal Lahir;Desa;Jabatan;Siltap;TMT"
_sequences = itertools.count(9700)
FIRST = ("Andi", "Baso", "Muhammad", "Arman", "Yusuf", "Rahmat", "Syamsul", "Irwan", "Hasan")
LAST = ("Pratama", "Saputra", "Tahir", "Rahman", "Amir", "Sulaiman", "Hamid", "Latif", "Nur")


@pytest.fixture(scope="module", autouse=True)
def demo_claims(demo_world: None, django_db_blocker: Any) -> None:
    """The demo claims on top of the module's demo (an overdue one among them)."""
    from cakupan.demo.claims import demo_claims_load

    with django_db_blocker.unblock():
        demo_claims_load(actor=Actor.system(source="cli", label="e2e"))


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        accept_downloads=True, locale="id-ID", viewport={"width": 1366, "height": 900}
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


def user(username: str) -> User:
    return User.objects.select_related("unit", "region").get(username=username)


def people_file(count: int, *, desa: str) -> bytes:
    """A village operator's list of ``count`` new perangkat desa of ``desa`` (CSV)."""
    rows = [HEADER]
    for i in range(count):
        born = dt.date(1980 + i, 3, 10 + i)
        nik = make_nik(district_code=MALILI, birth_date=born, sex="L", sequence=next(_sequences))
        name = f"{FIRST[int(nik[-2:]) % len(FIRST)]} {LAST[int(nik[-3]) % len(LAST)]}"
        rows.append(f"{nik};{name};L;{born:%d-%m-%Y};{desa};Kepala Dusun;2.450.000;01-01-2026")
    return ("\n".join(rows) + "\n").encode()


def committed_batch(count: int = 2) -> ImportBatch:
    operator = user("desa.malili")
    assert operator.unit is not None
    actor = Actor(user=operator, source=Source.WEB)
    batch = services.batch_create(
        actor=actor,
        unit=operator.unit,
        segment=Segment.PERANGKAT_DESA,
        file_name="perangkat-uji.csv",
        data=people_file(count, desa=operator.unit.region_id),
    )
    batch = services.batch_process(batch=batch, actor=actor, commit=True).batch
    assert (batch.status, batch.accepted) == (BatchStatus.COMMITTED, count)
    return batch


def submitted_batch(count: int = 2) -> ImportBatch:
    return batch_submit(
        actor=Actor(user=user("desa.malili"), source=Source.WEB), batch=committed_batch(count)
    )


def panel(page: Page) -> list[tuple[str, int]]:
    """The waiting-work panel of the home page: (item key, count) in the order shown."""
    rows = []
    for item in page.locator("#menunggu li[data-work]").all():
        count = int(item.locator(".waiting-count").inner_text().replace(".", ""))
        rows.append((str(item.get_attribute("data-work")), count))
    return rows


def expected(username: str) -> list[tuple[str, int]]:
    return [
        (item.key, item.count)
        for group in waiting_work(user(username), timezone.localdate())
        for item in group.items
    ]


def home_shows_its_work(page: Page, base: str, username: str) -> list[tuple[str, int]]:
    """The home page lists exactly what the selectors say waits for the user, and something."""
    page.goto(f"{base}/")
    expect(page.get_by_role("heading", name="Pekerjaan yang menunggu")).to_be_visible()
    shown = panel(page)
    assert shown == expected(username)
    assert shown, f"nothing waits for {username}"
    return shown


def open_item(page: Page, key: str) -> None:
    page.locator(f'#menunggu li[data-work="{key}"] a').click()
    page.wait_for_load_state()


def press(page: Page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


# --- operator desa ----------------------------------------------------------------------------


def test_operator_desa_saves_and_submits_from_its_home(
    page: Page, live_server: Any, shots: Path, tmp_path: Path
) -> None:
    base, steps = live_server.url, Steps(shots, "peran-desa")
    operator = user("desa.malili")
    assert operator.unit is not None
    path = tmp_path / "perangkat laskap.csv"
    path.write_bytes(people_file(2, desa=operator.unit.region_id))
    sign_in(page, base, "desa.malili")
    batch = upload(page, base, path)
    assert batch.status == BatchStatus.VALIDATED

    # Checked, not saved: the home says so and leads back to it.
    shown = home_shows_its_work(page, base, "desa.malili")
    assert ("intake.simpan", 1) in shown
    steps.shot(page, "beranda-simpan")
    open_item(page, "intake.simpan")
    expect(page.locator(".waiting-filter")).to_contain_text("Hanya berkas sudah diperiksa")
    page.get_by_role("link", name="perangkat laskap.csv").first.click()
    press(page, "Simpan ke registri")
    expect(page.locator(".status")).to_have_text("Tersimpan di registri")

    # Saved, not submitted.
    assert ("intake.ajukan", 1) in home_shows_its_work(page, base, "desa.malili")
    open_item(page, "intake.ajukan")
    page.get_by_role("link", name="perangkat laskap.csv").first.click()
    press(page, "Ajukan ke kabupaten")
    expect(page.locator(".status")).to_have_text("Diajukan ke kabupaten")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.SUBMITTED
    page.goto(f"{base}/")
    assert "intake.ajukan" not in dict(panel(page))


# --- admin kabupaten attached to the DPMD: return, then verify --------------------------------


def test_dpmd_returns_a_batch_with_a_note_then_verifies_it(
    page: Page, live_server: Any, shots: Path
) -> None:
    base, steps = live_server.url, Steps(shots, "peran-dpmd")
    batch = submitted_batch()
    sign_in(page, base, "dpmd.lutim")
    shown = home_shows_its_work(page, base, "dpmd.lutim")
    assert dict(shown)["intake.verifikasi"] >= 1
    steps.shot(page, "beranda")
    open_item(page, "intake.verifikasi")
    page.goto(f"{base}/impor/{batch.pk}/")
    page.get_by_role("link", name="Verifikasi atau kembalikan…").click()
    expect(page.get_by_role("heading", name=f"Verifikasi batch #{batch.pk}?")).to_be_visible()
    steps.shot(page, "pertanyaan")

    # Return with a note.
    page.get_by_label("Catatan untuk operator").fill(
        "Siltap kepala dusun 2026 belum sesuai Perbup."
    )
    press(page, "Kembalikan ke operator")
    expect(page.locator("ul.messages")).to_contain_text(f"Batch #{batch.pk} dikembalikan")
    expect(page.locator(".status")).to_have_text("Dikembalikan ke operator")
    assert (
        Membership.objects.filter(batch_links__batch=batch)
        .filter(status=MembershipStatus.DRAFT)
        .count()
        == 2
    )
    sign_out(page)

    # The operator reads why on its home and on the batch, and submits again.
    sign_in(page, base, "desa.malili")
    assert ("intake.dikembalikan", 1) in home_shows_its_work(page, base, "desa.malili")
    open_item(page, "intake.dikembalikan")
    page.goto(f"{base}/impor/{batch.pk}/")
    expect(page.locator(".return-note")).to_contain_text(
        "Siltap kepala dusun 2026 belum sesuai Perbup."
    )
    steps.shot(page, "dikembalikan")
    press(page, "Ajukan lagi ke kabupaten")
    expect(page.locator(".status")).to_have_text("Diajukan ke kabupaten")
    sign_out(page)

    # The DPMD verifies, after confirming.
    sign_in(page, base, "dpmd.lutim")
    page.goto(f"{base}/impor/{batch.pk}/verifikasi/")
    expect(page.locator(".return-note")).to_contain_text("Sebelumnya dikembalikan")
    press(page, "Ya, verifikasi")
    expect(page.locator(".status")).to_have_text("Diverifikasi")
    batch.refresh_from_db()
    assert (batch.status, batch.verified_by) == (BatchStatus.VERIFIED, user("dpmd.lutim"))


# --- petugas BPJS: export, confirm sent, reply --------------------------------------------------


def test_bpjs_officer_sends_the_file_and_uploads_the_reply(
    page: Page, live_server: Any, shots: Path, tmp_path: Path
) -> None:
    base, steps = live_server.url, Steps(shots, "peran-bpjs")
    batch = batch_verify(
        actor=Actor(user=user("dpmd.lutim"), source=Source.WEB), batch=submitted_batch(3)
    )
    sign_in(page, base, "bpjs.malili")
    assert dict(home_shows_its_work(page, base, "bpjs.malili"))["intake.kirim"] >= 1
    steps.shot(page, "beranda-kirim")
    open_item(page, "intake.kirim")
    page.goto(f"{base}/impor/{batch.pk}/")
    with page.expect_download() as info:
        press(page, "Unduh berkas pendaftaran BPJS (CSV)")
    registration = tmp_path / info.value.suggested_filename
    info.value.save_as(str(registration))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.VERIFIED  # the download alone sends nothing

    press(page, "Sudah dikirim ke BPJS")
    expect(page.locator(".status")).to_have_text("Dikirim ke BPJS Ketenagakerjaan")
    assert dict(home_shows_its_work(page, base, "bpjs.malili"))["intake.balasan"] >= 1
    open_item(page, "intake.balasan")

    # BPJS's reply: every person of the file registered, with a KPJ and a start date.
    rows = list(csv.DictReader(io.StringIO(registration.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 3
    reply = tmp_path / "balasan-bpjs.csv"
    reply.write_text(
        "NIK;KPJ;STATUS;TGL_KEPESERTAAN;ID_CAKUPAN\n"
        + "".join(
            f"{r['NIK']};{24000000000 + i};TERDAFTAR;01-02-2026;{r['ID_CAKUPAN']}\n"
            for i, r in enumerate(rows)
        ),
        encoding="utf-8",
    )
    page.goto(f"{base}/impor/{batch.pk}/")
    page.set_input_files("#id_file", str(reply))
    press(page, "Unggah balasan BPJS")
    # POST/redirect/GET: back on the batch page, the reply's result on it.
    assert re.search(rf"/impor/{batch.pk}/#balasan$", page.url)
    expect(page.locator("ul.messages")).to_contain_text(
        "Balasan BPJS dibaca: 3 kepesertaan terdaftar, 0 ditolak, 0 tidak disebut."
    )
    expect(page.get_by_role("heading", name="Balasan BPJS terakhir")).to_be_visible()
    expect(page.locator(".status")).to_have_text("Terdaftar di BPJS Ketenagakerjaan")
    steps.shot(page, "balasan")
    batch.refresh_from_db()
    assert (batch.status, batch.sent_by) == (BatchStatus.REGISTERED, user("bpjs.malili"))
    # Reloading the page does not send the reply again.
    page.reload()
    expect(page.locator(".status")).to_have_text("Terdaftar di BPJS Ketenagakerjaan")


# --- admin kabupaten: bill a month from the web ------------------------------------------------


def test_admin_kabupaten_bills_the_month_from_its_home(
    page: Page, live_server: Any, shots: Path
) -> None:
    base, steps = live_server.url, Steps(shots, "peran-admin")
    month = timezone.localdate().replace(day=1)
    assert not Bill.objects.filter(month=month, payer__region__code__startswith="73.24").exists()
    sign_in(page, base, "admin.lutim")
    assert ("billing.not_billed", 1) in home_shows_its_work(page, base, "admin.lutim")
    steps.shot(page, "beranda")
    open_item(page, "billing.not_billed")
    expect(page.get_by_role("heading", name=re.compile(r"^Rincian tagihan "))).to_be_visible()
    cards = page.locator(".cards .card-number").all_inner_texts()
    payers = int(cards[0].replace(".", ""))
    assert payers > 10
    steps.shot(page, "rincian")
    page.locator(".confirm-row").get_by_role("button", name=re.compile(r"^Buat tagihan ")).click()
    page.wait_for_load_state()
    expect(page.locator("ul.messages")).to_contain_text(
        f"Tagihan {month:%m-%Y} untuk Kabupaten Luwu Timur dibuat: {payers} pembayar"
    )
    assert Bill.objects.filter(month=month, payer__region__code__startswith="73.24").count() == (
        payers
    )
    expect(page.locator(".month-row").first).to_contain_text(f"{payers} tagihan")
    steps.shot(page, "tagihan")
    # Billed: the month is no longer asked for; the bills wait to be paid.
    page.goto(f"{base}/")
    assert "billing.not_billed" not in dict(panel(page))
    assert dict(home_shows_its_work(page, base, "admin.lutim"))["billing.unpaid"] == payers


# --- operator OPD: its bill ----------------------------------------------------------------------


def test_operator_opd_finds_its_unpaid_bill(page: Page, live_server: Any) -> None:
    from cakupan.billing import services as billing

    base = live_server.url
    month = timezone.localdate().replace(day=1)
    billing.billing_run(
        actor=Actor.system(source="cli", label="e2e"), month=month, region_code="73.24"
    )
    operator = user("opd.disdik.lutim")
    bill = Bill.objects.get(month=month, payer=operator.unit)
    sign_in(page, base, "opd.disdik.lutim")
    assert ("billing.unpaid", 1) in home_shows_its_work(page, base, "opd.disdik.lutim")
    open_item(page, "billing.unpaid")
    expect(page.get_by_role("link", name=bill.payer.name)).to_be_visible()
    page.get_by_role("link", name=bill.payer.name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tagihan")


# --- camat, pimpinan, superadmin: what waits in their area -------------------------------------


def test_camat_follows_the_batches_of_its_kecamatan(page: Page, live_server: Any) -> None:
    base = live_server.url
    submitted_batch()
    sign_in(page, base, "camat.malili")
    shown = dict(home_shows_its_work(page, base, "camat.malili"))
    assert shown["intake.proses"] >= 1
    assert page.locator('#menunggu li[data-work="intake.proses"]').get_attribute("class") == (
        "waiting-item waiting-watch"
    )
    open_item(page, "intake.proses")
    expect(page.locator(".waiting-filter")).to_contain_text("Hanya batch di wilayah Anda")


def test_bupati_follows_claims_and_batches(page: Page, live_server: Any) -> None:
    base = live_server.url
    submitted_batch()
    sign_in(page, base, "bupati.lutim")
    shown = dict(home_shows_its_work(page, base, "bupati.lutim"))
    assert shown["claims.overdue"] >= 1  # the demo's overdue claim in Luwu Timur
    assert shown["intake.proses"] >= 1
    open_item(page, "claims.overdue")
    expect(page.get_by_role("heading", level=1)).to_contain_text("terlambat")


def test_superadmin_sees_what_waits_everywhere(page: Page, live_server: Any) -> None:
    base = live_server.url
    submitted_batch()
    sign_in(page, base, "admin")
    shown = dict(home_shows_its_work(page, base, "admin"))
    assert shown["intake.verifikasi"] >= 1
    assert {"claims.verify", "claims.pay"} <= set(shown)
