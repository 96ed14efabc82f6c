"""The follow-up of the claims pages: heirs edited in place, the eligibility preview of the report
form (nothing saved), the penalty and the days off on the claim page and in ``claims show``, and
the Django admin (superadmins only, read-mostly, masked, changes through the workflow)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from cakupan.accounts.models import AuditEvent, Role
from cakupan.claims.models import Claim, ClaimStatus, Heir
from cakupan.claims.tests.builders import TODAY, World, complete_draft, heir
from cakupan.registry.models import Membership
from cakupan.testing.factories import make_user

D = dt.date
pytestmark = pytest.mark.django_db


def client_for(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.users[name])
    return client


# --- heirs edited in place ---------------------------------------------------------------------


def _heir_post(**changes: str) -> dict[str, str]:
    data = {
        "nik": heir("x", "spouse", D(1978, 2, 3), sex="P", sequence=7).nik,
        "name": "Hasnah binti Ali",
        "relation": "spouse",
        "birth_date": "1978-02-03",
        "bank_name": "BRI",
        "bank_account": "0123-0100-0987654",
        "account_holder": "Hasnah",
        "is_recipient": "on",
    }
    data.update(changes)
    return {f"ubah-{name}": value for name, value in data.items()}


def test_an_heir_is_edited_in_place(world: World) -> None:
    claim = complete_draft(world)
    wife = claim.heirs.get()
    client = client_for(world, "desa")
    url = reverse("claims:heir_edit", args=[wife.pk])
    # The detail page links every heir to its edit form (htmx loads it under the table).
    detail = client.get(reverse("claims:claim_detail", args=[claim.pk])).content.decode()
    assert f'hx-get="{url}"' in detail
    assert 'id="ubah-ahli-waris"' in detail
    # htmx: the form alone, with the values in full (the view is logged).
    fragment = client.get(url, HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert fragment.status_code == 200
    assert "<html" not in body
    assert f'data-heir-edit="{wife.pk}"' in body
    assert 'value="012301000123456"' in body
    assert AuditEvent.objects.filter(
        entity="claims.heir", action="view", entity_id=str(wife.pk)
    ).exists()
    # Without JavaScript: the same form as a page.
    assert "<html" in client.get(url).content.decode()
    # A refused change says why and changes nothing.
    refused = client.post(url, _heir_post(bank_account="12"))
    assert refused.status_code == 400
    assert "Nomor rekening harus 5-30 digit angka." in refused.content.decode()
    assert Heir.objects.get(pk=wife.pk).name == "Hasnah"
    # A good one goes through services.heir_update (audited with before/after).
    saved = client.post(url, _heir_post())
    assert saved.status_code == 302
    wife.refresh_from_db()
    assert (wife.name, wife.bank_account) == ("Hasnah binti Ali", "012301000987654")
    event = AuditEvent.objects.get(entity="claims.heir", action="update")
    # The audit log keeps the last four digits of an account, never the number (field encryption).
    assert event.before == {"name": "Hasnah", "bank_account": "****3456"}
    assert event.after == {"name": "Hasnah binti Ali", "bank_account": "****7654"}


def test_heir_edit_is_for_drafts_and_the_reporting_roles(world: World) -> None:
    claim = complete_draft(world)
    wife = claim.heirs.get()
    url = reverse("claims:heir_edit", args=[wife.pk])
    assert client_for(world, "pimpinan").get(url).status_code == 403
    assert client_for(world, "desa_other").get(url).status_code == 404
    Claim.objects.filter(pk=claim.pk).update(status=ClaimStatus.SUBMITTED)
    assert client_for(world, "desa").get(url).status_code == 403
    assert client_for(world, "desa").post(url, _heir_post()).status_code == 403


# --- the eligibility preview ---------------------------------------------------------------------


def test_preview_shows_the_rules_result_and_saves_nothing(world: World) -> None:
    client = client_for(world, "desa")
    url = reverse("claims:claim_report_preview")
    page = client.get(reverse("claims:claim_report")).content.decode()
    assert f'hx-post="{url}"' in page
    memberships = list(Membership.objects.values_list("pk", "end_date", "status"))
    audit = AuditEvent.objects.exclude(action="view").count()
    response = client.post(
        url,
        {"nik": world.deceased.nik, "kind": "death", "event_date": "2024-03-10"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert 'data-preview-result="eligible"' in body
    assert "Rp42.000.000" in body
    assert 'data-reason="covered"' in body
    assert "Pratinjau saja: belum ada yang disimpan." in body
    assert world.deceased.masked_nik in body
    assert world.deceased.nik not in body
    # Nothing written: no claim, the registry as it was, no change in the audit log; the person
    # looked up is logged as viewed.
    assert not Claim.objects.exists()
    assert list(Membership.objects.values_list("pk", "end_date", "status")) == memberships
    assert AuditEvent.objects.exclude(action="view").count() == audit
    assert AuditEvent.objects.filter(
        entity="registry.person", action="view", entity_id=str(world.deceased.pk),
        note="pratinjau kelayakan klaim",
    ).count() == 1  # fmt: skip


def test_preview_says_why_not(world: World) -> None:
    client = client_for(world, "desa")
    url = reverse("claims:claim_report_preview")

    def preview(**data: str) -> str:
        return client.post(url, data, HTTP_HX_REQUEST="true").content.decode()

    before = preview(nik=world.deceased.nik, kind="death", event_date="2019-06-01")
    assert 'data-preview-result="not-eligible"' in before
    assert 'data-reason="event_before_membership"' in before
    outside = preview(nik=world.deceased.nik, kind="accident", event_date="2024-03-10")
    assert 'data-preview-code="not_work_related"' in outside
    unknown = client_for(world, "desa_other").post(
        url, {"nik": world.deceased.nik, "kind": "death", "event_date": "2024-03-10"},
        HTTP_HX_REQUEST="true",
    ).content.decode()  # fmt: skip
    assert "Tidak ada peserta dengan NIK ini dalam cakupan Anda." in unknown
    bad = preview(nik="1234", kind="death", event_date="2024-03-10")
    assert 'data-preview-code="nik_invalid"' in bad
    missing = preview(nik=world.deceased.nik, kind="death")
    assert "Isi NIK, jenis dan tanggal peristiwa yang benar" in missing
    # Without JavaScript the report page comes back with the preview under the form.
    page = client.post(
        url, {"nik": world.deceased.nik, "kind": "death", "event_date": "2024-03-10"}
    ).content.decode()
    assert "<html" in page and 'data-preview-result="eligible"' in page
    # A duplicate death is named before anything is saved.
    complete_draft(world)
    again = preview(nik=world.deceased.nik, kind="death", event_date="2024-03-10")
    assert "data-preview-existing" in again
    assert client_for(world, "pimpinan").post(url, {}).status_code == 403
    assert client.get(url).status_code == 405


# --- the penalty on the page and in the CLI ------------------------------------------------------


def test_penalty_and_days_off_on_the_page_and_in_claims_show(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """A JKK death filed 2 September 2024 (deadline 11 September) and unpaid on 17 September
    (16 September is Maulid Nabi): 3 working days late x Rp1,588,000 = Rp4,764,000."""
    claim = complete_draft(world, at_work=True, cause="Kecelakaan di lokasi proyek desa")
    Claim.objects.filter(pk=claim.pk).update(
        type="jkk-death", status="filed", filed_on=D(2024, 9, 2)
    )
    from unittest import mock

    with mock.patch("django.utils.timezone.localdate", return_value=D(2024, 9, 17)):
        body = (
            client_for(world, "admin")
            .get(reverse("claims:claim_detail", args=[claim.pk]))
            .content.decode()
        )
        call_command("claims", "show", claim.number, "--json")
    assert 'data-penalty="4764000"' in body
    assert "Rp4.764.000 (3 hari kerja x Rp1.588.000)" in body
    assert "16-09-2024 Maulid Nabi Muhammad SAW" in body
    clock = json.loads(capsys.readouterr().out)["clock"]
    assert clock == {
        "deadline": "2024-09-11",
        "working_days": 7,
        "days_late": 3,
        "overdue": True,
        "paid_late": False,
        "source": "PP 44/2015",
        "penalty": {
            "rate_per_day": "0.01",
            "base": 158_800_000,
            "per_day": 1_588_000,
            "days": 3,
            "total": 4_764_000,
            "payable_by": "BPJS Ketenagakerjaan",
            "source": "PP 44/2015",
        },
        "holidays_skipped": [
            {"date": "2024-09-16", "name": "Maulid Nabi Muhammad SAW", "kind": "libur",
             "verified": True},
        ],
        "calendar": {
            "source": "SKB Menteri Agama, Menteri Ketenagakerjaan dan Menteri PANRB Nomor 855 "
            "Tahun 2023, Nomor 3 Tahun 2023, Nomor 4 Tahun 2023 (2024)",
            "unverified": False,
            "years_without_holidays": [],
        },
        "explanation": [
            "Batas bayar 11-09-2024: 7 hari kerja sejak berkas lengkap diterima 02-09-2024 "
            "(PP 44/2015).",
            "Terlambat 3 hari kerja sampai 17-09-2024 (hari libur dilewati: 16-09-2024 Maulid "
            "Nabi Muhammad SAW).",
            "Denda keterlambatan untuk peserta/ahli waris, dibayar BPJS Ketenagakerjaan: 1% x "
            "Rp158.800.000 = Rp1.588.000 per hari kerja; 3 hari = Rp4.764.000 (PP 44/2015).",
        ],
    }  # fmt: skip


def test_a_jkm_claim_has_no_penalty(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    claim = complete_draft(world)
    Claim.objects.filter(pk=claim.pk).update(status="filed", filed_on=D(2024, 9, 2))
    call_command("claims", "show", claim.number, "--json")
    penalty = json.loads(capsys.readouterr().out)["clock"]["penalty"]
    assert penalty == {
        "rate_per_day": None, "base": 0, "per_day": 0, "days": 0, "total": 0,
        "payable_by": None, "source": "",
    }  # fmt: skip


# --- the Django admin ----------------------------------------------------------------------------


def _superadmin() -> Client:
    user = make_user(role=Role.SUPERADMIN, username="root")
    user.is_staff = True
    user.save()
    client = Client()
    client.force_login(user)
    return client


def test_admin_lists_claims_masked_and_changes_only_through_the_workflow(world: World) -> None:
    claim = complete_draft(world)
    client = _superadmin()
    listing = client.get(reverse("admin:claims_claim_changelist")).content.decode()
    assert claim.number in listing
    assert world.deceased.masked_nik in listing
    assert world.deceased.nik not in listing
    page = client.get(reverse("admin:claims_claim_change", args=[claim.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    wife = claim.heirs.get()
    assert wife.masked_nik in body and wife.nik not in body
    assert wife.masked_account in body and wife.bank_account not in body
    assert 'name="_save"' not in body
    assert AuditEvent.objects.filter(
        entity="registry.person", action="view", note=f"klaim {claim.number} (admin)"
    ).exists()
    # No adding, no deleting, no editing in a form.
    assert client.get(reverse("admin:claims_claim_add")).status_code == 403
    assert client.post(reverse("admin:claims_claim_delete", args=[claim.pk])).status_code == 403
    before = Claim.objects.get(pk=claim.pk).event_place
    client.post(reverse("admin:claims_claim_change", args=[claim.pk]), {"event_place": "Lain"})
    assert Claim.objects.get(pk=claim.pk).event_place == before
    # The workflow as actions: a draft cannot be verified (the service says why) ...
    response = client.post(
        reverse("admin:claims_claim_changelist"),
        {"action": "verify", "_selected_action": [claim.pk]},
        follow=True,
    )
    assert "hanya untuk klaim berstatus: Diajukan" in response.content.decode()
    # ... a submitted one is, audited like on the claims pages.
    from cakupan.claims import workflow

    workflow.claim_submit(actor=world.actor("desa"), claim=claim, today=TODAY)
    client.post(
        reverse("admin:claims_claim_changelist"),
        {"action": "verify", "_selected_action": [claim.pk]},
    )
    claim.refresh_from_db()
    assert claim.status == "verified"
    assert claim.transitions.last().actor.username == "root"  # type: ignore[union-attr]
    assert claim.verified_by.username == "root"  # type: ignore[union-attr]


def test_admin_is_for_superadmins_only(world: World) -> None:
    complete_draft(world)
    admin = world.users["admin"]
    admin.is_staff = True
    admin.save()
    client = client_for(world, "admin")
    response = client.get(reverse("admin:claims_claim_changelist"))
    assert response.status_code == 302  # the admin site sends non-superadmins to its login
