"""The batch page's value mapping: job titles and funding sources the vocabulary did not know,
mapped once by the operator, remembered for the unit."""

from __future__ import annotations

import pytest

from cakupan.accounts.models import AuditEvent
from cakupan.intake.models import BatchStatus, ImportIssue, ValueMemory
from cakupan.intake.schema import IGNORE
from cakupan.intake.tests.test_pipeline import DESA, GOOD, csv_file, nik
from cakupan.intake.tests.test_views import (  # noqa: F401 - the world fixture
    World,
    action,
    as_user,
    detail,
    latest,
    texts,
    upload,
    world,
)

pytestmark = pytest.mark.django_db

ODD = f"{nik(20)};Budi Santoso;L;20-08-1985;{DESA};Juru Pelihara Kantor;2.450.000;01-01-2026"
ODDER = f"{nik(21)};Cici;L;21-08-1985;{DESA};Pengurus Koperasi;2.450.000;01-01-2026"


def test_unknown_values_are_mapped_once_on_the_batch_page(world: World) -> None:  # noqa: F811
    operator = as_user(world.operator)
    upload(operator, world.unit, csv_file(*GOOD, ODD, ODDER))
    batch = latest()
    assert (batch.status, batch.accepted, batch.rejected) == (BatchStatus.VALIDATED, 5, 0)
    page = operator.get(detail(batch.pk))
    html = page.content.decode()
    assert "2 nilai belum dikenali atau sudah Anda petakan" in html
    form = page.context["value_form"]
    assert [(name, key) for name, _, key, _ in form.entries] == [
        ("nilai_occupation_0", "juru pelihara kantor"),
        ("nilai_occupation_1", "pengurus koperasi"),
    ]
    assert [form[name].value() for name in form.fields] == ["", ""]
    assert ("staf-desa", "Staf desa") in form.fields["nilai_occupation_0"].choices
    assert form.fields["nilai_occupation_0"].choices[1] == (IGNORE, "abaikan nilai ini")

    # Someone else's batch: not found.
    assert (
        as_user(world.other_operator)
        .post(action("value_mapping", batch.pk), {"nilai_occupation_0": "staf-desa"})
        .status_code
        == 404
    )
    response = operator.post(
        action("value_mapping", batch.pk),
        {"nilai_occupation_0": "staf-desa", "nilai_occupation_1": IGNORE},
    )
    assert response.status_code == 302
    assert "Pemetaan nilai disimpan untuk Pemdes Harapan" in texts(response)[0]
    assert sorted(ValueMemory.objects.values_list("unit_id", "field", "value", "target")) == [
        (world.unit.pk, "occupation", "juru pelihara kantor", "staf-desa"),
        (world.unit.pk, "occupation", "pengurus koperasi", IGNORE),
    ]
    assert AuditEvent.objects.filter(note__startswith="pemetaan nilai occupation").count() == 2
    batch.refresh_from_db()
    assert batch.status == BatchStatus.VALIDATED
    assert not ImportIssue.objects.filter(batch=batch, code="occupation_unmapped").exists()
    # Shown again preset to the unit's choices, so they can be changed.
    form = operator.get(detail(batch.pk)).context["value_form"]
    assert [form[name].value() for name in form.fields] == ["staf-desa", IGNORE]


def test_an_unknown_target_is_refused(world: World) -> None:  # noqa: F811
    operator = as_user(world.operator)
    upload(operator, world.unit, csv_file(*GOOD, ODD))
    batch = latest()
    response = operator.post(action("value_mapping", batch.pk), {"nilai_occupation_0": "astronot"})
    assert response.status_code == 200
    assert response.context["value_form"].errors["nilai_occupation_0"]
    assert not ValueMemory.objects.exists()
