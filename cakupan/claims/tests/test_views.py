"""The claims pages: scoping (404), roles (403 and the buttons shown), the forms, masking and the
access log, the documents (PDF, XLSX, downloads)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from cakupan.accounts.models import AuditEvent
from cakupan.claims import payments, services
from cakupan.claims.models import Claim
from cakupan.claims.tests.builders import PDF, TODAY, World, approved, complete_draft, heir
from cakupan.common.money import terbilang

D = dt.date
pytestmark = pytest.mark.django_db


def client_for(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.users[name])
    return client


def test_list_is_scoped_masked_and_logged(world: World) -> None:
    claim = complete_draft(world)
    response = client_for(world, "desa").get(reverse("claims:claim_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert claim.number in body
    assert world.deceased.masked_nik in body
    assert world.deceased.nik not in body
    logged = AuditEvent.objects.filter(
        entity="registry.person", action="view", entity_id="*"
    ).last()
    assert logged is not None
    assert logged.after == {"shown": [world.deceased.pk]}
    other = client_for(world, "desa_other").get(reverse("claims:claim_list"))
    assert claim.number not in other.content.decode()
    assert Client().get(reverse("claims:claim_list")).status_code == 302  # sign in first


def test_report_form_creates_a_draft_or_says_why_not(world: World) -> None:
    client = client_for(world, "desa")
    assert client.get(reverse("claims:claim_report")).status_code == 200
    refused = client.post(
        reverse("claims:claim_report"),
        {
            "nik": world.deceased.nik,
            "kind": "death",
            "event_date": "2019-06-01",
            "place": "Malili",
            "cause": "Sakit",
        },
    )
    assert refused.status_code == 200
    assert "sebelum kepesertaan dimulai" in refused.content.decode()
    assert not Claim.objects.exists()
    response = client.post(
        reverse("claims:claim_report"),
        {
            "nik": world.deceased.nik,
            "kind": "death",
            "event_date": "2024-03-10",
            "place": "Malili",
            "cause": "Sakit",
        },
    )
    claim = Claim.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("claims:claim_detail", args=[claim.pk])
    assert client_for(world, "pimpinan").get(reverse("claims:claim_report")).status_code == 403


def test_detail_shows_the_cash_subtotal_reasons_and_masked_heirs(world: World) -> None:
    claim = complete_draft(world)
    response = client_for(world, "pimpinan").get(reverse("claims:claim_detail", args=[claim.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Subtotal santunan tunai" in body
    assert "Rp42.000.000" in body
    assert "PP 44/2015, pasal belum terverifikasi: JKM bagi peserta" in body
    wife = claim.heirs.get()
    assert wife.masked_nik in body
    assert wife.nik not in body
    assert wife.masked_account in body
    assert wife.bank_account not in body
    assert AuditEvent.objects.filter(entity="claims.heir", action="view").exists()
    # pimpinan reads only: no buttons.
    assert "Ajukan untuk verifikasi" not in body
    for name in ("desa_other", "admin_other", "bpjs_other", "camat_other", "opd"):
        assert (
            client_for(world, name).get(reverse("claims:claim_detail", args=[claim.pk])).status_code
            == 404
        )


def test_the_buttons_follow_the_role_and_the_walk_through_posts(world: World) -> None:
    claim = complete_draft(world)
    url = reverse("claims:claim_detail", args=[claim.pk])
    desa, dpmd, bpjs = (client_for(world, n) for n in ("desa", "dpmd", "bpjs"))
    assert "Ajukan untuk verifikasi" in desa.get(url).content.decode()
    reader = client_for(world, "pimpinan")
    assert "Ajukan untuk verifikasi" not in reader.get(url).content.decode()
    desa.post(reverse("claims:claim_transition", args=[claim.pk, "ajukan"]))
    assert Claim.objects.get().status == "submitted"
    page = desa.get(url).content.decode()
    assert "prinsip empat mata" in page
    assert ">Verifikasi<" not in page
    # The submitter posting the verification anyway is refused with the four-eyes message.
    refused = desa.post(
        reverse("claims:claim_transition", args=[claim.pk, "verifikasi"]), follow=True
    )
    assert "prinsip empat mata" in refused.content.decode()
    assert Claim.objects.get().status == "submitted"
    assert ">Verifikasi<" in dpmd.get(url).content.decode()
    dpmd.post(reverse("claims:claim_transition", args=[claim.pk, "verifikasi"]))
    bpjs.post(reverse("claims:claim_transition", args=[claim.pk, "terima"]))
    bpjs.post(reverse("claims:claim_transition", args=[claim.pk, "setujui"]))
    claim.refresh_from_db()
    assert claim.status == "approved"
    component = claim.components.first()
    assert component is not None
    response = bpjs.post(
        reverse("claims:component_pay", args=[component.pk]),
        {
            f"c{component.pk}-amount": "21.000.000",
            f"c{component.pk}-paid_on": "2024-09-04",
            f"c{component.pk}-reference": "TRF-1",
        },
    )
    assert response.status_code == 400
    assert "melebihi hak" in response.content.decode()
    response = bpjs.post(
        reverse("claims:component_pay", args=[component.pk]),
        {
            f"c{component.pk}-amount": "20.000.000",
            f"c{component.pk}-paid_on": "2024-09-04",
            f"c{component.pk}-reference": "TRF-1",
        },
    )
    assert response.status_code == 302
    # An unknown step and a reader's POST change nothing.
    assert (
        client_for(world, "pimpinan")
        .post(reverse("claims:claim_transition", args=[claim.pk, "setujui"]))
        .status_code
        == 302
    )
    assert Claim.objects.get().status == "approved"


def test_heirs_and_documents_through_the_page(world: World) -> None:
    claim = services.claim_report(
        actor=world.actor("desa"), nik=world.deceased.nik, event=services.EventInput(
            "death", D(2024, 3, 10), "Malili", "Sakit"), today=TODAY,
    )  # fmt: skip
    client = client_for(world, "desa")
    bad = client.post(
        reverse("claims:heir_add", args=[claim.pk]),
        {"nik": world.deceased.nik, "name": "X", "relation": "spouse", "birth_date": "1975-04-12"},
    )
    assert bad.status_code == 400
    assert "sama dengan NIK peserta" in bad.content.decode()
    ok = client.post(
        reverse("claims:heir_add", args=[claim.pk]),
        {
            "nik": heir("Anak", "child", D(2015, 1, 1), sequence=61).nik,
            "name": "Anak Bungsu",
            "relation": "child",
            "birth_date": "2015-01-01",
            "scholarship": "on",
            "school_level": "sd",
            "school_class": "3",
        },
    )
    assert ok.status_code == 302
    claim.refresh_from_db()
    assert claim.scholarship_entitlement == Decimal(84_000_000)
    upload = client.post(
        reverse("claims:document_upload", args=[claim.pk]),
        {"kind": "akta_kematian", "file": io.BytesIO(PDF)},
    )
    assert upload.status_code == 302
    document = claim.documents.get()
    download = client.get(reverse("claims:document_download", args=[document.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    assert AuditEvent.objects.filter(entity="claims.claimdocument", action="export").exists()
    assert (
        client_for(world, "desa_other")
        .get(reverse("claims:document_download", args=[document.pk]))
        .status_code
        == 404
    )


def test_handover_pdf_instalments_xlsx_overdue_and_summary(world: World) -> None:
    draft = complete_draft(world)
    services.heir_add(
        actor=world.actor("desa"), claim=draft,
        data=heir("Anak SMA", "child", D(2008, 5, 1), sequence=62, scholarship=True, school_level="sma"),
        today=TODAY,
    )  # fmt: skip
    claim = approved(world, draft)
    for component in claim.components.all():
        payments.component_pay(
            actor=world.actor("bpjs"), component=component, amount=component.entitlement,
            paid_on=D(2024, 9, 4), reference=f"T{component.position}",
        )  # fmt: skip
    admin = client_for(world, "admin")
    pdf = admin.get(reverse("claims:handover_pdf", args=[claim.pk]))
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(
        entity="claims.heir", action="export", note__contains="PDF berita acara"
    ).exists()
    due = admin.get(reverse("claims:instalments_due"), {"year": "2023"})
    assert "Anak SMA" in due.content.decode()
    xlsx = admin.get(reverse("claims:instalments_xlsx"), {"year": "2023"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active  # type: ignore[attr-defined]
    assert sheet is not None
    assert [c.value for c in sheet[2]][2:8] == [
        "Baharuddin Sekdes",
        "Anak SMA",
        claim.heirs.get(name="Anak SMA").masked_nik,
        "2023/2024",
        "SMA",
        3_000_000,
    ]
    assert admin.get(reverse("claims:overdue")).status_code == 200
    summary = admin.get(reverse("claims:summary"), {"region": "73.24", "year": "2024"})
    body = summary.content.decode()
    assert summary.status_code == 200
    assert 'data-figure="claims-total">Rp42.000.000' in body
    assert "<svg" in body
    # The chart (common.charts): a rupiah axis, a bar per figure, the region under its bars.
    assert '<text class="chart-axis" x="70" y="272.0" dy="4" text-anchor="end">Rp0</text>' in body
    assert 'height="182.0"><title>Malili: Rp42.000.000</title></rect>' in body
    assert 'height="0.0"><title>Malili: Rp0</title></rect>' in body
    assert 'text-anchor="middle">Malili</text>' in body


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (42_000_000, "empat puluh dua juta rupiah"),
        (1_077_000_000, "satu miliar tujuh puluh tujuh juta rupiah"),
        (12_000_000, "dua belas juta rupiah"),
        (1_500_000, "satu juta lima ratus ribu rupiah"),
        (111_011, "seratus sebelas ribu sebelas rupiah"),
        (1_001, "seribu satu rupiah"),
        (0, "nol rupiah"),
    ],
)
def test_terbilang(amount: int, words: str) -> None:
    assert terbilang(amount) == words


def test_a_role_that_may_not_write_gets_403_from_the_heir_and_document_forms(
    world: World,
) -> None:
    """Pimpinan reads claims only: posting the heir or document form, empty or filled in, is a
    403 like every other write denial (it was a 400 for the form's errors), and writes nothing."""
    claim = services.claim_report(
        actor=world.actor("desa"), nik=world.deceased.nik, event=services.EventInput(
            "death", D(2024, 3, 10), "Malili", "Sakit"), today=TODAY,
    )  # fmt: skip
    reader = client_for(world, "pimpinan")
    filled_heir = {
        "nik": heir("Anak", "child", D(2015, 1, 1), sequence=61).nik,
        "name": "Anak Bungsu",
        "relation": "child",
        "birth_date": "2015-01-01",
    }
    for data in ({}, filled_heir):
        assert reader.post(reverse("claims:heir_add", args=[claim.pk]), data).status_code == 403
    for upload in ({}, {"kind": "akta_kematian", "file": io.BytesIO(PDF)}):
        response = reader.post(reverse("claims:document_upload", args=[claim.pk]), upload)
        assert response.status_code == 403
    assert not claim.heirs.exists()
    assert not claim.documents.exists()
    # A role that writes still gets the form back with its errors.
    assert client_for(world, "desa").post(
        reverse("claims:heir_add", args=[claim.pk]), {}
    ).status_code == 400  # fmt: skip


@pytest.mark.parametrize("name", ["pimpinan", "camat", "desa", "admin"])
def test_only_bpjs_may_post_a_benefit_payment_the_others_get_403(world: World, name: str) -> None:
    claim = approved(world, complete_draft(world))
    component = claim.components.first()
    assert component is not None
    url = reverse("claims:component_pay", args=[component.pk])
    filled = {
        f"c{component.pk}-amount": "20.000.000",
        f"c{component.pk}-paid_on": "2024-09-04",
        f"c{component.pk}-reference": "TRF-1",
    }
    client = client_for(world, name)
    assert client.post(url, {}).status_code == 403
    assert client.post(url, filled).status_code == 403
    component.refresh_from_db()
    assert component.paid_amount is None
    assert client_for(world, "bpjs").post(url, {}).status_code == 400
