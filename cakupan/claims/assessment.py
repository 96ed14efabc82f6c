"""The Django side of ``rules.eligibility``: gather the facts of a person and an event from the
registry and billing, decide with the rules engine, and turn the result into the JSON a claim
stores and the CLI prints.

The rules' parameters come from :func:`claim_parameters` only (the data files with the
administrators' overrides), so every claim, screen and command uses the same values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from cakupan.billing.models import Allocation, Bill
from cakupan.parameters.selectors import active_parameters
from cakupan.registry.models import COVERED_STATUSES, Membership, Person, Unit
from cakupan.rules.benefits import Benefit
from cakupan.rules.eligibility import (
    ChildFacts,
    Eligibility,
    EligibilityInput,
    EventFacts,
    MembershipFacts,
    assess,
)
from cakupan.rules.params import Parameters

__all__ = [
    "benefit_json",
    "claim_parameters",
    "eligibility_json",
    "membership_facts",
    "payer_arrears_months",
    "person_assess",
]


def claim_parameters() -> Parameters:
    """The regulation parameters in force in this installation (overrides applied)."""
    return active_parameters()


def payer_of(unit: Unit) -> Unit:
    """Who pays the unit's contributions: ``unit.payer``, else the unit itself."""
    return unit.payer if unit.payer_id else unit  # type: ignore[return-value]


def membership_facts(person: Person) -> tuple[list[Membership], tuple[MembershipFacts, ...]]:
    """Every membership of ``person`` (in any unit: coverage does not depend on who looks) and
    the frozen facts the rules engine reads."""
    rows = list(
        Membership.objects.filter(person=person)
        .select_related("unit", "unit__payer")
        .order_by("start_date", "id")
    )
    facts = tuple(
        MembershipFacts(
            id=m.pk,
            start=m.start_date,
            end=m.end_date,
            status=m.status,
            status_label=str(m.get_status_display()),
            covered=m.status in COVERED_STATUSES,
            scheme=m.scheme,
            segment=m.segment,
            segment_label=str(m.get_segment_display()),
            unit=m.unit.name,
            payer=payer_of(m.unit).name,
            wage=m.wage,
        )
        for m in rows
    )
    return rows, facts


def payer_arrears_months(payer: Unit, on: dt.date) -> int:
    """Contribution months with PU lines of ``payer`` past due before ``on`` and not fully paid by
    payments dated on or before ``on`` (the arrears on the event date, not today's)."""
    paid_then = (
        Allocation.objects.filter(bill=OuterRef("pk"), payment__paid_on__lte=on)
        .order_by()
        .values("bill")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    money: DecimalField[Decimal, Decimal] = DecimalField(max_digits=15, decimal_places=0)
    return (
        Bill.objects.filter(payer=payer, pu_total__gt=0, due_date__lt=on)
        .annotate(paid_then=Coalesce(Subquery(paid_then, output_field=money), Value(Decimal(0))))
        .filter(total__gt=F("paid_then"))
        .count()
    )


def person_assess(
    *,
    person: Person,
    claim_type: str,
    event: EventFacts,
    today: dt.date,
    children: Iterable[ChildFacts] = (),
    params: Parameters | None = None,
) -> tuple[Eligibility, Membership | None]:
    """Decide a claim of ``person``; returns the result and the covering membership (or None).

    Raises ``rules.errors.InputError`` for bad input (future date, third child ...).
    """
    params = params or claim_parameters()
    rows, facts = membership_facts(person)
    by_id = {m.pk: m for m in rows}
    # The arrears rule needs the covering membership's payer: find it the way the rules will.
    covering = next(
        (f for f in facts if f.covered and f.includes(event.event_date)),
        None,
    )
    arrears = None
    if covering is not None and covering.scheme == "pu" and claim_type.startswith("jkk"):
        arrears = payer_arrears_months(payer_of(by_id[covering.id].unit), event.event_date)  # type: ignore[index]
    result = assess(
        EligibilityInput(
            claim_type=claim_type,
            event=event,
            today=today,
            memberships=facts,
            children=tuple(children),
            payer_arrears_months=arrears,
        ),
        params,
    )
    membership = by_id.get(result.membership.id) if result.membership is not None else None  # type: ignore[arg-type]
    return result, membership


def benefit_json(benefit: Benefit | None) -> dict[str, Any] | None:
    """The benefit as ``cakupan calc benefit --json`` prints it."""
    if benefit is None:
        return None
    data: dict[str, Any] = {
        "type": benefit.type,
        "lines": [
            {"item": line.item, "amount": line.amount, "source": line.source}
            for line in benefit.lines
        ],
        "total": benefit.total,
    }
    if benefit.schedule:
        data["schedule"] = [
            {"child": s.child, "year": s.year, "level": s.level, "amount": s.amount}
            for s in benefit.schedule
        ]
    data["explanation"] = [line.explanation for line in benefit.lines] + [
        str(n) for n in benefit.notes
    ]
    return data


def eligibility_json(
    result: Eligibility, *, decided_on: dt.date, children: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """What a claim stores (and ``claims eligibility --json`` prints): amounts as integers,
    dates as ISO text. ``children``: the heirs named for a scholarship, in the order given to the
    rules (``counted`` says who gets one)."""
    membership = result.membership.as_dict() if result.membership is not None else None
    data: dict[str, Any] = {
        "eligible": result.eligible,
        "type": result.claim_type,
        "decided_on": decided_on,
        "regulation": result.regulation,
        "reasons": [r.as_dict() for r in result.reasons],
        "membership": membership,
        "coverage_start": result.coverage_start,
        "contribution_months": result.contribution_months,
        "employer_pays_first": result.employer_pays_first,
        "cash_total": result.cash_total,
        "scholarship_total": result.scholarship_total,
        "benefit": benefit_json(result.benefit),
    }
    if children is not None:
        data["children"] = children
    return _plain(data)


def _plain(value: Any) -> Any:
    """JSON-ready: Decimals of whole rupiah as int, others as text; dates ISO."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
