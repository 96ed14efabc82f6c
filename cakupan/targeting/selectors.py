"""Reading targeting data: who may plan, the current lists, and the enrolment file (an export of
personal data, logged here as ``accounts.audit`` requires)."""

from __future__ import annotations

from typing import Any

from cakupan.accounts import access
from cakupan.accounts.access import MaybeViewer
from cakupan.accounts.audit import Actor, record_access
from cakupan.accounts.models import Action, Role
from cakupan.common.money import format_rupiah
from cakupan.registry.models import FundingSource, Segment
from cakupan.targeting.models import Candidate, CandidateList
from cakupan.targeting.plan import APBD, TargetingPlan
from cakupan.targeting.workbook import EnrolmentRow, enrolment_workbook
from cakupan.wilayah.models import Region, RegionKind

__all__ = ["enrolment_export", "may_plan", "plan_as_dict", "plannable_regions"]


def may_plan(user: MaybeViewer) -> bool:
    """Admin kabupaten/kota and the Disnaker (an OPD that verifies pekerja rentan); superadmin."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    role = getattr(user, "role", "")
    if role in (Role.SUPERADMIN, Role.ADMIN_KABUPATEN):
        return True
    unit = getattr(user, "unit", None)
    return bool(
        role == Role.OPERATOR_OPD
        and unit is not None
        and Segment.PEKERJA_RENTAN in (unit.verifies_segments or [])
    )


def plannable_regions(user: MaybeViewer) -> list[Region] | None:
    """The regions ``user`` may plan (``None``: any), as the budget planner offers them."""
    return access.regions_plannable_by(user) if may_plan(user) else []


def lists_of(region: Region) -> list[CandidateList]:
    """The lists loaded for ``region``'s kabupaten/kota, newest first (no personal data)."""
    return list(CandidateList.objects.filter(region_id=region.code[:5]).order_by("-loaded_at"))


def enrolment_export(*, actor: Actor, plan: TargetingPlan, desa: str | None = None) -> bytes:
    """The plan's enrolment file (optionally one desa's people); logs the export of the people."""
    ids = plan.selected
    people = {
        c.pk: c
        for c in Candidate.objects.filter(pk__in=ids).select_related("occupation", "desa")
        if desa is None or c.desa_id == desa
    }
    ordered = [people[pk] for pk in ids if pk in people]
    record_access(
        actor=actor,
        action=Action.EXPORT,
        entity="targeting.candidate",
        entity_id="*",
        shown=[c.pk for c in ordered],
        note=f"berkas pendaftaran rencana pekerja rentan {plan.region.code} {plan.request.year}",
    )
    rows = [
        EnrolmentRow(
            nik=c.nik,
            name=c.name,
            sex=c.sex,
            birth_date=c.birth_date,
            desa=c.desa_id,
            household=c.household,
            occupation=c.occupation.name if c.occupation else "",
            funding_source=str(
                FundingSource.APBD_KABKOTA.label
                if plan.request.payer == APBD or c.desa.kind == RegionKind.KELURAHAN
                else FundingSource.APBDES_ADD.label
            ),
            income=plan.income,
            start_date=plan.reference_day,
        )
        for c in ordered
    ]
    summary = [
        ("Rencana pendaftaran pekerja rentan", f"{plan.region.code} {plan.region.name}"),
        ("Tahun", str(plan.request.year)),
        (
            "Daftar sumber",
            f"{plan.candidate_list.get_source_display()}: {plan.candidate_list.file_name}",
        ),
        ("Orang per desa (paling banyak)", str(plan.request.per_desa)),
        ("Orang dalam berkas ini", str(len(rows))),
        ("Iuran satu orang setahun", format_rupiah(plan.person_year)),
        ("Segmen saat diunggah", str(Segment.PEKERJA_RENTAN.label)),
        ("Tanggal mulai", plan.reference_day.strftime("%d-%m-%Y")),
    ]
    return enrolment_workbook(rows, summary)


def plan_as_dict(plan: TargetingPlan) -> dict[str, Any]:
    """The JSON contract of ``cakupan targeting plan`` (amounts as integer rupiah; no names)."""
    r = plan.request
    return {
        "region": {"code": plan.region.code, "name": plan.region.name},
        "year": r.year,
        "list": {
            "id": plan.candidate_list.pk,
            "source": plan.candidate_list.source,
            "file_name": plan.candidate_list.file_name,
            "loaded_at": plan.candidate_list.loaded_at,
        },
        "criteria": {
            "per_desa": r.per_desa,
            "desil_max": r.desil_max,
            "min_age": r.min_age,
            "max_age": r.max_age,
            "age_on": plan.reference_day,
            "payer": r.payer,
            "budget": r.budget,
            "income": plan.income,
        },
        "price": {"monthly": plan.monthly, "person_year": plan.person_year},
        "total": {
            "selected": plan.total_selected,
            "cost": plan.total_cost,
            "desa": len(plan.desa),
            "desa_short": len(plan.short_desa),
        },
        "budget": (
            None
            if r.budget is None
            else {
                "amount": r.budget,
                "funded_per_desa": plan.funded_per_desa,
                "desa_with_one_more": plan.extra_desa,
                "left": r.budget - plan.total_cost,
            }
        ),
        "excluded": plan.excluded,
        "desa": [
            {
                "code": d.code,
                "name": d.name,
                "kind": d.kind,
                "kecamatan": d.kecamatan,
                "listed": d.listed,
                "eligible": d.eligible,
                "selected": d.selected,
                "short": max(0, r.per_desa - d.selected),
                "by_desil": {str(k): v for k, v in sorted(d.by_desil.items())},
                "cost": d.cost,
            }
            for d in plan.desa
        ],
        "payers": [
            {
                "key": p.key,
                "name": p.name,
                "budget": p.budget,
                "region_code": p.region_code,
                "people": p.people,
                "amount": p.amount,
            }
            for p in plan.payers
        ],
        "notes": plan.notes,
    }
