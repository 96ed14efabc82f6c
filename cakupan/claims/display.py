"""Presentation helpers of the claims pages and documents: status badges and what a verified death
did to the person's memberships. No request handling here (the claims-against-contributions chart
is ``common.charts.grouped_bar_chart``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

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
