"""A demo import with a history (issue 15, item 6): people created from a batch row, then changed.

Dinas Kesehatan Luwu Timur uploads its list of non-ASN health workers (three rows) and commits it;
a month later a corrected file raises one wage (a membership update, audited with before and
after), and the superadmin records a new phone number for the same worker (a person update). The
audit viewer (``/orang/<id>/riwayat/``) then shows that person's whole history: created by the
batch, row 5 of the file, then changed. The memberships stay drafts: they are not yet covered, so
no coverage figure or bill of the demo changes.
"""

from __future__ import annotations

import datetime as dt

from cakupan.accounts.audit import Actor
from cakupan.common.nik import make_nik
from cakupan.intake import services as intake
from cakupan.intake.models import ImportBatch
from cakupan.registry.models import Person, Segment, Unit
from cakupan.registry.services import admin_save

UNIT_CODE = "7324-DINKES"
FIRST_FILE = "tenaga-kesehatan-non-asn-2026.csv"
CORRECTED_FILE = "tenaga-kesehatan-non-asn-2026-perbaikan.csv"
MALILI = "73.24.04"
DESA = "73.24.04.2001"
TODAY = dt.date(2026, 2, 2)
WORKERS = [
    ("Rahmawati Said", "P", dt.date(1994, 3, 12), "Perawat", 2_400_000),
    ("Muh. Fadli Anwar", "L", dt.date(1991, 7, 5), "Bidan", 2_350_000),
    ("Andi Nurhalisa", "P", dt.date(1996, 11, 23), "Tenaga Kesehatan", 2_250_000),
]
HEADER = "NIK;Nama Lengkap;L/P;Tanggal Lahir;Desa;Jabatan;Gaji;TMT"
# The worker whose history the demo tells (the first row, row 5 of the file).
STORY_NIK = make_nik(district_code=MALILI, birth_date=WORKERS[0][2], sex="P", sequence=41)
NEW_PHONE = "081355571024"


def _file(raise_first_to: int | None = None) -> bytes:
    lines = ["DAFTAR TENAGA KESEHATAN NON ASN DINAS KESEHATAN", "TAHUN ANGGARAN 2026", "", HEADER]
    for i, (name, sex, born, title, wage) in enumerate(WORKERS):
        nik = make_nik(district_code=MALILI, birth_date=born, sex=sex, sequence=41 + i)
        if i == 0 and raise_first_to is not None:
            wage = raise_first_to
        lines.append(f"{nik};{name};{sex};{born:%d-%m-%Y};{DESA};{title};{wage};01-01-2026")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _import(actor: Actor, unit: Unit, name: str, data: bytes) -> ImportBatch:
    batch = intake.batch_create(
        actor=actor, unit=unit, segment=Segment.NON_ASN, file_name=name, data=data
    )
    return intake.batch_process(batch=batch, actor=actor, commit=True, today=TODAY).batch


def demo_history_ensure(*, actor: Actor) -> dict[str, object]:
    """Import the two files and change the phone number, once (a second call changes nothing)."""
    unit = Unit.objects.filter(code=UNIT_CODE).first()
    if unit is None:
        return {"loaded": False}
    if ImportBatch.objects.filter(unit=unit, file_name=FIRST_FILE).exists():
        return {"loaded": False, "person": Person.objects.get(nik=STORY_NIK).pk}
    first = _import(actor, unit, FIRST_FILE, _file())
    second = _import(actor, unit, CORRECTED_FILE, _file(raise_first_to=2_600_000))
    person = Person.objects.get(nik=STORY_NIK)
    person.phone = NEW_PHONE
    admin_save(actor=actor, instance=person, note="nomor HP diperbarui atas permintaan peserta")
    return {
        "loaded": True,
        "batches": [first.pk, second.pk],
        "created": first.new,
        "changed": second.changed,
        "person": person.pk,
    }
