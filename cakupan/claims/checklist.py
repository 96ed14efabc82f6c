"""The documents each claim type needs (Permenaker 5/2021 claim procedures, as the branch offices
ask for them). A claim cannot be submitted while a required one is missing."""

from __future__ import annotations

from dataclasses import dataclass

from cakupan.claims.models import Claim, ClaimType, DocumentKind

_DEATH = (
    DocumentKind.AKTA_KEMATIAN,
    DocumentKind.KARTU_KELUARGA,
    DocumentKind.KTP_AHLI_WARIS,
    DocumentKind.SURAT_AHLI_WARIS,
    DocumentKind.BUKU_REKENING,
)
REQUIRED: dict[str, tuple[DocumentKind, ...]] = {
    ClaimType.JKM: _DEATH,
    ClaimType.JKK_DEATH: (
        *_DEATH,
        DocumentKind.LAPORAN_TAHAP_1,
        DocumentKind.LAPORAN_TAHAP_2,
    ),
    ClaimType.JKK_ACCIDENT: (
        DocumentKind.KTP_PESERTA,
        DocumentKind.LAPORAN_TAHAP_1,
        DocumentKind.LAPORAN_TAHAP_2,
        DocumentKind.KETERANGAN_DOKTER,
        DocumentKind.BUKU_REKENING,
    ),
}
OPTIONAL: tuple[DocumentKind, ...] = (
    DocumentKind.KARTU_PESERTA,
    DocumentKind.KRONOLOGI,
    DocumentKind.BUKTI_SEKOLAH,
    DocumentKind.LAINNYA,
)


@dataclass(frozen=True)
class ChecklistItem:
    kind: str
    label: str
    required: bool
    count: int


def checklist(claim: Claim) -> list[ChecklistItem]:
    """The claim type's documents, required first, with how many of each are uploaded."""
    counts: dict[str, int] = {}
    for kind in claim.documents.values_list("kind", flat=True):
        counts[kind] = counts.get(kind, 0) + 1
    required = REQUIRED[claim.type]
    return [
        ChecklistItem(kind, str(DocumentKind(kind).label), kind in required, counts.get(kind, 0))
        for kind in (*required, *OPTIONAL)
    ]


def missing(claim: Claim) -> list[ChecklistItem]:
    return [item for item in checklist(claim) if item.required and not item.count]
