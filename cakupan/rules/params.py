"""Effective-dated BPJS Ketenagakerjaan parameters, read from one data file per regulation.

Contract
- Every rate, cap, amount and period is data in ``cakupan/rules/data/*.toml``, never code. Each value
  carries ``key``, ``value``, ``valid_from``, ``valid_to`` (inclusive; absent = open),
  ``regulation``, ``article`` (empty when ``/work/shared/DOMAIN.md`` names none), ``source`` (the
  DOMAIN.md section and the address it cites), ``confidence`` (H/M/L as DOMAIN.md marks it),
  ``verified`` (false where DOMAIN.md section 11 or an [L] mark applies) and ``overridable``
  (every unverified value, the BPU bracket table and the JKK class for government employers).
- There is no "current rate": every lookup takes a date. :meth:`Parameters.entry` answers the value
  in force on a day. :meth:`Parameters.for_month` answers the value for a **contribution month**:
  the one in force on the **last day** of that month, so a change during the month (PP 6/2025 on
  7 February 2025) applies to the whole month in which it took effect, and a value valid from the
  1st (the JP wage cap each March) applies from that month. Benefits use the value in force on the
  event date.
- :func:`load_parameters` validates the files (known keys, value types, ``valid_from <= valid_to``,
  no overlapping periods for one key, unverified values overridable, JKP parts adding up) and
  caches the result. :meth:`Parameters.with_overrides` returns a new object in which an admin's
  value replaces the data-file value for its period.

Values are ``Decimal`` fractions for rates (TOML strings such as ``"0.0024"``: TOML floats are
refused so no binary fraction ever enters), ``Decimal`` whole rupiah for amounts (TOML integers),
``int`` for counts, ``datetime.date`` for dates, and tuples for the few tables.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from cakupan.common.dates import month_end
from cakupan.rules.errors import ParameterError

__all__ = [
    "DATA_DIR",
    "HOLIDAYS_KEY",
    "HOLIDAY_KINDS",
    "KEYS",
    "PP82_DATE_KEY",
    "SCHOLARSHIP_LEVELS",
    "Entry",
    "Holiday",
    "KeySpec",
    "Override",
    "ParameterError",
    "Parameters",
    "load_parameters",
    "parse_entries",
]

DATA_DIR = Path(__file__).resolve().parent / "data"
CONFIDENCES = frozenset({"H", "M", "L"})
SCHOLARSHIP_LEVELS = ("tk", "sd", "smp", "sma", "pt")
#: Days off fixed by the yearly SKB of the Minister of Religious Affairs, the Minister of Manpower
#: and the Minister for Administrative Reform: ``libur`` (hari libur nasional) and ``cuti_bersama``.
HOLIDAY_KINDS = ("libur", "cuti_bersama")
HOLIDAYS_KEY = "calendar.holidays"


@dataclass(frozen=True)
class Holiday:
    """One national day off. ``verified``: false where the sources seen disagree or were not read
    (the whole year's entry is then unverified)."""

    date: dt.date
    name: str
    kind: str
    verified: bool = True


@dataclass(frozen=True)
class KeySpec:
    """What a key holds: ``kind`` selects the value check, ``label`` names it in the UI."""

    kind: str
    label: str


def _spec(kind: str, label: str) -> KeySpec:
    return KeySpec(kind=kind, label=label)


#: Every key a data file or an override may use. ``kind``: rate (Decimal fraction), amount (whole
#: rupiah), count (int), date, brackets, levels, schedule.
KEYS: Mapping[str, KeySpec] = {
    **{f"pu.jkk.rate.{n}": _spec("rate", f"Iuran JKK PU kelas risiko {n}") for n in range(1, 6)},
    "pu.jkk.government_class": _spec("count", "Kelas risiko JKK untuk pemberi kerja pemerintah"),
    "pu.jkm.rate": _spec("rate", "Iuran JKM PU"),
    "pu.jht.employer_rate": _spec("rate", "Iuran JHT PU, bagian pemberi kerja"),
    "pu.jht.worker_rate": _spec("rate", "Iuran JHT PU, bagian pekerja"),
    "pu.jp.employer_rate": _spec("rate", "Iuran JP, bagian pemberi kerja"),
    "pu.jp.worker_rate": _spec("rate", "Iuran JP, bagian pekerja"),
    "jp.wage_cap": _spec("amount", "Batas upah tertinggi JP per bulan"),
    "pu.due_day": _spec("count", "Tanggal jatuh tempo iuran PU (bulan berikutnya)"),
    "pu.late_fee_rate": _spec("rate", "Denda keterlambatan iuran PU per bulan"),
    "pu.arrears_threshold_months": _spec("count", "Batas tunggakan PU (bulan)"),
    "bpu.jkk.rate": _spec("rate", "Iuran JKK BPU (dari penghasilan)"),
    "bpu.jkk.minimum": _spec("amount", "Iuran JKK BPU paling sedikit"),
    "bpu.jkm.flat": _spec("amount", "Iuran JKM BPU per bulan"),
    "bpu.jht.rate": _spec("rate", "Iuran JHT BPU (dari penghasilan)"),
    "bpu.brackets": _spec("brackets", "Tabel nominal iuran BPU per tingkat penghasilan"),
    "bpu.due_day": _spec("count", "Tanggal jatuh tempo iuran BPU (bulan yang sama)"),
    "bpu.grace_months": _spec("count", "Masa tenggang tunggakan BPU (bulan)"),
    "relief.pu_jkk_jkm_cut": _spec("rate", "Keringanan iuran JKK dan JKM PU"),
    "relief.bpu_jkk_jkm_cut": _spec("rate", "Keringanan iuran JKK dan JKM BPU"),
    "relief.jp_deferred_fraction": _spec("rate", "Bagian iuran JP yang ditunda"),
    "jkp.rate": _spec("rate", "Iuran JKP"),
    "jkp.government_rate": _spec("rate", "Iuran JKP yang dibayar Pemerintah Pusat"),
    "jkp.recomposition_jkk": _spec("rate", "Rekomposisi iuran JKK ke JKP"),
    "jkp.recomposition_jkm": _spec("rate", "Rekomposisi iuran JKM ke JKP"),
    "benefit.pp82_2019_effective_date": _spec("date", "Tanggal berlaku manfaat PP 82/2019"),
    "jkm.lump_sum": _spec("amount", "Santunan sekaligus JKM"),
    "jkm.periodic_monthly": _spec("amount", "Santunan berkala JKM per bulan"),
    "jkm.periodic_months": _spec("count", "Santunan berkala JKM: jumlah bulan"),
    "jkm.funeral": _spec("amount", "Biaya pemakaman JKM"),
    "scholarship.levels": _spec(
        "levels", "Beasiswa per jenjang: nilai per tahun, tahun paling lama"
    ),
    "scholarship.lump_sum": _spec("amount", "Beasiswa sekaligus (sebelum PP 82/2019)"),
    "scholarship.max_children": _spec("count", "Beasiswa: jumlah anak paling banyak"),
    "scholarship.jkm_min_contribution_months": _spec(
        "count", "Beasiswa jalur JKM: masa iur paling singkat (bulan)"
    ),
    "scholarship.max_age": _spec("count", "Beasiswa: usia anak paling tinggi"),
    "scholarship.first_payment_date": _spec(
        "date", "Beasiswa PP 82/2019 mulai dibayar (angsuran pertama: tahun ajaran yang memuatnya)"
    ),
    "jkk.death.wage_multiplier": _spec("count", "JKK meninggal: kali upah"),
    "jkk.death.funeral": _spec("amount", "JKK meninggal: biaya pemakaman"),
    "jkk.death.periodic_total": _spec("amount", "JKK meninggal: santunan berkala sekaligus"),
    "jkk.total_disability.wage_multiplier": _spec("count", "JKK cacat total tetap: kali upah"),
    "jkk.total_disability.periodic_total": _spec(
        "amount", "JKK cacat total tetap: santunan berkala sekaligus"
    ),
    "jkk.partial_disability.wage_multiplier": _spec("count", "JKK cacat sebagian: kali upah"),
    "stmb.schedule": _spec("schedule", "STMB: persentase upah per rentang hari"),
    "stmb.daily_wage_divisor": _spec("count", "STMB: pembagi upah bulanan menjadi upah harian"),
    "claim.jkk_stage1_report_hours": _spec(
        "count", "Laporan kecelakaan kerja tahap I oleh pemberi kerja: paling lambat (jam)"
    ),
    "claim.jkm_payment_working_days": _spec(
        "count", "Pembayaran klaim JKM sejak berkas lengkap: paling lama (hari kerja)"
    ),
    "claim.jkk_payment_working_days": _spec(
        "count", "Pembayaran klaim JKK sejak berkas lengkap: paling lama (hari kerja)"
    ),
    "claim.jkk_late_penalty_rate_per_day": _spec(
        "rate", "Denda keterlambatan pembayaran klaim JKK per hari"
    ),
    "jp.benefit_min": _spec("amount", "Manfaat pensiun JP paling sedikit per bulan"),
    "jp.benefit_max": _spec("amount", "Manfaat pensiun JP paling banyak per bulan"),
    "jp.retirement_age": _spec("count", "Usia pensiun JP (tahun)"),
    HOLIDAYS_KEY: _spec("holidays", "Hari libur nasional dan cuti bersama"),
}

_REQUIRED_FIELDS = (
    "key",
    "value",
    "valid_from",
    "regulation",
    "article",
    "source",
    "confidence",
    "verified",
    "overridable",
)
_OPTIONAL_FIELDS = ("valid_to", "note")


@dataclass(frozen=True)
class Entry:
    """One value of one key for one period (``valid_to`` inclusive; ``None`` = open)."""

    key: str
    value: Any
    valid_from: dt.date
    valid_to: dt.date | None
    regulation: str
    article: str
    source: str
    confidence: str
    verified: bool
    overridable: bool
    note: str = ""
    overridden: bool = False

    def covers(self, on: dt.date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    @property
    def label(self) -> str:
        return KEYS[self.key].label


@dataclass(frozen=True)
class Override:
    """An admin's value for ``key`` over ``valid_from`` .. ``valid_to`` (inclusive; None = open)."""

    key: str
    value: Any
    valid_from: dt.date
    valid_to: dt.date | None
    note: str
    set_by: str


class Parameters:
    """An immutable set of entries. Build it with :func:`load_parameters` or :func:`parse_entries`."""

    __slots__ = ("_by_key", "_entries", "_starts")

    _entries: tuple[Entry, ...]
    _by_key: dict[str, tuple[Entry, ...]]
    _starts: dict[str, list[dt.date]]

    def __init__(self, entries: Iterable[Entry]) -> None:
        ordered = tuple(sorted(entries, key=lambda e: (e.key, e.valid_from)))
        by_key: dict[str, list[Entry]] = {}
        for item in ordered:
            by_key.setdefault(item.key, []).append(item)
        _check_periods(by_key)
        object.__setattr__(self, "_entries", ordered)
        object.__setattr__(self, "_by_key", {k: tuple(v) for k, v in by_key.items()})
        object.__setattr__(
            self, "_starts", {k: [e.valid_from for e in v] for k, v in by_key.items()}
        )

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Parameters is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Parameters is immutable")

    def find(self, key: str, on: dt.date) -> Entry | None:
        """The entry of ``key`` in force on ``on``, or ``None`` (for keys that are not always set)."""
        if key not in KEYS:
            raise ParameterError(f"Parameter tidak dikenal: {key}.", code="parameter_unknown")
        starts = self._starts.get(key)
        if not starts:
            return None
        index = bisect.bisect_right(starts, on) - 1
        if index < 0:
            return None
        candidate = self._by_key[key][index]
        return candidate if candidate.covers(on) else None

    def entry(self, key: str, on: dt.date) -> Entry:
        """The entry of ``key`` in force on ``on``; ``ParameterError`` when there is none."""
        found = self.find(key, on)
        if found is None:
            raise ParameterError(
                f"Parameter {key} ({KEYS[key].label}) tidak punya nilai pada {on:%d-%m-%Y}.",
                code="parameter_missing",
            )
        return found

    def value(self, key: str, on: dt.date) -> Any:
        return self.entry(key, on).value

    def for_month(self, key: str, month: dt.date) -> Entry:
        """The entry for contribution month ``month`` (any day of it): the one in force on its
        last day."""
        return self.entry(key, month_end(month))

    def find_for_month(self, key: str, month: dt.date) -> Entry | None:
        return self.find(key, month_end(month))

    def entries(self) -> tuple[Entry, ...]:
        """Every entry, ordered by key then ``valid_from`` (the UI table of parameters)."""
        return self._entries

    def history(self, key: str) -> tuple[Entry, ...]:
        """The entries of one key in date order."""
        if key not in KEYS:
            raise ParameterError(f"Parameter tidak dikenal: {key}.", code="parameter_unknown")
        return self._by_key.get(key, ())

    def with_overrides(self, overrides: Iterable[Override]) -> Parameters:
        """A new ``Parameters`` in which each override replaces the values of its key for its period.

        Only keys whose entries in that period are all ``overridable`` may be overridden; a period
        with no data-file value may be filled when the key has an overridable entry elsewhere (a JP
        benefit limit not yet found, for example). Overrides apply in order: a later one replaces an
        earlier one where their periods overlap. The new entry keeps the regulation and article of
        the value it replaces and is marked ``overridden`` with the override's note and author.
        """
        by_key = {k: list(v) for k, v in self._by_key.items()}
        for override in overrides:
            spec = KEYS.get(override.key)
            if spec is None:
                raise ParameterError(
                    f"Parameter tidak dikenal: {override.key}.", code="parameter_unknown"
                )
            if override.valid_to is not None and override.valid_to < override.valid_from:
                raise ParameterError(
                    f"Perubahan {override.key}: tanggal akhir sebelum tanggal mulai.",
                    code="period_invalid",
                )
            value = _coerce(spec.kind, override.value, where=f"perubahan {override.key}")
            current = by_key.get(override.key, [])
            overlapping = [
                e for e in current if _overlaps(e, override.valid_from, override.valid_to)
            ]
            allowed = (
                all(e.overridable for e in overlapping)
                if overlapping
                else any(e.overridable for e in current)
            )
            if not allowed:
                raise ParameterError(
                    f"Parameter {override.key} ({spec.label}) tidak boleh diubah: nilainya "
                    "ditetapkan regulasi yang sudah terverifikasi.",
                    code="parameter_not_overridable",
                )
            template = overlapping[0] if overlapping else current[0]
            kept: list[Entry] = []
            for item in current:
                if item in overlapping:
                    kept.extend(_outside(item, override.valid_from, override.valid_to))
                else:
                    kept.append(item)
            kept.append(
                Entry(
                    key=override.key,
                    value=value,
                    valid_from=override.valid_from,
                    valid_to=override.valid_to,
                    regulation=template.regulation,
                    article=template.article,
                    source=f"Diubah oleh {override.set_by}; semula: {template.source}",
                    confidence=template.confidence,
                    verified=False,
                    overridable=True,
                    note=f"{override.note} (oleh {override.set_by})",
                    overridden=True,
                )
            )
            by_key[override.key] = sorted(kept, key=lambda e: e.valid_from)
        result = Parameters(e for items in by_key.values() for e in items)
        check_holidays(result)
        return result


def _overlaps(entry: Entry, start: dt.date, end: dt.date | None) -> bool:
    return (end is None or entry.valid_from <= end) and (
        entry.valid_to is None or start <= entry.valid_to
    )


def _outside(entry: Entry, start: dt.date, end: dt.date | None) -> list[Entry]:
    """The parts of ``entry`` before ``start`` and after ``end`` (a list of days off keeps the
    days of its part only)."""
    parts = []
    if entry.valid_from < start:
        parts.append(_part(entry, entry.valid_from, start - dt.timedelta(days=1)))
    if end is not None and (entry.valid_to is None or end < entry.valid_to):
        parts.append(_part(entry, end + dt.timedelta(days=1), entry.valid_to))
    return parts


def _part(entry: Entry, start: dt.date, end: dt.date | None) -> Entry:
    part = replace(entry, valid_from=start, valid_to=end)
    if entry.key == HOLIDAYS_KEY:
        part = replace(part, value=tuple(h for h in entry.value if part.covers(h.date)))
    return part


def _check_periods(by_key: Mapping[str, list[Entry]]) -> None:
    for key, items in by_key.items():
        for before, after in itertools.pairwise(items):
            if before.valid_to is None or after.valid_from <= before.valid_to:
                raise ParameterError(
                    f"Parameter {key}: masa berlaku {before.valid_from} ({before.regulation}) dan "
                    f"{after.valid_from} ({after.regulation}) bertumpang tindih.",
                    code="period_overlap",
                )


# --- value checks ---------------------------------------------------------------------------


def _decimal(raw: Any, where: str) -> Decimal:
    if isinstance(raw, (bool, float)):
        raise ParameterError(
            f"{where}: tulis angka sebagai teks atau bilangan bulat, bukan {raw!r}.",
            code="value_invalid",
        )
    try:
        return Decimal(str(raw).strip()) if not isinstance(raw, Decimal) else raw
    except InvalidOperation:
        raise ParameterError(f"{where}: bukan angka: {raw!r}.", code="value_invalid") from None


def _rate(raw: Any, where: str) -> Decimal:
    value = _decimal(raw, where)
    if not Decimal(0) <= value <= Decimal(1):
        raise ParameterError(f"{where}: tarif harus 0..1, bukan {raw!r}.", code="value_invalid")
    return value


def _amount(raw: Any, where: str) -> Decimal:
    value = _decimal(raw, where)
    if value < 0 or value != value.to_integral_value():
        raise ParameterError(
            f"{where}: jumlah harus rupiah utuh tidak negatif, bukan {raw!r}.",
            code="value_invalid",
        )
    return value.quantize(Decimal(1))


def _count(raw: Any, where: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int | str | Decimal):
        raise ParameterError(f"{where}: harus bilangan bulat, bukan {raw!r}.", code="value_invalid")
    try:
        value = int(raw)
    except ValueError:
        raise ParameterError(
            f"{where}: harus bilangan bulat, bukan {raw!r}.", code="value_invalid"
        ) from None
    if value < 0 or Decimal(str(raw)) != value:
        raise ParameterError(
            f"{where}: harus bilangan bulat >= 0, bukan {raw!r}.", code="value_invalid"
        )
    return value


def _date(raw: Any, where: str) -> dt.date:
    if isinstance(raw, dt.datetime):
        raise ParameterError(f"{where}: harus tanggal tanpa jam.", code="value_invalid")
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            pass
    raise ParameterError(f"{where}: harus tanggal YYYY-MM-DD, bukan {raw!r}.", code="value_invalid")


def _rows(raw: Any, where: str) -> list[Mapping[str, Any]]:
    if not isinstance(raw, list | tuple) or not all(isinstance(r, Mapping) for r in raw):
        raise ParameterError(f"{where}: harus daftar tabel.", code="value_invalid")
    return list(raw)


def _brackets(raw: Any, where: str) -> tuple[tuple[Decimal, Decimal, Decimal], ...]:
    """``[{income_upto, jkk, jht}, ...]`` ascending by ``income_upto``; empty = use the formula."""
    if isinstance(raw, tuple) and all(isinstance(r, tuple) for r in raw):
        raw = [{"income_upto": a, "jkk": b, "jht": c} for a, b, c in raw]
    out = []
    for row in _rows(raw, where):
        if set(row) != {"income_upto", "jkk", "jht"}:
            raise ParameterError(
                f"{where}: setiap baris berisi income_upto, jkk, jht.", code="value_invalid"
            )
        out.append(
            (
                _amount(row["income_upto"], where),
                _amount(row["jkk"], where),
                _amount(row["jht"], where),
            )
        )
    uppers = [r[0] for r in out]
    if any(b <= a for a, b in itertools.pairwise(uppers)):
        raise ParameterError(f"{where}: income_upto harus naik.", code="value_invalid")
    return tuple(out)


def _levels(raw: Any, where: str) -> tuple[tuple[str, Decimal, int], ...]:
    """``[{level, yearly, max_years}, ...]`` in school order tk, sd, smp, sma, pt."""
    if isinstance(raw, tuple) and all(isinstance(r, tuple) for r in raw):
        raw = [{"level": a, "yearly": b, "max_years": c} for a, b, c in raw]
    out = []
    for row in _rows(raw, where):
        if set(row) != {"level", "yearly", "max_years"}:
            raise ParameterError(
                f"{where}: setiap baris berisi level, yearly, max_years.", code="value_invalid"
            )
        out.append(
            (str(row["level"]), _amount(row["yearly"], where), _count(row["max_years"], where))
        )
    if tuple(level for level, _, _ in out) != SCHOLARSHIP_LEVELS:
        raise ParameterError(
            f"{where}: jenjang harus {', '.join(SCHOLARSHIP_LEVELS)} berurutan.",
            code="value_invalid",
        )
    return tuple(out)


def _schedule(raw: Any, where: str) -> tuple[tuple[int | None, Decimal], ...]:
    """``[{upto_day, percent}, ..., {percent}]``: day ranges from day 1, the last one open."""
    if isinstance(raw, tuple) and all(isinstance(r, tuple) for r in raw):
        raw = [{"percent": p} if d is None else {"upto_day": d, "percent": p} for d, p in raw]
    out: list[tuple[int | None, Decimal]] = []
    rows = _rows(raw, where)
    for index, row in enumerate(rows):
        last = index == len(rows) - 1
        if set(row) != ({"percent"} if last else {"upto_day", "percent"}):
            raise ParameterError(
                f"{where}: setiap baris berisi upto_day dan percent; baris terakhir hanya percent.",
                code="value_invalid",
            )
        percent = _decimal(row["percent"], where)
        if not Decimal(0) <= percent <= Decimal(100):
            raise ParameterError(f"{where}: persen harus 0..100.", code="value_invalid")
        out.append((None if last else _count(row["upto_day"], where), percent))
    days = [d for d, _ in out if d is not None]
    if not out or any(b <= a for a, b in itertools.pairwise(days)) or 0 in days:
        raise ParameterError(f"{where}: upto_day harus naik dan > 0.", code="value_invalid")
    return tuple(out)


def _holidays(raw: Any, where: str) -> tuple[Holiday, ...]:
    """``[{date, name, kind[, verified]}, ...]`` in date order, each date once; ``kind`` is
    ``libur`` or ``cuti_bersama``; ``verified`` defaults to true."""
    if isinstance(raw, tuple) and all(isinstance(r, Holiday) for r in raw):
        return raw
    out = []
    for row in _rows(raw, where):
        if not {"date", "name", "kind"} <= set(row) <= {"date", "name", "kind", "verified"}:
            raise ParameterError(
                f"{where}: setiap baris berisi date, name, kind (dan verified).",
                code="value_invalid",
            )
        name, kind, verified = row["name"], row["kind"], row.get("verified", True)
        if not isinstance(name, str) or not name.strip():
            raise ParameterError(f"{where}: nama hari libur wajib diisi.", code="value_invalid")
        if kind not in HOLIDAY_KINDS:
            raise ParameterError(
                f"{where}: kind harus {' atau '.join(HOLIDAY_KINDS)}, bukan {kind!r}.",
                code="value_invalid",
            )
        if not isinstance(verified, bool):
            raise ParameterError(f"{where}: verified harus true/false.", code="value_invalid")
        out.append(Holiday(_date(row["date"], where), name.strip(), kind, verified))
    days = [h.date for h in out]
    if any(b <= a for a, b in itertools.pairwise(days)):
        raise ParameterError(
            f"{where}: tanggal harus naik dan masing-masing sekali.", code="value_invalid"
        )
    return tuple(out)


_KINDS: Mapping[str, Callable[[Any, str], Any]] = {
    "rate": _rate,
    "amount": _amount,
    "count": _count,
    "date": _date,
    "brackets": _brackets,
    "levels": _levels,
    "schedule": _schedule,
    "holidays": _holidays,
}


def _coerce(kind: str, raw: Any, *, where: str) -> Any:
    return _KINDS[kind](raw, where)


# --- loading --------------------------------------------------------------------------------


def parse_entries(document: Mapping[str, Any], *, name: str) -> list[Entry]:
    """The entries of one parsed data file (``[[values]]`` tables); ``ParameterError`` when bad."""
    values = document.get("values")
    unknown_top = set(document) - {"values", "title"}
    if unknown_top or not isinstance(values, list):
        raise ParameterError(
            f"{name}: berkas harus berisi title dan [[values]] saja.", code="file_invalid"
        )
    out = []
    for index, raw in enumerate(values, start=1):
        where = f"{name} nilai ke-{index}"
        missing = [f for f in _REQUIRED_FIELDS if f not in raw]
        extra = set(raw) - set(_REQUIRED_FIELDS) - set(_OPTIONAL_FIELDS)
        if missing or extra:
            raise ParameterError(
                f"{where}: kolom kurang {missing} atau tidak dikenal {sorted(extra)}.",
                code="file_invalid",
            )
        key = raw["key"]
        spec = KEYS.get(key)
        if spec is None:
            raise ParameterError(
                f"{where}: parameter tidak dikenal: {key}.", code="parameter_unknown"
            )
        where = f"{name} {key} {raw['valid_from']}"
        valid_from = _date(raw["valid_from"], where)
        valid_to = _date(raw["valid_to"], where) if "valid_to" in raw else None
        if valid_to is not None and valid_to < valid_from:
            raise ParameterError(f"{where}: valid_to sebelum valid_from.", code="period_invalid")
        if raw["confidence"] not in CONFIDENCES:
            raise ParameterError(f"{where}: confidence harus H, M atau L.", code="file_invalid")
        flags = (raw["verified"], raw["overridable"])
        if not all(isinstance(f, bool) for f in flags):
            raise ParameterError(
                f"{where}: verified/overridable harus true/false.", code="file_invalid"
            )
        if raw["confidence"] == "L" and raw["verified"]:
            raise ParameterError(f"{where}: nilai [L] tidak boleh verified.", code="file_invalid")
        if not raw["verified"] and not raw["overridable"]:
            raise ParameterError(
                f"{where}: nilai yang belum terverifikasi harus overridable.", code="file_invalid"
            )
        texts = [raw[f] for f in ("regulation", "article", "source")] + [raw.get("note", "")]
        if not all(isinstance(t, str) for t in texts) or not raw["regulation"] or not raw["source"]:
            raise ParameterError(
                f"{where}: regulation dan source wajib diisi.", code="file_invalid"
            )
        out.append(
            Entry(
                key=key,
                value=_coerce(spec.kind, raw["value"], where=where),
                valid_from=valid_from,
                valid_to=valid_to,
                regulation=raw["regulation"],
                article=raw["article"],
                source=raw["source"],
                confidence=raw["confidence"],
                verified=raw["verified"],
                overridable=raw["overridable"],
                note=raw.get("note", ""),
            )
        )
    return out


def _check_jkp(params: Parameters) -> None:
    """PP 37/2021 and PP 6/2025: the JKP rate is the government part plus the recomposed parts."""
    for entry in params.history("jkp.rate"):
        on = entry.valid_from
        parts = (
            params.value("jkp.government_rate", on)
            + params.value("jkp.recomposition_jkk", on)
            + params.value("jkp.recomposition_jkm", on)
        )
        if parts != entry.value:
            raise ParameterError(
                f"JKP {on}: {entry.value} bukan jumlah bagian-bagiannya ({parts}).",
                code="file_invalid",
            )


PP82_DATE_KEY = "benefit.pp82_2019_effective_date"


def _check_pp82(params: Parameters) -> None:
    """Every PP 82/2019 benefit value starts on the PP 82/2019 date of the data files (the
    benefit calculator relies on it to move that date when an admin corrects it)."""
    switch = params.history(PP82_DATE_KEY)
    if len(switch) != 1:
        raise ParameterError(f"{PP82_DATE_KEY} harus satu nilai.", code="file_invalid")
    for entry in params.entries():
        moved = entry.valid_from != switch[0].value
        if entry.regulation == "PP 82/2019" and entry.key != PP82_DATE_KEY and moved:
            raise ParameterError(
                f"{entry.key}: nilai PP 82/2019 harus berlaku sejak {switch[0].value}.",
                code="file_invalid",
            )


def check_holidays(params: Parameters) -> None:
    """Each year's days off lie inside the entry's period, and an entry with an unverified day is
    itself unverified (so the parameter table and the clocks say so). Overrides are checked too."""
    for entry in params.history(HOLIDAYS_KEY):
        outside = [h.date for h in entry.value if not entry.covers(h.date)]
        if outside:
            raise ParameterError(
                f"{HOLIDAYS_KEY} {entry.valid_from}: tanggal di luar masa berlaku: "
                + ", ".join(f"{d}" for d in outside),
                code="file_invalid",
            )
        if entry.verified and not all(h.verified for h in entry.value):
            raise ParameterError(
                f"{HOLIDAYS_KEY} {entry.valid_from}: ada tanggal yang belum terverifikasi; "
                "nilai tahun itu harus verified = false.",
                code="file_invalid",
            )


def read_data_files(directory: Path = DATA_DIR) -> Parameters:
    """Read and validate every ``*.toml`` in ``directory`` (uncached; tests use it directly)."""
    entries: list[Entry] = []
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise ParameterError(f"Tidak ada berkas parameter di {directory}.", code="file_invalid")
    for path in files:
        with path.open("rb") as handle:
            try:
                document = tomllib.load(handle)
            except tomllib.TOMLDecodeError as exc:
                raise ParameterError(
                    f"{path.name}: TOML rusak: {exc}", code="file_invalid"
                ) from None
        entries.extend(parse_entries(document, name=path.name))
    params = Parameters(entries)
    _check_jkp(params)
    _check_pp82(params)
    check_holidays(params)
    return params


@functools.cache
def load_parameters() -> Parameters:
    """The parameters of the data files, validated once per process."""
    return read_data_files()
