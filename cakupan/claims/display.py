"""Presentation helpers of the claims pages and documents: amounts in Indonesian words, status
badges, the claims-against-contributions bar chart. No request handling here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.utils.translation import gettext as _

from cakupan.common.money import format_rupiah
from cakupan.registry.models import MembershipStatus, Segment

#: CSS status classes of the project stylesheet that fit each claim status.
STATUS_CLASS = {
    "draft": "ended",
    "submitted": "submitted",
    "verified": "verified",
    "filed": "busy",
    "approved": "registered",
    "rejected": "failed",
    "paid": "paid",
    "scheduled": "ended",
    "enrolled": "submitted",
    "stopped": "failed",
}


def short_rupiah(amount: Decimal | int) -> str:
    """Axis labels: ``Rp1,25 M`` (miliar), ``Rp250 jt`` (juta), ``Rp900 rb`` (ribu)."""
    value = Decimal(amount)
    for size, unit in ((Decimal(10) ** 9, "M"), (Decimal(10) ** 6, "jt"), (Decimal(10) ** 3, "rb")):
        if abs(value) >= size:
            scaled = (value / size).quantize(Decimal("0.01")).normalize()
            return f"Rp{scaled:f} {unit}".replace(".", ",")
    return format_rupiah(value)


def _nice_step(value: Decimal) -> Decimal:
    if value <= 0:
        return Decimal(1)
    power = Decimal(10) ** (len(str(int(value))) - 1)
    for factor in (1, 2, Decimal("2.5"), 5, 10):
        if value <= power * factor:
            return power * factor
    return power * 10  # pragma: no cover


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    amount: Decimal
    series: str
    label: str


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class GroupLabel:
    x: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    baseline: float
    bars: list[Bar]
    ticks: list[Tick]
    groups: list[GroupLabel]


def grouped_bar_chart(
    groups: list[str],
    series: list[tuple[str, list[Decimal]]],
    *,
    width: int = 720,
    height: int = 300,
) -> Chart:
    """Bars of each series side by side for every group, on a round y axis (SVG units)."""
    left, right, top, bottom = 76, 8, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((v for _, values in series for v in values), default=Decimal(0))
    step = _nice_step(peak / 4)
    steps = max(1, int((peak / step).to_integral_value(rounding=ROUND_CEILING))) if peak > 0 else 4
    ceiling = step * steps
    ticks = [
        Tick(y=round(top + plot_h - plot_h * i / steps, 1), label=short_rupiah(step * i))
        for i in range(steps + 1)
    ]
    slot = plot_w / max(len(groups), 1)
    gap = slot * 0.2
    bar_w = (slot - gap) / max(len(series), 1)
    bars = []
    for s, (name, values) in enumerate(series):
        for g, amount in enumerate(values):
            h = float(Decimal(plot_h) * amount / ceiling) if amount > 0 else 0.0
            bars.append(
                Bar(
                    x=round(left + g * slot + gap / 2 + s * bar_w, 1),
                    y=round(top + plot_h - h, 1),
                    width=round(bar_w, 1),
                    height=round(h, 1),
                    amount=amount,
                    series=name,
                    label=groups[g],
                )
            )
    labels = [
        GroupLabel(x=round(left + g * slot + slot / 2, 1), label=name[:14])
        for g, name in enumerate(groups)
    ]
    return Chart(
        width=width,
        height=height,
        plot_left=left,
        plot_right=width - right,
        baseline=top + plot_h,
        bars=bars,
        ticks=ticks,
        groups=labels,
    )


@dataclass(frozen=True)
class CoverageEnded:
    """What verifying the death did to the person's memberships, for the claim page and the CLI.

    ``follow_up`` is set when BPJS later rejected the claim: the memberships stay ended (never
    restored silently) and someone has to decide whether the death stands."""

    on: dt.date
    ended: list[dict[str, Any]] = field(default_factory=list)
    later: list[dict[str, Any]] = field(default_factory=list)
    follow_up: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "on": self.on,
            "ended": self.ended,
            "later": self.later,
            "follow_up": self.follow_up or None,
        }


def _day(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def coverage_ended(claim: Any) -> CoverageEnded | None:
    """The memberships a verified death of ``claim`` ended (``Claim.coverage_ended``), with the
    labels to show and the follow-up a rejected claim needs; ``None`` when nothing was done."""
    data = claim.coverage_ended or {}
    if not data.get("on"):
        return None
    statuses = dict(MembershipStatus.choices)
    segments = dict(Segment.choices)
    ended = [
        {
            **row,
            "start": _day(row["start"]),
            "previous_end": _day(row.get("previous_end")),
            "previous_status_label": str(
                statuses.get(row["previous_status"], row["previous_status"])
            ),
            "segment_label": str(segments.get(row["segment"], row["segment"])),
        }
        for row in data.get("ended", [])
    ]
    later = [{**row, "start": _day(row["start"])} for row in data.get("later", [])]
    on = dt.date.fromisoformat(data["on"])
    follow_up = ""
    if claim.status == "rejected" and ended:
        follow_up = _(
            "Klaim ditolak BPJS Ketenagakerjaan, tetapi %(count)s kepesertaan sudah diakhiri pada "
            "tanggal kematian %(day)s ketika klaim diverifikasi dan tidak dipulihkan otomatis. "
            "Pastikan apakah peserta memang meninggal dunia. Bila tidak, admin memulihkan "
            "kepesertaan di registri ke tanggal berakhir dan status semula (tercantum di bawah), "
            "lalu menjalankan ulang tagihan bulan-bulan sesudah tanggal itu."
        ) % {"count": len(ended), "day": on.strftime("%d-%m-%Y")}
    return CoverageEnded(on=on, ended=ended, later=later, follow_up=follow_up)
