"""Reading claims, always through the user's scope (``accounts.access.unit_scope_q`` on the claim's
unit). A claim or person outside the scope does not exist for the user: 404, never 403.

Heirs' NIKs and bank accounts are personal data: lists show them masked, and every page or export
that shows heirs is written to the access log (``record_access``) here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from cakupan.accounts.access import (
    SYSTEM,
    MaybeViewer,
    get_visible_or_404,
    limit_to_units,
    unit_scope_q,
)
from cakupan.accounts.audit import Actor, record_access
from cakupan.accounts.models import Action
from cakupan.claims.checklist import ChecklistItem, checklist
from cakupan.claims.clock import Clock, claim_clock
from cakupan.claims.display import CoverageEnded, coverage_ended
from cakupan.claims.models import (
    CLOCK_STATUSES,
    Claim,
    ClaimComponent,
    ClaimDocument,
    ClaimTransition,
    Heir,
    InstalmentStatus,
    ScholarshipInstalment,
)
from cakupan.common.nik import parse_nik
from cakupan.common.work import WorkItem
from cakupan.registry.models import Membership, Person
from cakupan.rules.benefits import school_year_of as rules_school_year_of
from cakupan.rules.params import Parameters
from cakupan.wilayah.selectors import region_subtree_q


def _user(user: MaybeViewer) -> MaybeViewer:
    """The acting user of an ``Actor``: ``None`` is the system's own work (the CLI), unrestricted."""
    return SYSTEM if user is None else user


def claims_visible_to(user: MaybeViewer) -> QuerySet[Claim]:
    """Claims of the units ``user`` can see (``None``: the CLI, unrestricted)."""
    qs = Claim.objects.select_related("person", "unit", "region", "payer")
    return limit_to_units(_user(user), qs, "unit__")


def claim_get_for(user: MaybeViewer, pk: Any) -> Claim:
    """The claim ``pk`` if ``user`` may see it; ``Http404`` otherwise (unknown, out of scope,
    malformed id alike)."""
    return get_visible_or_404(user, claims_visible_to(user), pk=pk)


def claim_get_by_number(user: MaybeViewer, number: str) -> Claim:
    return get_visible_or_404(user, claims_visible_to(user), number=number)


def person_for_claim(user: MaybeViewer, nik: str) -> Person:
    """The person with ``nik`` who has a membership in a unit ``user`` can see; ``Http404``
    otherwise, for an unknown NIK as for a person out of scope (NIKs cannot be probed)."""
    result = parse_nik(nik)
    if result.nik is None:
        raise Http404
    q = unit_scope_q(_user(user), "unit__")
    memberships = Membership.objects.filter(person__nik=result.nik)
    if q is not None:
        memberships = memberships.filter(q)
    person = Person.objects.filter(pk__in=memberships.values("person_id")).first()
    if person is None:
        raise Http404
    return person


def claim_list(
    *,
    user: MaybeViewer,
    region_code: str | None = None,
    year: int | None = None,
    status: str | None = None,
    claim_type: str | None = None,
    query: str = "",
) -> QuerySet[Claim]:
    """Claims visible to ``user``, newest event first; ``year`` is the event's year."""
    qs = claims_visible_to(user)
    if region_code:
        qs = qs.filter(region_subtree_q(region_code, "region__code"))
    if year:
        qs = qs.filter(event_date__year=year)
    if status:
        qs = qs.filter(status=status)
    if claim_type:
        qs = qs.filter(type=claim_type)
    text = query.strip()
    if text:
        digits = text.replace(" ", "")
        if digits.isdigit() and len(digits) == 16:
            qs = qs.filter(person__nik=digits)
        else:
            qs = qs.filter(Q(number__icontains=text) | Q(person__name__icontains=text))
    return qs.order_by("-event_date", "-id")


def list_view_record(*, actor: Actor, claims: list[Claim], note: str = "daftar klaim") -> None:
    """A list of claims names people (name, masked NIK): log who was shown."""
    if claims:
        record_access(
            actor=actor,
            action=Action.VIEW,
            entity="registry.person",
            entity_id="*",
            shown=sorted({c.person_id for c in claims}),
            note=note,
        )


@dataclass(frozen=True)
class ClaimDetail:
    claim: Claim
    heirs: list[Heir]
    documents: list[ClaimDocument]
    checklist: list[ChecklistItem]
    components: list[ClaimComponent]
    instalments: list[ScholarshipInstalment]
    transitions: list[ClaimTransition]
    clock: Clock
    #: The memberships the verified death ended, and the follow-up a rejection needs.
    coverage: CoverageEnded | None = None


def claim_detail(
    *, actor: Actor, pk: Any, today: dt.date, params: Parameters, purpose: str = "lihat"
) -> ClaimDetail:
    """A claim with its heirs, documents, payments, scholarship schedule and history.

    The heirs (NIK, bank account) and the person are personal data: the access is logged, with
    ``purpose`` ("lihat", "PDF", "CLI") in the note. 404 outside ``actor.user``'s scope.
    """
    claim = claim_get_for(actor.user, pk)
    heirs = list(claim.heirs.order_by("group", "birth_date", "id"))
    detail = ClaimDetail(
        claim=claim,
        heirs=heirs,
        documents=list(claim.documents.select_related("uploaded_by").order_by("kind", "id")),
        checklist=checklist(claim),
        components=list(claim.components.order_by("position")),
        instalments=list(claim.instalments.select_related("heir").order_by("child_number", "year")),
        transitions=list(claim.transitions.select_related("actor").order_by("id")),
        clock=claim_clock(claim, today=today, params=params),
        coverage=coverage_ended(claim),
    )
    action = Action.VIEW if purpose in ("lihat", "CLI") else Action.EXPORT
    record_access(
        actor=actor, action=action, entity="registry.person", entity_id=claim.person_id,
        note=f"klaim {claim.number} ({purpose})",
    )  # fmt: skip
    if heirs:
        record_access(
            actor=actor,
            action=action,
            entity="claims.heir",
            entity_id="*",
            shown=[h.pk for h in heirs],
            note=f"ahli waris klaim {claim.number} ({purpose})",
        )
    return detail


@dataclass(frozen=True)
class OverdueRow:
    claim: Claim
    clock: Clock
    branch: str
    kabupaten: str


def overdue_claims(
    *, user: MaybeViewer, today: dt.date, params: Parameters, region_code: str | None = None
) -> list[OverdueRow]:
    """Claims BPJS holds complete (filed or approved) and has not paid by the deadline, with the
    branch office serving the region and the kabupaten, ordered by branch, kabupaten, deadline."""
    from cakupan.registry.models import BranchOffice

    qs = claims_visible_to(user).filter(status__in=CLOCK_STATUSES)
    if region_code:
        qs = qs.filter(region_subtree_q(region_code, "region__code"))
    rows = []
    branches: dict[str, str] = {}
    for office in BranchOffice.objects.prefetch_related("regions"):
        for region in office.regions.all():
            branches.setdefault(region.code, office.name)
    names = {}
    for claim in qs.order_by("filed_on", "id"):
        clock = claim_clock(claim, today=today, params=params)
        if not clock.overdue:
            continue
        kab = ".".join(claim.region_id.split(".")[:2])
        if kab not in names:
            from cakupan.wilayah.models import Region

            names[kab] = (
                Region.objects.filter(code=kab).values_list("name", flat=True).first() or kab
            )
        rows.append(OverdueRow(claim, clock, branches.get(kab, "-"), names[kab]))
    rows.sort(key=lambda r: (r.branch, r.kabupaten, r.clock.deadline or today, r.claim.pk))
    return rows


def school_year_of(day: dt.date) -> int:
    """The school year (by the calendar year it starts in, July) that ``day`` falls in."""
    return rules_school_year_of(day)


def instalments_due(
    *, user: MaybeViewer, year: int, region_code: str | None = None
) -> QuerySet[ScholarshipInstalment]:
    """Scholarship instalments of school year ``year`` not yet paid nor stopped, of claims in the
    scope (approved or paid), per kabupaten then claim and child."""
    q = unit_scope_q(_user(user), "claim__unit__")
    qs = ScholarshipInstalment.objects.select_related(
        "claim", "claim__person", "claim__region", "heir"
    ).filter(
        year=year,
        status__in=[InstalmentStatus.SCHEDULED, InstalmentStatus.ENROLLED],
        claim__status__in=["approved", "paid"],
    )
    if q is not None:
        qs = qs.filter(q)
    if region_code:
        qs = qs.filter(region_subtree_q(region_code, "claim__region__code"))
    return qs.order_by("claim__region__code", "claim__number", "child_number")


def instalment_get_for(user: MaybeViewer, pk: Any) -> ScholarshipInstalment:
    q = unit_scope_q(_user(user), "claim__unit__")
    qs = ScholarshipInstalment.objects.select_related("claim", "heir")
    if q is not None:
        qs = qs.filter(q)
    try:
        instalment: ScholarshipInstalment = qs.get(pk=pk)
    except (ScholarshipInstalment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return instalment


def heir_get_for(user: MaybeViewer, pk: Any) -> Heir:
    q = unit_scope_q(_user(user), "claim__unit__")
    qs = Heir.objects.select_related("claim")
    if q is not None:
        qs = qs.filter(q)
    try:
        heir: Heir = qs.get(pk=pk)
    except (Heir.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return heir


def heir_for_edit(*, actor: Actor, pk: Any) -> Heir:
    """An heir with the NIK and bank account in full, to edit them: the view is logged. 404
    outside ``actor.user``'s scope."""
    heir = heir_get_for(actor.user, pk)
    record_access(
        actor=actor,
        action=Action.VIEW,
        entity="claims.heir",
        entity_id=heir.pk,
        note=f"ubah ahli waris klaim {heir.claim.number}",
    )
    return heir


def admin_view_record(*, actor: Actor, claim: Claim) -> None:
    """Log that the Django admin showed ``claim`` (the person, and its heirs masked)."""
    record_access(
        actor=actor, action=Action.VIEW, entity="registry.person", entity_id=claim.person_id,
        note=f"klaim {claim.number} (admin)",
    )  # fmt: skip
    shown = list(claim.heirs.values_list("pk", flat=True))
    if shown:
        record_access(
            actor=actor,
            action=Action.VIEW,
            entity="claims.heir",
            entity_id="*",
            shown=shown,
            note=f"ahli waris klaim {claim.number} (admin)",
        )


def document_get_for(user: MaybeViewer, pk: Any) -> ClaimDocument:
    q = unit_scope_q(_user(user), "claim__unit__")
    qs = ClaimDocument.objects.select_related("claim")
    if q is not None:
        qs = qs.filter(q)
    try:
        document: ClaimDocument = qs.get(pk=pk)
    except (ClaimDocument.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return document


def waiting_work(*, user: MaybeViewer, today: dt.date, params: Parameters) -> list[WorkItem]:
    """What waits for ``user`` in claims (the home page): drafts they reported and have not
    submitted; claims to verify (``permissions.may_verify`` as a filter); for the BPJS officer,
    claims to file, to decide and to pay; for everyone, claims BPJS pays late (the service-level
    clock). Read-only roles follow the late ones (``watch``)."""
    from django.urls import reverse

    from cakupan.accounts.models import Role
    from cakupan.claims.models import ClaimStatus

    role = getattr(user, "role", None)
    pk = getattr(user, "pk", None)
    qs = claims_visible_to(user)
    list_url = reverse("claims:claim_list")
    wanted: list[tuple[str, Any, Any, str]] = []  # key, label, queryset, status of the link
    if role in (Role.OPERATOR_OPD, Role.OPERATOR_DESA, Role.CAMAT, Role.ADMIN_KABUPATEN):
        wanted.append(
            (
                "claims.draft",
                _("klaim draf Anda belum diajukan"),
                qs.filter(status=ClaimStatus.DRAFT, reported_by=pk),
                ClaimStatus.DRAFT,
            )
        )
    if role == Role.SUPERADMIN or (
        role == Role.ADMIN_KABUPATEN and getattr(user, "region_id", None)
    ):
        verify = qs.filter(status=ClaimStatus.SUBMITTED).exclude(submitted_by=pk)
        unit = getattr(user, "unit", None)
        if role == Role.ADMIN_KABUPATEN and unit is not None:
            verify = verify.filter(segment__in=list(unit.verifies_segments or []))
        wanted.append(
            ("claims.verify", _("klaim menunggu verifikasi Anda"), verify, ClaimStatus.SUBMITTED)
        )
    if role in (Role.SUPERADMIN, Role.PETUGAS_BPJS):
        wanted += [
            (
                "claims.file",
                _("klaim terverifikasi: terima berkasnya di BPJS"),
                qs.filter(status=ClaimStatus.VERIFIED),
                ClaimStatus.VERIFIED,
            ),
            (
                "claims.decide",
                _("klaim menunggu keputusan BPJS"),
                qs.filter(status=ClaimStatus.FILED),
                ClaimStatus.FILED,
            ),
            (
                "claims.pay",
                _("klaim disetujui, belum dibayar"),
                qs.filter(status=ClaimStatus.APPROVED),
                ClaimStatus.APPROVED,
            ),
        ]
    items = []
    for key, label, found, status in wanted:
        count = found.count()
        if count:
            items.append(WorkItem(key, str(label), count, f"{list_url}?status={status}"))
    # What ``overdue_claims`` lists, counted without naming branches and kabupaten.
    late = sum(
        1
        for claim in qs.filter(status__in=CLOCK_STATUSES)
        if claim_clock(claim, today=today, params=params).overdue
    )
    if late:
        items.append(
            WorkItem(
                "claims.overdue",
                str(_("klaim terlambat dibayar BPJS")),
                late,
                reverse("claims:overdue"),
                watch=role not in (Role.SUPERADMIN, Role.PETUGAS_BPJS),
            )
        )
    return items


__all__ = [
    "ClaimDetail",
    "OverdueRow",
    "admin_view_record",
    "claim_detail",
    "claim_get_by_number",
    "claim_get_for",
    "claim_list",
    "claims_visible_to",
    "document_get_for",
    "heir_for_edit",
    "heir_get_for",
    "instalment_get_for",
    "instalments_due",
    "list_view_record",
    "overdue_claims",
    "person_for_claim",
    "school_year_of",
    "waiting_work",
]
