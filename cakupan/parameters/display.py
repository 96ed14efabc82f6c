"""Presentation helpers of the calculator pages: parameter values as Indonesian text, flagged notes.

No Django request handling here, so the value formats can be tested alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from cakupan.common.money import format_rupiah
from cakupan.rules.params import KEYS, Entry
from cakupan.rules.regulations import Regulation, cited
from cakupan.rules.text import format_percent

LEVEL_NAMES = {"tk": "TK", "sd": "SD", "smp": "SMP", "sma": "SMA/SMK", "pt": "PT"}


@dataclass(frozen=True)
class Note:
    text: str
    flag: str  # "", "unverified" or "overridden"


def flag_notes(notes: tuple[str, ...] | list[str]) -> list[Note]:
    """The notes of a calculation with the flag the rules engine gave each
    (``rules.text.Note.flag``; a plain string has none)."""
    return [Note(text=str(text), flag=getattr(text, "flag", "")) for text in notes]


@dataclass(frozen=True)
class Law:
    """One regulation a value rests on, as the parameter page cites it."""

    name: str  # "PP 44/2015"
    article: str  # "Lampiran I", "Pasal 29"; "" when the value names none
    title: str  # the full title, "" when the catalogue does not know the regulation
    in_force: Any  # datetime.date or None
    date_verified: bool
    convention: bool


def legal_basis(entry: Entry) -> list[Law]:
    """The regulations ``entry`` cites (its ``regulation`` may name several, ``;``-separated), the
    entry's article on the first; full title and date from ``rules/regulations.toml``."""
    laws = []
    for i, item in enumerate(cited(entry.regulation)):
        article = entry.article if i == 0 else ""
        if isinstance(item, Regulation):
            laws.append(
                Law(
                    name=item.name,
                    article=article,
                    title=item.title,
                    in_force=item.in_force,
                    date_verified=item.verified,
                    convention=item.convention,
                )
            )
        else:
            laws.append(Law(item, article, "", None, date_verified=False, convention=False))
    return laws


def format_value(entry: Entry) -> list[str]:
    """An entry's value as one or more lines of Indonesian text (tables give one line per row)."""
    kind = KEYS[entry.key].kind
    value: Any = entry.value
    if kind == "rate":
        return [format_percent(value)]
    if kind == "amount":
        return [format_rupiah(value)]
    if kind == "date":
        return [f"{value:%d-%m-%Y}"]
    if kind == "brackets":
        if not value:
            return [_("Tabel kosong: dipakai rumus persentase penghasilan")]
        return [
            _("penghasilan s.d. %(upto)s: JKK %(jkk)s, JHT %(jht)s")
            % {"upto": format_rupiah(upto), "jkk": format_rupiah(jkk), "jht": format_rupiah(jht)}
            for upto, jkk, jht in value
        ]
    if kind == "levels":
        return [
            _("%(level)s: %(amount)s per tahun, paling lama %(years)s tahun")
            % {
                "level": LEVEL_NAMES.get(level, level),
                "amount": format_rupiah(amount),
                "years": years,
            }
            for level, amount, years in value
        ]
    if kind == "schedule":
        lines, start = [], 1
        for upto, percent in value:
            share = format_percent(percent / 100)
            if upto is None:
                lines.append(
                    _("hari ke-%(start)s dan seterusnya: %(share)s")
                    % {"start": start, "share": share}
                )
            else:
                lines.append(
                    _("hari ke-%(start)s s.d. %(end)s: %(share)s")
                    % {"start": start, "end": upto, "share": share}
                )
                start = upto + 1
        return lines
    if kind == "holidays":
        return [
            f"{day.date:%d-%m-%Y} {day.name}"
            + ("" if day.kind == "libur" else " (" + _("cuti bersama") + ")")
            + ("" if day.verified else " (" + _("belum terverifikasi") + ")")
            for day in value
        ]
    return [str(value)]
