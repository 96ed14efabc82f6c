"""``cakupan intake FILE --unit CODE`` and ``cakupan intake template --segment S``.

``intake FILE`` checks an enrolment file and (unless ``--dry-run``) commits it to the registry.
Exit code 0 when the file was processed, even with rejected rows; 2 when the file itself cannot
be used (the reason is printed, or given as JSON ``{"error": {"code", "message"}}``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import Source
from cakupan.common.commands import ReportCommand, to_json, usage_error
from cakupan.intake import services
from cakupan.intake.defaults import default_segment
from cakupan.intake.schema import FileError
from cakupan.registry.models import Segment, Unit


class Command(ReportCommand):
    help = "Impor berkas peserta (XLSX/XLS/ODS/CSV) untuk satu unit, atau buat templat (intake template)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("target", help="berkas yang diimpor, atau 'template'")
        parser.add_argument("--unit", help="kode unit (lihat: cakupan units list)")
        parser.add_argument("--segment", choices=Segment.values, help="segmen peserta dalam berkas")
        parser.add_argument(
            "--dry-run", action="store_true", help="periksa saja, jangan simpan ke registri"
        )
        parser.add_argument("--out", help="template: berkas XLSX keluaran")
        parser.add_argument("--error-file", help="tulis berkas hasil pemeriksaan (XLSX) ke sini")
        parser.add_argument(
            "--max-issues", type=int, default=1000, help="jumlah masalah maksimum dalam JSON"
        )
        super().add_arguments(parser)

    def _unit(self, code: str | None) -> Unit | None:
        if code is None:
            return None
        unit = Unit.objects.select_related("region").filter(code=code).first()
        if unit is None:
            raise usage_error(f"Unit tidak dikenal: {code} (lihat: cakupan units list)")
        return unit

    def handle(self, *args: Any, **options: Any) -> None:
        if options["target"] == "template":
            self._template(options)
        else:
            self._intake(options)

    def _template(self, options: dict[str, Any]) -> None:
        unit = self._unit(options["unit"])
        segment = options["segment"] or (default_segment(unit.kind) if unit else None)
        if segment is None:
            raise usage_error("Sebutkan --segment (atau --unit yang segmennya jelas).")
        if not options["out"]:
            raise usage_error("Sebutkan berkas keluaran dengan --out FILE.xlsx")
        data = services.template_file(segment=segment, unit=unit)
        Path(options["out"]).write_bytes(data)
        self.emit(
            {
                "template": options["out"],
                "segment": segment,
                "unit": unit.code if unit else None,
                "bytes": len(data),
            },
            [f"Templat {Segment(segment).label} ditulis ke {options['out']}"],
            as_json=options["as_json"],
        )

    def _intake(self, options: dict[str, Any]) -> None:
        path = Path(options["target"])
        if not path.is_file():
            raise usage_error(f"Berkas tidak ditemukan: {path}")
        unit = self._unit(options["unit"])
        if unit is None:
            raise usage_error("Sebutkan unit dengan --unit KODE (lihat: cakupan units list)")
        segment = options["segment"] or default_segment(unit.kind)
        if segment is None:
            raise usage_error(f"Segmen unit {unit.code} tidak dapat ditebak; sebutkan --segment.")
        actor = Actor.system(source=Source.CLI, label="cakupan intake")
        show_progress = not options["as_json"]

        def progress(phase: str, done: int, total: int) -> None:
            if show_progress:
                self.stderr.write(f"\r{phase}: {done}/{total}   ", ending="")

        try:
            batch = services.batch_create(
                actor=actor, unit=unit, segment=segment, file_name=path.name, data=path.read_bytes()
            )
            outcome = services.batch_process(
                batch=batch, actor=actor, commit=not options["dry_run"], progress=progress
            )
        except FileError as error:
            if options["as_json"]:
                self.stdout.write(
                    to_json({"error": {"code": error.code, "message": error.message}})
                )
            raise usage_error(f"Berkas tidak dapat dipakai: {error.message}") from None
        if show_progress:
            self.stderr.write("")
        batch = outcome.batch
        error_file = None
        if outcome.issues.height:
            error_file = options["error_file"] or str(
                path.with_name(f"{path.stem}-hasil-periksa.xlsx")
            )
            Path(error_file).write_bytes(services.annotated_file(batch=batch))
        limit = options["max_issues"]
        entries = outcome.issues.select(
            "row_number", "column", "code", "message", "severity"
        ).to_dicts()
        errors = [
            {k: e[k] for k in ("row_number", "column", "code", "message")}
            for e in entries
            if e["severity"] == "error"
        ]
        warnings = [
            {k: e[k] for k in ("row_number", "column", "code", "message")}
            for e in entries
            if e["severity"] == "warning"
        ]
        rename = lambda items: [{"row": i.pop("row_number"), **i} for i in items[:limit]]  # noqa: E731
        data = {
            "batch": batch.pk,
            "status": batch.status,
            "rows": batch.rows,
            "accepted": batch.accepted,
            "new": batch.new,
            "changed": batch.changed,
            "unchanged": batch.unchanged,
            "rejected": batch.rejected,
            "errors": rename(errors),
            "warnings": rename(warnings),
            "errors_total": len(errors),
            "warnings_total": len(warnings),
            "error_file": error_file,
            "dry_run": options["dry_run"],
            "already_imported_batch": outcome.already_imported.pk
            if outcome.already_imported
            else None,
        }
        lines = [
            f"Batch #{batch.pk} ({unit.name}, {Segment(segment).label}): {batch.rows} baris, "
            f"diterima {batch.accepted}, ditolak {batch.rejected}",
            f"  baru {batch.new}, berubah {batch.changed}, tidak berubah {batch.unchanged}"
            + (" (pemeriksaan saja, registri tidak diubah)" if options["dry_run"] else ""),
        ]
        if not options["dry_run"] and batch.new == 0 and batch.changed == 0:
            lines.append(
                "  Tidak ada perubahan: semua baris yang diterima sudah sama dengan registri."
            )
        if outcome.already_imported:
            lines.append(
                f"  Berkas yang sama sudah diimpor sebelumnya (batch #{outcome.already_imported.pk})."
            )
        for entry in entries[:20]:
            lines.append(f"  baris {entry['row_number']}: [{entry['code']}] {entry['message']}")
        if len(entries) > 20:
            lines.append(f"  ... dan {len(entries) - 20} masalah lain")
        if error_file:
            lines.append(f"Berkas hasil pemeriksaan: {error_file}")
        self.emit(data, lines, as_json=options["as_json"])
