"""The regulations the parameter values cite, with their full titles and dates.

``cakupan/rules/regulations.toml`` holds one entry per regulation named in the ``regulation`` field
of the parameter files (``data/*.toml``); a value may cite several, separated by ``;``. The public
parameter page shows the title and the date; ``provenance`` (where the date comes from) is research
material, shown to administrators only. Plain Python: no Django.
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

from cakupan.rules.errors import ParameterError

__all__ = ["REGULATIONS_FILE", "Regulation", "cited", "regulations"]

REGULATIONS_FILE = Path(__file__).resolve().parent / "regulations.toml"


@dataclass(frozen=True)
class Regulation:
    """One regulation as cited by the parameter files (``name``, e.g. ``"PP 44/2015"``)."""

    name: str
    title: str
    in_force: dt.date | None  # None: no source seen gives the date
    verified: bool  # the date is confirmed (H in DOMAIN.md)
    provenance: str
    convention: bool = False  # Cakupan's own rule until a regulation is found, not a regulation


@functools.cache
def regulations(path: Path = REGULATIONS_FILE) -> dict[str, Regulation]:
    """Every regulation of the catalogue by name (read once per process)."""
    with path.open("rb") as handle:
        document = tomllib.load(handle)
    out: dict[str, Regulation] = {}
    for item in document.get("regulations", []):
        try:
            regulation = Regulation(
                name=str(item["name"]),
                title=str(item["title"]),
                in_force=item.get("in_force"),
                verified=bool(item["verified"]),
                provenance=str(item.get("provenance", "")),
                convention=bool(item.get("convention", False)),
            )
        except KeyError as exc:
            raise ParameterError(
                f"{path.name}: isian {exc.args[0]} tidak ada.", code="file_invalid"
            ) from None
        if regulation.in_force is not None and not isinstance(regulation.in_force, dt.date):
            raise ParameterError(
                f"{path.name}: in_force {regulation.name} bukan tanggal.", code="file_invalid"
            )
        out[regulation.name] = regulation
    return out


def cited(regulation: str) -> list[Regulation | str]:
    """The regulations a value's ``regulation`` field names, in its order: a catalogued
    :class:`Regulation`, or the name itself where the catalogue has none."""
    known = regulations()
    names = [part.strip() for part in regulation.split(";") if part.strip()]
    return [known.get(name, name) for name in names]
