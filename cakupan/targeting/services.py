"""Loading a DTSEN/P3KE list for a kabupaten/kota (keyword-only, transactional, audited).

The file goes through the intake readers (content decides the type; CSV, XLSX, XLS, ODS) and the
checks of :mod:`cakupan.targeting.validation`. When at least one row is accepted the list becomes
the region's current one: the accepted people are written with ``COPY`` and one audit row each,
and the previous list of the region is retired and its people deleted (audited the same way).
A file whose rows are all rejected changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import lru_cache

import polars as pl
from django.db import transaction

from cakupan.accounts.audit import Actor, record_changes_sql, snapshot_sql
from cakupan.accounts.models import Action
from cakupan.common.bulk import copy_rows, reserve_ids
from cakupan.common.errors import DomainError
from cakupan.intake import readers
from cakupan.intake.storage import intake_limits
from cakupan.registry.models import Occupation
from cakupan.targeting.models import Candidate, CandidateList, ListSource
from cakupan.targeting.validation import Checked, Context, check_list, normalise_label
from cakupan.wilayah.models import Region, RegionKind
from cakupan.wilayah.selectors import region_subtree_q

__all__ = ["LoadResult", "TargetingError", "candidate_list_load"]

REGENCY_KINDS = (RegionKind.KABUPATEN, RegionKind.KOTA)


class TargetingError(DomainError):
    """A load or plan that cannot be done as asked (``code`` stable, ``message`` Indonesian)."""


@dataclass(frozen=True)
class LoadResult:
    checked: Checked
    candidate_list: CandidateList | None  # None: nothing accepted, nothing changed
    retired: int  # people of the previous list deleted


@lru_cache(maxsize=1)
def _region_code_sets(
    _version: int,
) -> tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str]]:
    by_level: dict[int, set[str]] = {1: set(), 2: set(), 3: set(), 4: set()}
    for code, level in Region.objects.values_list("code", "level").iterator(chunk_size=20000):
        by_level[level].add(code)
    return tuple(frozenset(by_level[level]) for level in (1, 2, 3, 4))  # type: ignore[return-value]


def build_context(*, region: Region, today: dt.date) -> Context:
    """What checking a list of ``region`` needs, read from the database once."""
    provinces, regencies, districts, desa = _region_code_sets(Region.objects.count())
    area = dict(
        Region.objects.filter(
            region_subtree_q(region.code, "code"),
            kind__in=[RegionKind.DESA, RegionKind.KELURAHAN],
            valid_to__isnull=True,
        ).values_list("code", "name")
    )
    occupations: dict[str, int] = {}
    for pk, code, name in Occupation.objects.values_list("pk", "code", "name"):
        occupations[normalise_label(code)] = pk
        occupations[normalise_label(name)] = pk
    return Context(
        region_code=region.code,
        region_name=region.name,
        today=today,
        area_desa=area,
        known_desa=desa,
        province_codes=provinces,
        regency_codes=regencies,
        district_codes=districts,
        occupations=occupations,
    )


_AUDIT_FIELDS = {
    "nik": "c.nik",
    "name": "c.name",
    "sex": "c.sex",
    "birth_date": "c.birth_date",
    "desa": "c.desa_id",
    "desil": "c.desil",
    "occupation": "c.occupation_id",
    "household": "c.household",
}


def _audit_candidates(*, actor: Actor, list_id: int, action: str, note: str) -> int:
    """One audit row per candidate of list ``list_id`` (before deleting, or after writing)."""
    values = snapshot_sql(_AUDIT_FIELDS)
    before, after = ("NULL::jsonb", values) if action == Action.CREATE else (values, "NULL::jsonb")
    return record_changes_sql(
        actor=actor,
        select=(
            f"SELECT %(action)s, 'targeting.candidate', c.id::text, {before}, {after} "  # noqa: S608 - constant SQL
            f"FROM {Candidate._meta.db_table} c WHERE c.candidate_list_id = %(list_id)s"
        ),
        params={"action": action, "list_id": list_id},
        note=note,
    )


@transaction.atomic
def candidate_list_load(
    *,
    actor: Actor,
    region: Region,
    data: bytes,
    file_name: str,
    source: str = ListSource.DTSEN,
    today: dt.date,
) -> LoadResult:
    """Check a DTSEN/P3KE file for kabupaten/kota ``region`` and make it the current list.

    Raises ``FileError`` when the file itself is unusable (unreadable, no header, a required
    column missing) and :class:`TargetingError` (``region_not_regency``, ``source_invalid``)
    for a region that is not a kabupaten/kota or an unknown source.
    """
    if region.kind not in REGENCY_KINDS:
        raise TargetingError(
            code="region_not_regency",
            message=f"{region.code} {region.name} bukan kabupaten/kota: daftar DTSEN/P3KE dimuat "
            "per kabupaten/kota.",
        )
    if source not in ListSource.values:
        raise TargetingError(
            code="source_invalid",
            message=f"Sumber daftar tidak dikenal: {source} (pilihan: {', '.join(ListSource.values)}).",
        )
    sheet = readers.read_upload(data, file_name, limits=intake_limits())
    checked = check_list(sheet, build_context(region=region, today=today))
    clean = checked.clean
    if clean.height == 0:
        return LoadResult(checked=checked, candidate_list=None, retired=0)

    retired = 0
    for old in CandidateList.objects.select_for_update().filter(region=region, is_current=True):
        retired += _audit_candidates(
            actor=actor,
            list_id=old.pk,
            action=Action.DELETE,
            note=f"daftar {old.pk} diganti berkas {file_name[-100:]}",
        )
        Candidate.objects.filter(candidate_list=old).delete()
        old.is_current = False
        old.save(update_fields=["is_current"])

    new = CandidateList.objects.create(
        region=region,
        source=source,
        file_name=file_name[-255:],
        file_sha256=hashlib.sha256(data).hexdigest(),
        loaded_by=actor.user,
        rows=checked.rows,
        accepted=clean.height,
        rejected=checked.rejected,
    )
    ids = reserve_ids(Candidate, clean.height)
    frame = clean.with_columns(id=pl.Series(ids, dtype=pl.Int64), list_id=pl.lit(new.pk))
    copy_rows(
        Candidate,
        [
            "id",
            "candidate_list_id",
            "row_number",
            "nik",
            "name",
            "sex",
            "birth_date",
            "desa_id",
            "desil",
            "occupation_id",
            "occupation_text",
            "household",
        ],
        frame.select(
            "id",
            "list_id",
            "row_number",
            "nik",
            "name",
            "sex",
            "birth_date",
            "desa",
            "desil",
            "occupation_id",
            "occupation_text",
            "household",
        ).iter_rows(),
    )
    _audit_candidates(
        actor=actor,
        list_id=new.pk,
        action=Action.CREATE,
        note=f"muat daftar {new.get_source_display()} {file_name[-100:]}",
    )
    return LoadResult(checked=checked, candidate_list=new, retired=retired)
