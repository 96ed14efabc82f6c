"""``cakupan privacy report|purge``: data-subject rights and retention (UU 27/2022 PDP).

    cakupan privacy report NIK [--json]
    cakupan privacy purge [--dry-run] [--on YYYY-MM-DD] [--json]

``report`` prints everything held about the person with that NIK and every access to it
(``privacy.subject``); running it is written to the access log as an export (channel ``cli``). The
CLI acts as ``accounts.access.SYSTEM``: the whole registry. A text that is no NIK, or a NIK no person
holds, exits 2 with an Indonesian message; with ``--json`` stdout also carries
``{"error": {"code", "message"}}`` (codes ``nik_invalid``, ``person_unknown``, ``date_invalid``).

``purge`` removes or anonymises what is past its retention period (``privacy.services``) in one
transaction and prints the counts; ``--dry-run`` only counts and writes nothing. ``--on`` runs it
as of another day (a rehearsal of next year's purge with ``--dry-run``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import Source
from cakupan.common.commands import ReportCommand, to_json, usage_error
from cakupan.common.errors import DomainError
from cakupan.privacy import selectors, services


class Command(ReportCommand):
    help = "Pelindungan data pribadi: laporan subjek data (report) dan retensi (purge)."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        report = sub.add_parser("report", help="semua data dan akses tentang satu orang")
        report.add_argument("nik", help="NIK orang itu (16 digit)")
        super().add_arguments(report)
        purge = sub.add_parser("purge", help="hapus/anonimkan data yang melewati masa simpan")
        purge.add_argument("--dry-run", action="store_true", help="hitung saja, tidak mengubah")
        purge.add_argument("--on", help="per tanggal (YYYY-MM-DD), bawaan hari ini")
        super().add_arguments(purge)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except DomainError as error:
            if options.get("as_json"):
                self.stdout.write(to_json({"error": error.as_dict()}))
            raise usage_error(error.message) from None

    def _report(self, options: dict[str, Any]) -> None:
        actor = Actor.system(source=Source.CLI, label="cli:privacy report")
        report = selectors.subject_report(actor=actor, nik=options["nik"], purpose="CLI")
        self.emit(report, _report_lines(report), as_json=options["as_json"])

    def _purge(self, options: dict[str, Any]) -> None:
        on = _date(options["on"]) if options["on"] else None
        actor = Actor.system(source=Source.CLI, label="cli:privacy purge")
        result = services.retention_purge(actor=actor, on=on, dry_run=options["dry_run"])
        self.emit(result.as_dict(), _purge_lines(result), as_json=options["as_json"])


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise DomainError(
            f"--on harus tanggal yang ada, berformat YYYY-MM-DD, bukan {text!r}.",
            code="date_invalid",
        ) from None


def _report_lines(report: dict[str, Any]) -> list[str]:
    person = report["person"]
    domicile = person["domicile"]
    lines = [
        f"Laporan subjek data: {person['name']} (NIK {person['nik']})",
        f"  jenis kelamin {person['sex']}, lahir {person['birth_date']:%d-%m-%Y}, "
        f"domisili {domicile['code'] + ' ' + domicile['name'] if domicile else '-'}",
        f"  HP {person['phone'] or '-'}, KK {person['kk_number'] or '-'}",
        f"Kepesertaan ({len(report['memberships'])}):",
    ]
    for m in report["memberships"]:
        end = f"{m['end_date']:%d-%m-%Y}" if m["end_date"] else "sekarang"
        lines.append(
            f"  #{m['id']} {m['unit']['code']} {m['unit']['name']}, {m['segment']}, "
            f"{m['start_date']:%d-%m-%Y} s.d. {end}, {m['status']}, upah {int(m['wage'])}"
        )
    lines.append(f"Baris impor ({len(report['intake'])}):")
    for r in report["intake"]:
        lines.append(
            f"  batch #{r['batch_id']} {r['file_name']} baris {r['row_number']}"
            f" ({len(r['issues'])} catatan)"
        )
    lines.append(f"Baris tagihan ({len(report['bill_lines'])}):")
    for b in report["bill_lines"]:
        lines.append(
            f"  tagihan #{b['bill_id']} {b['month']:%m-%Y} {b['programme']}: {int(b['total'])}"
        )
    lines.append(f"Klaim ({len(report['claims'])}):")
    for c in report["claims"]:
        role = "peserta" if c["role"] == "insured" else "ahli waris"
        lines.append(f"  {c['number']} ({role}) {c['type']} {c['status']}")
    lines.append(f"Perubahan data ({len(report['changes'])}):")
    for e in report["changes"]:
        lines.append(
            f"  {e['at']:%Y-%m-%d %H:%M} {e['actor']} {e['action']} {e['entity']}#{e['entity_id']}"
        )
    lines.append(f"Akses ({len(report['accesses'])}):")
    for e in report["accesses"]:
        lines.append(
            f"  {e['at']:%Y-%m-%d %H:%M} {e['actor']} ({e['source']}) {e['action']} "
            f"{e['entity']}#{e['entity_id']} {e['note']}".rstrip()
        )
    return lines


def _purge_lines(result: services.PurgeResult) -> list[str]:
    head = "Simulasi retensi (tidak ada yang diubah)" if result.dry_run else "Retensi dijalankan"
    return [
        f"{head} per {result.on:%d-%m-%Y}:",
        f"  batch impor ditutup s.d. {result.intake_cutoff:%d-%m-%Y}: {result.batches} "
        f"({result.files} berkas, {result.issues} teks masalah)",
        f"  orang dengan semua kepesertaan berakhir s.d. {result.membership_cutoff:%d-%m-%Y}: "
        f"{result.persons} dianonimkan ({result.memberships} kepesertaan)",
    ]
