"""Claims measured against contributions: per region, payer, segment and year.

* Claims paid: the money paid out in the year (by payment date): the components of JKM, JKK
  death and JKK accident claims, and scholarship instalments, of claims whose unit lies in the
  region (and segment) and in the user's scope.
* Contributions: the bills of contribution months of the year of payers located in the region
  (``billing``: billed = bill totals, paid = what the bills received). With a segment, only that
  segment's lines are counted and each bill's payments are shared over its segments in
  proportion to their totals, rounded down per bill, exactly as ``billing summary --segment``.
* Ratio: claims paid / contributions paid, in percent with one decimal (half up); ``None``
  when nothing was paid in.

Rows per child region (kecamatan of a kabupaten, desa of a kecamatan) and per payer hold the same
figures; the totals are their sums.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Sum

from cakupan.accounts.access import SYSTEM, unit_scope_q
from cakupan.billing.models import Bill, BillEntry
from cakupan.claims.models import ClaimComponent, ClaimType, ScholarshipInstalment
from cakupan.claims.selectors import claims_visible_to
from cakupan.common.money import format_rupiah
from cakupan.registry.models import Segment, Unit
from cakupan.wilayah.models import Region
from cakupan.wilayah.selectors import region_subtree_q

_ZERO = Decimal(0)
BENEFIT_KEYS = (*ClaimType.values, "scholarship")
BENEFIT_LABELS = {
    "jkm": "JKM",
    "jkk-death": "JKK meninggal",
    "jkk-accident": "JKK kecelakaan",
    "scholarship": "Beasiswa",
}


def ratio(claims: Decimal, contributions: Decimal) -> Decimal | None:
    """``claims / contributions`` in percent, one decimal, half up; None without contributions."""
    if not contributions:
        return None
    return (claims * 100 / contributions).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _child_length(region: Region) -> int | None:
    """Length of the codes one level below ``region`` (73 -> 73.02 -> 73.02.01 -> 73.02.01.2001)."""
    return {2: 5, 5: 8, 8: 13}.get(len(region.code))


def _claims_paid(user: Any, region: Region, year: int, segment: str | None) -> list[dict[str, Any]]:
    claims = claims_visible_to(user).filter(region_subtree_q(region.code, "region__code"))
    if segment:
        claims = claims.filter(segment=segment)
    ids = claims.values("pk")
    rows: list[dict[str, Any]] = []
    for row in (
        ClaimComponent.objects.filter(claim__in=ids, paid_on__year=year)
        .values("claim__type", "claim__region_id", "claim__payer_id")
        .annotate(amount=Sum("paid_amount"), claims=Count("claim", distinct=True))
        .order_by()
    ):
        rows.append(
            {
                "benefit": row["claim__type"],
                "region": row["claim__region_id"],
                "payer": row["claim__payer_id"],
                "amount": row["amount"] or _ZERO,
                "claims": row["claims"],
            }
        )
    for row in (
        ScholarshipInstalment.objects.filter(claim__in=ids, paid_on__year=year, status="paid")
        .values("claim__region_id", "claim__payer_id")
        .annotate(amount=Sum("paid_amount"), claims=Count("claim", distinct=True))
        .order_by()
    ):
        rows.append(
            {
                "benefit": "scholarship",
                "region": row["claim__region_id"],
                "payer": row["claim__payer_id"],
                "amount": row["amount"] or _ZERO,
                "claims": row["claims"],
            }
        )
    return rows


def _contributions(
    user: Any, region: Region, year: int, segment: str | None
) -> dict[int, tuple[Decimal, Decimal]]:
    """Per payer id: (billed, paid) for the contribution months of ``year``."""
    bills = Bill.objects.filter(
        region_subtree_q(region.code, "payer__region__code"), month__year=year
    )
    q = unit_scope_q(SYSTEM if user is None else user, "payer__")
    if q is not None:
        bills = bills.filter(q)
    out: dict[int, tuple[Decimal, Decimal]] = {}
    if not segment:
        for row in bills.values("payer_id").annotate(b=Sum("total"), p=Sum("paid")).order_by():
            out[row["payer_id"]] = (row["b"] or _ZERO, row["p"] or _ZERO)
        return out
    for row in (
        BillEntry.objects.filter(bill__in=bills.values("pk"), membership__segment=segment)
        .values("bill_id", "bill__payer_id", "bill__total", "bill__paid")
        .annotate(part=Sum("total"))
        .order_by()
    ):
        part, total, paid = row["part"], row["bill__total"], row["bill__paid"]
        # Payments settle bills, not lines: shared in proportion, as billing's summary does.
        part_paid = (part * paid // total) if total else _ZERO
        billed, got = out.get(row["bill__payer_id"], (_ZERO, _ZERO))
        out[row["bill__payer_id"]] = (billed + part, got + part_paid)
    return out


def _empty() -> dict[str, Any]:
    return {
        "claims_paid": dict.fromkeys(BENEFIT_KEYS, _ZERO),
        "claims": 0,
        "billed": _ZERO,
        "paid": _ZERO,
    }


def _finish(entry: dict[str, Any]) -> dict[str, Any]:
    paid_out = sum(entry["claims_paid"].values(), _ZERO)
    return {
        "claims_paid": {**entry["claims_paid"], "total": paid_out},
        "claims": entry["claims"],
        "contributions": {"billed": entry["billed"], "paid": entry["paid"]},
        "ratio": ratio(paid_out, entry["paid"]),
    }


def claims_summary(
    *, user: Any, region: Region, year: int, segment: str | None = None
) -> dict[str, Any]:
    """The figures of the module docstring for ``region`` and ``year`` (see there)."""
    claims = _claims_paid(user, region, year, segment)
    contributions = _contributions(user, region, year, segment)
    payer_ids = {r["payer"] for r in claims} | set(contributions)
    payers = {
        u.pk: u
        for u in Unit.objects.filter(pk__in=payer_ids).select_related("region").order_by("code")
    }
    length = _child_length(region)

    def child_of(code: str) -> str:
        return code[:length] if length and len(code) >= length else region.code

    total = _empty()
    by_region: dict[str, dict[str, Any]] = {}
    by_payer: dict[int, dict[str, Any]] = {}
    for row in claims:
        for entry in (
            total,
            by_region.setdefault(child_of(row["region"]), _empty()),
            by_payer.setdefault(row["payer"], _empty()),
        ):
            entry["claims_paid"][row["benefit"]] += row["amount"]
            if row["benefit"] != "scholarship":
                entry["claims"] += row["claims"]
    for payer_id, (billed, paid) in contributions.items():
        code = payers[payer_id].region_id
        for entry in (
            total,
            by_region.setdefault(child_of(code), _empty()),
            by_payer.setdefault(payer_id, _empty()),
        ):
            entry["billed"] += billed
            entry["paid"] += paid
    names = dict(Region.objects.filter(code__in=list(by_region)).values_list("code", "name"))
    return {
        "region": {"code": region.code, "name": region.name},
        "year": year,
        "segment": segment,
        "total": _finish(total),
        "by_region": [
            {"code": code, "name": names.get(code, code), **_finish(entry)}
            for code, entry in sorted(by_region.items())
        ],
        "by_payer": [
            {
                "code": payers[pk].code,
                "name": payers[pk].name,
                "region": payers[pk].region_id,
                **_finish(entry),
            }
            for pk, entry in sorted(by_payer.items(), key=lambda kv: payers[kv[0]].code)
        ],
    }


def summary_text(data: dict[str, Any]) -> list[str]:
    """The summary as readable lines (``cakupan claims summary`` without ``--json``)."""
    total = data["total"]
    segment = f", segmen {Segment(data['segment']).label}" if data["segment"] else ""
    percent = f"{total['ratio']}%".replace(".", ",") if total["ratio"] is not None else "-"
    lines = [
        f"{data['region']['code']} {data['region']['name']}, {data['year']}{segment}",
        "Klaim dibayar:",
        *(
            f"  {BENEFIT_LABELS[key]:<16} {format_rupiah(total['claims_paid'][key]):>18}"
            for key in BENEFIT_KEYS
        ),
        f"  {'Jumlah':<16} {format_rupiah(total['claims_paid']['total']):>18}",
        f"Iuran ditagih   {format_rupiah(total['contributions']['billed']):>20}",
        f"Iuran dibayar   {format_rupiah(total['contributions']['paid']):>20}",
        f"Rasio klaim/iuran dibayar: {percent}",
    ]
    return lines


__all__ = ["BENEFIT_KEYS", "BENEFIT_LABELS", "claims_summary", "ratio", "summary_text"]
