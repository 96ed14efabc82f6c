"""What a file leaves out: defaults per unit kind and segment."""

from __future__ import annotations

from cakupan.registry.models import FundingSource, Scheme, Segment, UnitKind

SEGMENT_OF_UNIT_KIND: dict[str, str] = {
    UnitKind.OPD: Segment.NON_ASN,
    UnitKind.KECAMATAN: Segment.NON_ASN,
    UnitKind.KELURAHAN: Segment.NON_ASN,
    UnitKind.PEMERINTAH_DESA: Segment.PERANGKAT_DESA,
    UnitKind.BPD: Segment.BPD,
    UnitKind.LEMBAGA_DESA: Segment.LEMBAGA_DESA,
    UnitKind.LEMBAGA_KEAGAMAAN: Segment.PEKERJA_KEAGAMAAN,
    UnitKind.KELOMPOK_RENTAN: Segment.PEKERJA_RENTAN,
    UnitKind.PENYELENGGARA_PEMILU: Segment.PENYELENGGARA_PEMILU,
}

VILLAGE_UNIT_KINDS = (UnitKind.PEMERINTAH_DESA, UnitKind.BPD, UnitKind.LEMBAGA_DESA)


def default_segment(unit_kind: str) -> str | None:
    return SEGMENT_OF_UNIT_KIND.get(unit_kind)


def default_scheme(segment: str) -> str:
    """Pekerja rentan are BPU (they have no employer); every other segment is paid as PU."""
    return Scheme.BPU if segment == Segment.PEKERJA_RENTAN else Scheme.PU


def default_funding(unit_kind: str, segment: str) -> str:
    """Village bodies pay from APBDes (ADD); everything else defaults to the kabupaten/kota APBD."""
    if unit_kind in VILLAGE_UNIT_KINDS:
        return FundingSource.APBDES_ADD
    return FundingSource.APBD_KABKOTA
