"""Writing coverage data: loading denominator values and the branch's participant counts.

Keyword-only, transactional and audited like every service. A file's rows are upserted by their
natural key (region, kind and date for a denominator; region and date for a participant count):
a row equal to the stored one changes nothing, a different value replaces it with an audited
update. Rows with problems are reported and skipped; the others are loaded (as intake does).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from cakupan.accounts.audit import Actor, diff, record_changes_bulk, snapshot
from cakupan.accounts.models import Action
from cakupan.coverage.loaders import (
    MESSAGES,
    DenominatorRow,
    Issue,
    ParticipantRow,
    read_denominators,
    read_participant_counts,
)
from cakupan.coverage.models import Denominator, ParticipantCount
from cakupan.wilayah.models import Region


@dataclass
class LoadResult:
    """What a load did: file rows, rows created / updated / unchanged, rows rejected and why."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    issues: list[Issue] = field(default_factory=list)
    dry_run: bool = False

    @property
    def rejected(self) -> int:
        return len({i.row for i in self.issues})

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "issues": [
                {"row": i.row, "column": i.column, "code": i.code, "message": i.message}
                for i in self.issues
            ],
            "dry_run": self.dry_run,
        }


def _known_regions(
    rows: Sequence[DenominatorRow | ParticipantRow], issues: list[Issue], column: str
) -> list[Any]:
    """``rows`` whose region code exists; the others become issues."""
    known = set(
        Region.objects.filter(code__in={r.region_code for r in rows}).values_list("code", flat=True)
    )
    kept = []
    for row in rows:
        if row.region_code in known:
            kept.append(row)
        else:
            issues.append(
                Issue(
                    row.row,
                    column,
                    "region_unknown",
                    MESSAGES["region_unknown"].format(value=row.region_code),
                )
            )
    return kept


def _upsert(
    *,
    actor: Actor,
    model: type[Denominator] | type[ParticipantCount],
    key_fields: tuple[str, ...],
    values: list[dict[str, Any]],
    result: LoadResult,
    note: str,
) -> None:
    """Create or update ``values`` (field dicts) by ``key_fields``, one audit row per change."""
    fields = model.AUDITED_FIELDS
    region_codes = {v["region_id"] for v in values}
    existing = {
        tuple(getattr(obj, f) for f in key_fields): obj
        for obj in model.objects.filter(region_id__in=region_codes)
    }
    new: list[Any] = []
    changed: list[tuple[Any, dict[str, Any], dict[str, Any]]] = []
    for value in values:
        key = tuple(value[f] for f in key_fields)
        obj = existing.get(key)
        if obj is None:
            new.append(model(**value))
            continue
        before = snapshot(obj, fields)
        for name, v in value.items():
            setattr(obj, name, v)
        old, updated = diff(before, snapshot(obj, fields))
        if updated:
            changed.append((obj, old, updated))
        else:
            result.unchanged += 1
    model.objects.bulk_create(new)
    if changed:
        model.objects.bulk_update(
            [c[0] for c in changed], [f for f in fields if f != "region"] + ["updated_at"]
        )
    label = model._meta.label_lower
    record_changes_bulk(
        actor=actor,
        rows=[(Action.CREATE, label, obj.pk, None, snapshot(obj, fields)) for obj in new]
        + [(Action.UPDATE, label, obj.pk, old, upd) for obj, old, upd in changed],
        note=note,
    )
    result.created += len(new)
    result.updated += len(changed)


@transaction.atomic
def denominators_load(
    *, actor: Actor, data: bytes, filename: str, kind: str | None = None, dry_run: bool = False
) -> LoadResult:
    """Load denominator values from a CSV/XLSX/XLS/ODS file (``loaders.read_denominators``).

    Raises intake's ``FileError`` when the file itself cannot be used. ``dry_run``: check and
    count, then roll everything back.
    """
    loaded = read_denominators(data, filename, kind=kind)
    result = LoadResult(rows=loaded.total_rows, issues=list(loaded.issues), dry_run=dry_run)
    rows: list[DenominatorRow] = _known_regions(
        loaded.rows, result.issues, loaded.columns.get("region", "")
    )
    now = timezone.now()
    _upsert(
        actor=actor,
        model=Denominator,
        key_fields=("region_id", "kind", "valid_from"),
        values=[
            {
                "region_id": r.region_code,
                "kind": r.kind,
                "valid_from": r.valid_from,
                "value": r.value,
                "source": r.source,
                "published_on": r.published_on,
                "note": r.note,
                "updated_at": now,
            }
            for r in rows
        ],
        result=result,
        note=f"berkas {filename[:200]}",
    )
    result.issues.sort(key=lambda i: (i.row, i.column))
    if dry_run:
        transaction.set_rollback(True)
    return result


@transaction.atomic
def participant_counts_load(
    *, actor: Actor, data: bytes, filename: str, dry_run: bool = False
) -> LoadResult:
    """Load a branch's active participant counts per region and date from a file."""
    loaded = read_participant_counts(data, filename)
    result = LoadResult(rows=loaded.total_rows, issues=list(loaded.issues), dry_run=dry_run)
    rows: list[ParticipantRow] = _known_regions(
        loaded.rows, result.issues, loaded.columns.get("region", "")
    )
    now = timezone.now()
    _upsert(
        actor=actor,
        model=ParticipantCount,
        key_fields=("region_id", "as_of"),
        values=[
            {
                "region_id": r.region_code,
                "as_of": r.as_of,
                "pu": r.pu,
                "bpu": r.bpu,
                "construction": r.construction,
                "source": r.source,
                "updated_at": now,
            }
            for r in rows
        ],
        result=result,
        note=f"berkas {filename[:200]}",
    )
    result.issues.sort(key=lambda i: (i.row, i.column))
    if dry_run:
        transaction.set_rollback(True)
    return result
