"""A death claim from the report to the money, in a real browser over the demo (issue 10).

The village operator of Malili reports the death of one of the desa's officials, records the
widow as heir and recipient, uploads the five documents and submits; the DPMD of Luwu Timur
verifies; the BPJS officer of the Malili branch receives the complete claim, approves it and pays
the three components. The claims pages then show the demo's Bulukumba figures.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from cakupan.accounts.models import User
from cakupan.claims.models import Claim
from cakupan.common.nik import make_nik
from cakupan.demo.services import demo_password
from cakupan.registry.models import Membership, MembershipStatus

pytestmark = pytest.mark.browser

TIMEOUT_MS = 15_000
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module", autouse=True)
def demo_claims(demo_world: None, django_db_blocker: Any) -> None:
    """The demo claims on top of the module's demo (cleaned with it at the end)."""
    from cakupan.accounts.audit import Actor
    from cakupan.demo.claims import demo_claims_load

    with django_db_blocker.unblock():
        demo_claims_load(actor=Actor.system(source="cli", label="e2e"))


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/akun/masuk/")
    page.fill("#id_username", username)
    page.fill("#id_password", demo_password())
    page.get_by_role("button", name="Masuk").click()
    expect(page.locator(".who-name")).to_be_visible()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Keluar").click()
    expect(page.get_by_role("heading", name="Masuk ke Cakupan")).to_be_visible()


def shot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"klaim-{name}.png"), full_page=True)


def test_a_death_claim_from_report_to_payment(
    live_server: Any, page: Page, shots: Path, tmp_path: Path
) -> None:
    base = live_server.url
    operator = User.objects.get(username="desa.malili")
    assert operator.unit is not None
    membership = (
        Membership.objects.filter(
            unit__region=operator.unit.region, status=MembershipStatus.ACTIVE, end_date__isnull=True
        )
        .exclude(person__claims__isnull=False)
        .select_related("person")
        .order_by("id")
        .first()
    )
    assert membership is not None
    person = membership.person
    today = dt.date.today()  # noqa: DTZ011 - the browser's day is the server's here
    event = today - dt.timedelta(days=5)
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)

    # 1. The village operator reports the death.
    sign_in(page, base, "desa.malili")
    page.get_by_role("link", name="Klaim", exact=True).click()
    expect(page.get_by_role("heading", name="Klaim JKM, JKK dan beasiswa")).to_be_visible()
    page.get_by_role("link", name="Laporkan peristiwa").click()
    page.fill("#id_nik", person.nik)
    page.select_option("#id_kind", "death")
    page.fill("#id_event_date", event.isoformat())
    # The preview (htmx) shows the rules result before anything is saved.
    page.get_by_role("button", name="Periksa kelayakan").click()
    expect(page.locator("[data-preview-result]")).to_have_attribute(
        "data-preview-result", "eligible"
    )
    expect(page.locator("[data-preview-cash]")).to_have_text("Rp42.000.000")
    assert not Claim.objects.filter(person=person).exists()
    page.fill("#id_place", "Rumah duka, Malili")
    page.fill("#id_cause", "Serangan jantung")
    page.get_by_role("button", name="Laporkan", exact=True).click()
    expect(page.locator("[data-claim-status]")).to_have_text("Draf")
    claim = Claim.objects.get(person=person)
    expect(page.locator("[data-cash-total]")).to_have_text("Rp42.000.000")
    expect(page.locator("[data-reason='covered']")).to_contain_text("Terlindungi pada")
    shot(page, shots, "01-draf")

    # ... records the widow as heir and recipient ...
    widow_born = person.birth_date + dt.timedelta(days=1000)
    widow_nik = make_nik(
        district_code=person.nik[:6], birth_date=widow_born, sex="P", sequence=9901
    )
    form = page.locator("#tambah-ahli-waris")
    form.locator("#id_nik").fill(widow_nik)
    form.locator("#id_name").fill("Sitti Rahmah")
    form.locator("#id_relation").select_option("spouse")
    form.locator("#id_birth_date").fill(widow_born.isoformat())
    form.locator("#id_bank_name").fill("BRI")
    form.locator("#id_bank_account").fill("012301000998877")
    form.locator("#id_account_holder").fill("Sitti Rahmah")
    form.locator("#id_is_recipient").check()
    form.get_by_role("button", name="Simpan ahli waris").click()
    heirs = page.locator(".heir-table")
    expect(heirs).to_contain_text("Sitti Rahmah")
    expect(heirs).to_contain_text("****8877")
    expect(heirs).not_to_contain_text(widow_nik)
    # ... and corrects her account number in place (htmx loads the form under the table).
    heirs.get_by_role("link", name="Ubah").click()
    edit = page.locator("#form-ubah-ahli-waris")
    expect(edit.locator("#id_ubah-bank_account")).to_have_value("012301000998877")
    edit.locator("#id_ubah-bank_account").fill("012301000112233")
    edit.get_by_role("button", name="Simpan perubahan").click()
    expect(page.locator(".message")).to_contain_text("Ahli waris Sitti Rahmah diperbarui")
    expect(heirs).to_contain_text("****2233")

    # ... cannot submit before the documents are in ...
    expect(page.locator("#dokumen-kurang")).to_be_visible()
    for kind in ("akta_kematian", "kartu_keluarga", "ktp_ahli_waris", "surat_ahli_waris",
                 "buku_rekening"):  # fmt: skip
        page.select_option("#id_kind", kind)
        page.set_input_files("#id_file", str(scan))
        page.get_by_role("button", name="Unggah").click()
        expect(page.locator(".message")).to_contain_text("Dokumen diunggah")
    expect(page.locator("#dokumen-kurang")).to_have_count(0)
    page.get_by_role("button", name="Ajukan untuk verifikasi").click()
    expect(page.locator("[data-claim-status]")).to_have_text("Diajukan")
    expect(page.get_by_text("prinsip empat mata")).to_be_visible()
    shot(page, shots, "02-diajukan")
    sign_out(page)

    # 2. The DPMD verifies.
    sign_in(page, base, "dpmd.lutim")
    page.goto(f"{base}/klaim/{claim.pk}/")
    page.get_by_role("button", name="Verifikasi").click()
    expect(page.locator("[data-claim-status]")).to_have_text("Diverifikasi")
    # The verified death ended the official's membership on the day of death.
    expect(page.locator("[data-coverage-ended]")).to_have_attribute(
        "data-coverage-ended", event.isoformat()
    )
    membership.refresh_from_db()
    assert (membership.end_date, membership.status) == (event, "ended")
    sign_out(page)

    # 3. The BPJS officer receives, approves and pays.
    sign_in(page, base, "bpjs.malili")
    page.goto(f"{base}/klaim/{claim.pk}/")
    page.get_by_role("button", name="Terima berkas lengkap (BPJS)").click()
    expect(page.locator("[data-claim-status]")).to_have_text("Diajukan ke BPJS Ketenagakerjaan")
    page.get_by_role("button", name="Setujui klaim").click()
    expect(page.locator("[data-claim-status]")).to_have_text("Disetujui BPJS Ketenagakerjaan")
    for n in range(3):
        pay = page.locator("form.component-pay").first
        pay.locator("input[name$='-reference']").fill(f"BPJSTK/E2E/{n + 1}")
        pay.get_by_role("button", name=re.compile("^Catat pembayaran")).click()
        expect(page.locator(".message")).to_contain_text("Pembayaran")
    expect(page.locator("[data-claim-status]")).to_have_text("Dibayar")
    expect(page.get_by_role("link", name="Berita acara penyerahan (PDF)")).to_be_visible()
    shot(page, shots, "03-dibayar")
    claim.refresh_from_db()
    assert claim.status == "paid"
    assert list(claim.transitions.values_list("to_status", flat=True)) == [
        "draft",
        "submitted",
        "verified",
        "filed",
        "approved",
        "paid",
    ]
    assert sum(c.paid_amount for c in claim.components.all()) == 42_000_000
    sign_out(page)

    # 4. The demo's report figures on the claims pages.
    sign_in(page, base, "admin")
    page.goto(f"{base}/klaim/ringkasan/?region=73.02&year=2024")
    expect(page.locator("[data-figure='claims-total']")).to_have_text("Rp1.077.000.000")
    expect(page.locator("[data-figure='contributions-paid']")).to_have_text("Rp890.000.000")
    expect(page.locator("[data-figure='ratio']")).to_have_text("121,0%")
    shot(page, shots, "04-ringkasan-bulukumba")
    page.goto(f"{base}/klaim/ringkasan/?region=72.05&year=2024")
    expect(page.locator("[data-figure='claims-total']")).to_have_text("Rp78.000.000")
    page.goto(f"{base}/klaim/terlambat/")
    expect(page.locator(".overdue-table")).to_contain_text("Kantor Cabang Malili")
