"""Intake use cases: upload a file, check it, commit it, move it through the workflow.

Checking never writes to the registry. Committing runs the whole pipeline again from the stored file
inside one transaction (so a crash leaves nothing half-written and a rerun completes it); a file
committed twice changes nothing the second time and says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import polars as pl
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from cakupan.accounts.audit import Actor, record_change
from cakupan.accounts.models import Action
from cakupan.common.pii import mask_name
from cakupan.intake import readers
from cakupan.intake.columns.vocabulary import Vocabulary
from cakupan.intake.defaults import default_funding, default_scheme
from cakupan.intake.headers import HeaderMapping, map_headers, normalise_header
from cakupan.intake.models import (
    BatchMembership,
    BatchStatus,
    HeaderMemory,
    ImportBatch,
    ImportIssue,
    Phase,
    ValueMemory,
)
from cakupan.intake.schema import FIELD_LABELS, FileError, FileIssue, RowIssue, file_error
from cakupan.intake.storage import intake_limits, read_upload, store_upload
from cakupan.intake.validation import Context, Result, normalise_label, validate
from cakupan.registry import vocabulary
from cakupan.registry.models import FundingSource, Occupation, Scheme, Segment, Unit
from cakupan.registry.occupations import other_code
from cakupan.registry.services import bulk as registry_bulk
from cakupan.wilayah.models import Region, RegionKind
from cakupan.wilayah.selectors import region_subtree_q

Progress = Callable[[str, int, int], None]


@lru_cache(maxsize=1)
def _region_code_sets(
    _version: int,
) -> tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str]]:
    by_level: dict[int, set[str]] = {1: set(), 2: set(), 3: set(), 4: set()}
    for code, level in Region.objects.values_list("code", "level").iterator(chunk_size=20000):
        by_level[level].add(code)
    return tuple(frozenset(by_level[level]) for level in (1, 2, 3, 4))  # type: ignore[return-value]


def _labels(choices: Sequence[tuple[Any, Any]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for value, label in choices:
        table[normalise_label(str(value))] = value
        table[normalise_label(str(label))] = value
    return table


def build_context(
    *, unit: Unit, segment: str, today: dt.date, start_date: dt.date | None = None
) -> Context:
    """Everything :func:`validation.validate` needs, read from the database once per file."""
    provinces, regencies, districts, desa = _region_code_sets(Region.objects.count())
    area = dict(
        Region.objects.filter(
            region_subtree_q(unit.region_id, "code"),
            kind__in=[RegionKind.DESA, RegionKind.KELURAHAN],
            valid_to__isnull=True,
        ).values_list("code", "name")
    )
    occupations: dict[str, int] = {}
    occupation_ids: dict[str, int] = {}
    occupation_exact: dict[str, str] = {}
    other: tuple[int, str] | None = None
    for pk, code, name in Occupation.objects.values_list("pk", "code", "name"):
        occupations[normalise_label(code)] = pk
        occupations[normalise_label(name)] = pk
        occupation_ids[code] = pk
        occupation_exact[normalise_label(code)] = occupation_exact[normalise_label(name)] = code
        if code == other_code(segment):
            other = (pk, name)
    scheme = default_scheme(segment)
    schemes = _labels(Scheme.choices) | {"pu": Scheme.PU, "bpu": Scheme.BPU}
    funding_sources = _labels(FundingSource.choices)
    segments = _labels(Segment.choices)
    rules = vocabulary.rules()
    memory: dict[str, dict[str, str]] = {}
    for field_value, value, target in ValueMemory.objects.filter(unit=unit).values_list(
        "field", "value", "target"
    ):
        memory.setdefault(field_value, {})[value] = target
    return Context(
        segment=segment,
        scheme=scheme,
        funding_source=default_funding(unit.kind, segment),
        today=today,
        start_date=start_date or today,
        age_limits=tuple(settings.INTAKE_AGE_LIMITS[segment]),  # type: ignore[arg-type]
        wage_bounds={k: tuple(v) for k, v in settings.INTAKE_WAGE_BOUNDS.items()},  # type: ignore[misc]
        province_codes=provinces,
        regency_codes=regencies,
        district_codes=districts,
        known_desa=desa,
        area_desa=area,
        default_desa=unit.region_id if unit.region.level == 4 else None,
        occupations=occupations,
        funding_sources=funding_sources,
        segments=segments,
        schemes=schemes,
        vocabularies={
            "occupation": Vocabulary(exact=occupation_exact, rules=rules["occupation"]),
            "funding_source": Vocabulary(exact=funding_sources, rules=rules["funding_source"]),
            "scheme": Vocabulary(exact=schemes, rules=rules["scheme"]),
            "segment": Vocabulary(exact=segments, rules=rules["segment"]),
        },
        value_memory=memory,
        occupation_ids=occupation_ids,
        occupation_other=other,
    )


def batch_create(
    *, actor: Actor, unit: Unit, segment: str, file_name: str, data: bytes
) -> ImportBatch:
    """Keep an uploaded file (server-generated name, hash) as a draft batch. Too large: FileError."""
    limit = settings.INTAKE_MAX_UPLOAD_BYTES
    if len(data) > limit:
        raise file_error(
            FileIssue.TOO_LARGE, size=round(len(data) / 2**20, 1), limit=limit // 2**20
        )
    if not data:
        raise file_error(FileIssue.EMPTY)
    path, digest = store_upload(data, uploader_id=actor.user.pk if actor.user else None)
    return ImportBatch.objects.create(
        unit=unit,
        segment=segment,
        created_by=actor.user,
        source=actor.source,
        file_name=file_name[-255:],
        file_path=path,
        file_sha256=digest,
        file_size=len(data),
    )


def remember_mapping(*, unit: Unit, mapping: dict[str, str]) -> None:
    """Store an operator's choice {original header: field} for the unit's next files."""
    for header, field_value in mapping.items():
        HeaderMemory.objects.update_or_create(
            unit=unit, header=normalise_header(header), defaults={"field": field_value}
        )


# The coded fields whose values an operator may map (``ValueMemory.field``).
VALUE_FIELDS = vocabulary.FIELDS


@transaction.atomic
def remember_values(
    *, actor: Actor, unit: Unit, field: str, mapping: Mapping[str, str | None]
) -> int:
    """Store an operator's mapping of a coded field's values ``{normalised value: target}`` for the
    unit's next files; a target of None forgets the value (the vocabulary decides again).

    ``target`` is a code of the field (an occupation code, a funding source ...) or
    ``schema.IGNORE`` ("abaikan": the value counts as empty). Returns the values changed; each change
    is audited on the unit.
    """
    if field not in VALUE_FIELDS:
        raise ValueError(field)
    before = dict(
        ValueMemory.objects.filter(unit=unit, field=field, value__in=list(mapping)).values_list(
            "value", "target"
        )
    )
    changed = 0
    for value, target in mapping.items():
        if before.get(value) == target:
            continue
        if target is None:
            ValueMemory.objects.filter(unit=unit, field=field, value=value).delete()
        else:
            ValueMemory.objects.update_or_create(
                unit=unit, field=field, value=value, defaults={"target": target}
            )
        record_change(
            actor=actor,
            action=Action.UPDATE,
            instance=unit,
            before={f"{field}:{value}": before.get(value)},
            after={f"{field}:{value}": target},
            note=f"pemetaan nilai {field} untuk unit {unit.code}",
        )
        changed += 1
    return changed


@transaction.atomic
def batch_queue(*, actor: Actor, batch: ImportBatch, commit: bool) -> bool:
    """Put a batch that is not being processed back to "waiting" for a check (or, with ``commit``,
    a commit); False, and nothing written, when it is being processed already.

    One conditional ``UPDATE`` (phase done -> queued, progress reset), so of two requests at once
    only one claims the batch; the claim is audited. The caller then queues the work
    (``tasks.process_batch``).
    """
    claimed = ImportBatch.objects.filter(pk=batch.pk, phase=Phase.DONE).update(
        phase=Phase.QUEUED, progress_done=0, progress_total=0
    )
    if claimed:
        record_change(
            actor=actor,
            action=Action.UPDATE,
            instance=batch,
            before={"phase": Phase.DONE.value},
            after={"phase": Phase.QUEUED.value},
            note=f"batch #{batch.pk} antre untuk "
            + ("disimpan ke registri" if commit else "diperiksa ulang"),
        )
    return bool(claimed)


def _set_progress(
    batch: ImportBatch, phase: str, done: int, total: int, progress: Progress | None
) -> None:
    batch.phase, batch.progress_done, batch.progress_total = phase, done, total
    if not connection.in_atomic_block:
        ImportBatch.objects.filter(pk=batch.pk).update(
            phase=phase, progress_done=done, progress_total=total
        )
    if progress is not None:
        progress(phase, done, total)


@dataclass(frozen=True)
class Outcome:
    """What one pass over a batch found (and, when committing, wrote)."""

    batch: ImportBatch
    result: Result | None
    issues: pl.DataFrame
    written: dict[str, int]
    already_imported: ImportBatch | None


def _registry_issues(batch: ImportBatch, today: dt.date) -> pl.DataFrame:
    """Issues that need the registry: a NIK held elsewhere, a name that differs from the registry's."""
    rows: list[dict[str, object]] = []
    unit_segment_label = dict(Segment.choices)
    for holder in registry_bulk.holders_elsewhere(
        unit=batch.unit, segment=batch.segment, today=today
    ):
        same = holder.same_segment
        rows.append(
            {
                "row_number": holder.row_number,
                "column": "",
                "field": "nik",
                "code": RowIssue.NIK_ACTIVE_ELSEWHERE
                if same
                else RowIssue.NIK_ACTIVE_OTHER_SEGMENT,
                "severity": "error" if same else "warning",
                "message": (
                    f"NIK ini sudah terdaftar di {holder.unit_name} ({holder.unit_code}) sebagai "
                    f"{unit_segment_label.get(holder.segment, holder.segment)} sejak {holder.start_date:%d-%m-%Y}"
                    + (
                        ": kemungkinan pembiayaan ganda. Akhiri kepesertaan di sana dulu atau hapus baris ini."
                        if same
                        else "; orang ini akan memiliki dua kepesertaan (dua pekerjaan)."
                    )
                ),
            }
        )
    conflict = settings.INTAKE_NAME_CONFLICT_SIMILARITY
    for row_number, file_name, registry_name, score in registry_bulk.registry_names():
        if score < conflict:
            rows.append(
                {
                    "row_number": row_number,
                    "column": "",
                    "field": "nik",
                    "code": RowIssue.NIK_NAME_CONFLICT,
                    "severity": "warning",
                    # The registry's name masked: a clearly different name is probably someone
                    # else's, which the operator who typed this NIK has no need to read.
                    "message": f'NIK ini tercatat di registri atas nama "{mask_name(registry_name)}", '
                    f'jauh berbeda dengan "{file_name}" (kemiripan nama {_score(score)}): mungkin NIK '
                    "salah ketik atau milik orang lain. Periksa NIK; bila disimpan, nama di registri "
                    "akan diganti.",
                }
            )
            continue
        rows.append(
            {
                "row_number": row_number,
                "column": "",
                "field": "name",
                "code": RowIssue.NAME_DIFFERS_FROM_REGISTRY,
                "severity": "warning",
                "message": f'Nama di berkas "{file_name}" berbeda dengan nama di registri "{registry_name}" '
                f"(kemiripan {_score(score)}); nama di registri akan diganti.",
            }
        )
    for near in registry_bulk.fuzzy_duplicates(
        max_digits=settings.INTAKE_FUZZY_NIK_DIGITS,
        min_similarity=settings.INTAKE_FUZZY_NAME_SIMILARITY,
    ):
        details = f"(NIK berbeda {near.digits} digit, kemiripan nama {_score(near.similarity)})"
        if near.other_row is not None:
            code = RowIssue.POSSIBLE_DUPLICATE_IN_FILE
            message = (
                f"Mungkin orang yang sama dengan baris {near.other_row} {details}: tanggal lahir "
                "sama, NIK hampir sama. Periksa apakah NIK salah ketik."
            )
        else:
            code = RowIssue.POSSIBLE_DUPLICATE_IN_REGISTRY
            place = f" di {near.other_desa}" if near.other_desa else ""
            message = (
                f"Mungkin orang yang sama dengan NIK ...{near.other_nik[-4:]}{place} yang sudah ada "
                f"di registri {details}: tanggal lahir sama, NIK hampir sama. Periksa apakah NIK "
                "salah ketik."
            )
        rows.append(
            {
                "row_number": near.row_number,
                "column": "",
                "field": "nik",
                "code": code,
                "severity": "warning",
                "message": message,
            }
        )
    schema = {
        "row_number": pl.UInt32,
        "column": pl.String,
        "field": pl.String,
        "code": pl.String,
        "message": pl.String,
        "severity": pl.String,
    }
    return pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)


def _score(value: float) -> str:
    """A similarity as Indonesian write it: ``0,83``."""
    return f"{value:.2f}".replace(".", ",")


def _save_issues(batch: ImportBatch, issues: pl.DataFrame) -> None:
    ImportIssue.objects.filter(batch=batch).delete()
    if issues.height == 0:
        return
    frame = issues.select(
        pl.lit(batch.pk).alias("batch_id"),
        "row_number",
        "column",
        "field",
        "code",
        "severity",
        "message",
    )
    payload = frame.write_csv(include_header=False, null_value="")
    with (
        connection.cursor() as cursor,
        cursor.copy(
            f'COPY {ImportIssue._meta.db_table} (batch_id, row_number, "column", field, code, severity, message) '
            "FROM STDIN WITH (FORMAT csv)"
        ) as copy,
    ):
        copy.write(payload.encode("utf-8"))


def _link_rows(batch: ImportBatch) -> int:
    """Remember which membership each accepted row stands for (workflow, BPJS round trip) and which
    person and membership it created (their provenance: ``BatchMembership``), from the registry's
    match table, in one statement. A re-import links the rows again and creates nothing.

    The caller holds the batch's row lock, so no other transaction links rows to this batch
    meanwhile. A batch with no links yet (every commit but a repeated one) is written with a plain
    INSERT: ``ON CONFLICT`` inserts each row speculatively and confirms it, which cost a fifth of
    the statement on a million rows; a batch linked before keeps its links, as before.
    """
    linked_before = BatchMembership.objects.filter(batch=batch).exists()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {BatchMembership._meta.db_table}
                   (batch_id, membership_id, row_number, person_created, membership_created)
            SELECT DISTINCT ON (x.membership_id)
                   %s, x.membership_id, x.row_number, x.person_new, x.membership_new
              FROM {registry_bulk.MATCH} x
             ORDER BY x.membership_id, x.row_number
            """  # noqa: S608 - our tables; the batch id is a parameter
            + (" ON CONFLICT (batch_id, membership_id) DO NOTHING" if linked_before else ""),
            [batch.pk],
        )
        return int(cursor.rowcount)


def _remembered(unit: Unit) -> dict[str, str]:
    """The unit's saved column choices ``{normalised header: field or schema.IGNORE}``."""
    return dict(HeaderMemory.objects.filter(unit=unit).values_list("header", "field"))


def _mapping_json(mapping: HeaderMapping) -> dict[str, Any]:
    return {
        "columns": {str(k): v for k, v in mapping.columns.items()},
        "combined_place_date": mapping.combined_place_date,
        "unrecognised": mapping.unrecognised,
        "ignored": mapping.ignored,
    }


def batch_process(
    *,
    batch: ImportBatch,
    actor: Actor,
    commit: bool,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> Outcome:
    """Read, validate and match a batch's file; with ``commit``, also write it to the registry.

    A file that cannot be used marks the batch failed and raises :class:`FileError`; when its
    header row was found, the batch keeps it and the headers seen (``mapping["headers"]``), so the
    page can show them and offer the column mapping without reading the file again.
    """
    today = today or timezone.localdate()
    _set_progress(batch, Phase.READING, 0, 0, progress)
    remembered = _remembered(batch.unit)
    sheet: readers.Sheet | None = None
    mapping: HeaderMapping | None = None
    try:
        sheet = readers.read_upload(
            read_upload(batch.file_path),
            batch.file_name,
            limits=intake_limits(),
            remembered=remembered,
        )
        mapping = map_headers(sheet.headers, remembered=remembered)
        if mapping.duplicates:
            field_value, headers = next(iter(mapping.duplicates.items()))
            raise file_error(
                FileIssue.DUPLICATE_COLUMNS,
                column=FIELD_LABELS[field_value],
                headers=", ".join(headers),
            )
        if mapping.missing:
            raise file_error(
                FileIssue.MISSING_COLUMNS,
                columns=", ".join(FIELD_LABELS[f] for f in mapping.missing),
            )
    except FileError as error:
        seen: dict[str, Any] = {"header_row": None, "file_type": "", "mapping": {}}
        if sheet is not None:
            seen = {
                "header_row": sheet.header_row,
                "file_type": sheet.file_type,
                "mapping": {"headers": sheet.headers}
                | (_mapping_json(mapping) if mapping is not None else {}),
            }
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.FAILED,
            phase=Phase.DONE,
            file_error={"code": error.code, "message": error.message},
            **seen,
        )
        batch.refresh_from_db()
        raise
    total = sheet.frame.height
    _set_progress(batch, Phase.VALIDATING, 0, total, progress)
    context = build_context(unit=batch.unit, segment=batch.segment, today=today)
    result = validate(sheet, mapping, context)
    _set_progress(batch, Phase.CHECKING_REGISTRY, total - result.rejected, total, progress)
    previous = (
        ImportBatch.objects.filter(
            unit=batch.unit, file_sha256=batch.file_sha256, committed_at__isnull=False
        )
        .exclude(pk=batch.pk)
        .order_by("-committed_at")
        .first()
    )
    written: dict[str, int] = {}
    with transaction.atomic():
        ImportBatch.objects.select_for_update().filter(pk=batch.pk).first()
        registry_bulk.stage_rows(result.clean)
        # A commit draws the ids of new people and memberships while matching (a check does not).
        registry_bulk.match_rows(unit=batch.unit, segment=batch.segment, reserve_ids=commit)
        extra = _registry_issues(batch, today)
        registry_bulk.drop_rows(
            extra.filter(pl.col("severity") == "error").get_column("row_number").to_list()
        )
        issues = pl.concat([result.issues.cast({"row_number": pl.UInt32}), extra]).sort(
            "row_number", maintain_order=True
        )
        rejected_rows = (
            issues.filter(pl.col("severity") == "error").get_column("row_number").n_unique()
        )
        classes = registry_bulk.classify()
        now = timezone.now()
        if commit:
            _set_progress(batch, Phase.WRITING, 0, total, progress)
            written = registry_bulk.write(
                source=registry_bulk.Source(
                    entity=ImportBatch._meta.label_lower,
                    pk=batch.pk,
                    note=f"impor batch #{batch.pk}",
                ),
                unit=batch.unit,
                segment=batch.segment,
                actor=actor,
                now=now,
            )
            written["linked"] = _link_rows(batch)
        counts = issues.group_by("code").len().sort("code")
        batch.mapping = _mapping_json(mapping) | {"values": result.values}
        batch.header_row, batch.file_type = sheet.header_row, sheet.file_type
        batch.rows, batch.rejected, batch.accepted = total, rejected_rows, total - rejected_rows
        batch.new, batch.changed, batch.unchanged = classes.new, classes.changed, classes.unchanged
        batch.issue_counts = dict(
            zip(
                counts.get_column("code").to_list(), counts.get_column("len").to_list(), strict=True
            )
        )
        batch.validated_at = now
        if commit:
            batch.committed_at = now
            batch.status = BatchStatus.COMMITTED
        elif batch.status in (BatchStatus.DRAFT, BatchStatus.FAILED):
            batch.status = BatchStatus.VALIDATED
        batch.phase, batch.progress_done, batch.progress_total, batch.file_error = (
            Phase.DONE,
            total,
            total,
            None,
        )
        batch.save()
        _save_issues(batch, issues)
    return Outcome(
        batch=batch, result=result, issues=issues, written=written, already_imported=previous
    )


def annotated_file(*, batch: ImportBatch) -> bytes:
    """The uploaded file with every issue of the batch marked (XLSX), for the operator to fix."""
    from cakupan.intake.workbooks.annotated import annotated_workbook

    sheet = readers.read_upload(
        read_upload(batch.file_path),
        batch.file_name,
        limits=intake_limits(),
        remembered=_remembered(batch.unit),
    )
    issues = list(
        batch.issues.order_by("row_number", "id").values_list(
            "row_number", "column", "code", "message", "severity"
        )
    )
    position = {n: i for i, n in enumerate(sheet.row_numbers.to_list())}
    return annotated_workbook(
        headers=sheet.headers,
        rows=sheet.frame.rows(),
        row_numbers=sheet.row_numbers.to_list(),
        header_row=sheet.header_row,
        issues=[
            (position[row], column, code, message, severity)
            for row, column, code, message, severity in issues
            if row in position
        ],
        title=f"Hasil pemeriksaan {batch.file_name} untuk {batch.unit.name} (batch #{batch.pk})",
    )


def template_file(*, segment: str, unit: Unit | None) -> bytes:
    """The XLSX enrolment template of a segment, with the dropdowns of the unit's area."""
    from cakupan.intake.workbooks.template import enrolment_template

    occupations = [
        (o.code, o.name)
        for o in Occupation.objects.filter(
            segments__contains=[segment], members__isnull=True
        ).order_by("name")
    ]
    desa: list[tuple[str, str]] = []
    if unit is not None:
        desa = list(
            Region.objects.filter(
                region_subtree_q(unit.region_id, "code"),
                kind__in=[RegionKind.DESA, RegionKind.KELURAHAN],
                valid_to__isnull=True,
            )
            .order_by("name")
            .values_list("code", "name")
        )
    return enrolment_template(
        segment=segment,
        segment_label=str(Segment(segment).label),
        unit_name=unit.name if unit else None,
        occupations=occupations,
        funding_sources=[(str(v), str(label)) for v, label in FundingSource.choices],
        desa=desa,
        default_funding=default_funding(unit.kind, segment) if unit else None,
    )
