"""BPJS Ketenagakerjaan contributions for one contribution month: the rate table and the calculator.

Contract
- :func:`month_rates` gives, for one contribution month, every rate row billing needs (PU: JKK per
  risk class I-V, JKM, JHT, JP with its wage cap, JKP when asked; BPU: JKK, JKM, JHT), after any
  relief (PP 49/2020) or JKP recomposition (PP 37/2021, PP 6/2025) of that month, plus the BPU
  bracket table, the due dates and the late-fee rate. Values are those for the contribution month
  (:meth:`Parameters.for_month`: in force on its last day).
- :func:`calculate_contribution` prices one person-month with exactly those rows, so billing's SQL
  and the calculator never disagree (:func:`apply_rate_row` is the one formula), and explains every
  line in Indonesian with the regulation and article.

Rounding (one policy, ``cakupan.common.money.round_rupiah``, half up to the whole rupiah)
- Per line and per party: ``employer = round_rupiah(basis x employer_rate)``,
  ``worker = round_rupiah(basis x worker_rate)``, line total = employer + worker. Rates are never
  rounded; relief factors multiply the rate before the single rounding.
- JP basis = min(wage, JP wage cap of the month) (PP 45/2015 Pasal 29). No other basis is capped;
  no wage floor is applied (DOMAIN.md section 11 item 6: not established).
- BPU (the participant pays the whole contribution; it is the ``worker`` share, ``employer`` is 0):
  JKK = the bracket's nominal amount when a bracket table is configured, else
  ``max(round_rupiah(income x 1%), minimum Rp10.000)``; JKM = the flat Rp6.800; JHT = the bracket's
  nominal amount, else ``round_rupiah(income x 2%)``. Brackets: the first row whose ``income_upto``
  is at least the income; an income above the last row uses the last row.
- PP 49/2020 months (August 2020 - January 2021): JKK and JKM rates (and the BPU minimum and flat
  amounts, rounded once) are cut by 99%; the JP rates are the 1% paid that month, the deferred 99% is
  explained, not charged; the due date is the 30th of the following month (the last day when the
  month is shorter) and the late fee 0.5% a month.
- JKP (PU only, when asked): the JKK rate loses the recomposed 0.14% and, in PP 37/2021 months, the
  JKM rate 0.10%; the JKP line charges the employer those recomposed parts; the 0.22% paid by the
  central government is explained, not charged. JKP is taken on the full wage (the Rp5.000.000 cap
  of DOMAIN.md section 2.4 is the benefit base), so the employer total is unchanged up to rounding.
- JP for a person who on the first day of the contribution month has reached the retirement age of
  that month (PP 45/2015 Pasal 15): no JP line, a note instead (DOMAIN.md section 4.5, [L]).
- Contribution months before July 2015 (start of the PP 44/2015/45/2015/46/2015 regime) are refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from cakupan.common.dates import month_end, shift_month
from cakupan.common.money import round_rupiah
from cakupan.rules.errors import InputError
from cakupan.rules.params import Entry, Parameters
from cakupan.rules.text import Note, format_date, format_percent, format_rupiah, roman

__all__ = [
    "FIRST_MONTH",
    "PROGRAMMES",
    "Contribution",
    "ContributionInput",
    "ContributionLine",
    "MonthRates",
    "RateRow",
    "apply_rate_row",
    "calculate_contribution",
    "month_rates",
]

#: The first contribution month of the current regime (JP and the PP 44/2015 rates: 1 July 2015).
FIRST_MONTH = dt.date(2015, 7, 1)
SCHEMES = ("pu", "bpu")
#: Programmes in the order lines are shown.
PROGRAMMES = ("jkk", "jkm", "jht", "jp", "jkp")
_PU_ONLY = frozenset({"jp", "jkp"})
_MINIMUM = frozenset({"jkk", "jkm"})
_ZERO = Decimal(0)
_ONE = Decimal(1)


@dataclass(frozen=True)
class RateRow:
    """One rate of one contribution month, ready to apply (see :func:`apply_rate_row`).

    Rates are fractions after any relief or recomposition of the month. ``cap`` caps the basis (JP).
    ``minimum`` (BPU JKK) and ``flat`` (BPU JKM; rates then 0) are amounts of the worker share: BPU
    participants pay their whole contribution themselves or through whoever pays for them.
    """

    scheme: str
    programme: str
    risk_class: int | None
    employer_rate: Decimal
    worker_rate: Decimal
    cap: Decimal | None
    minimum: Decimal | None
    flat: Decimal | None
    source: str


@dataclass(frozen=True)
class MonthRates:
    """Everything needed to bill one contribution month.

    ``bpu_brackets`` are ``(income_upto, jkk_nominal, jht_nominal)`` ascending, already reduced by
    any relief of the month; empty means the formula of the BPU rows applies. ``pu_due_date`` and
    ``bpu_due_date`` are the last days to pay without arrears; ``late_fee_rate`` is per month of
    delay on PU contributions (BPU has no late fee).
    """

    month: dt.date
    rows: tuple[RateRow, ...]
    bpu_brackets: tuple[tuple[Decimal, Decimal, Decimal], ...]
    pu_due_date: dt.date
    bpu_due_date: dt.date
    late_fee_rate: Decimal

    def row(self, scheme: str, programme: str, risk_class: int | None = None) -> RateRow:
        for item in self.rows:
            if (item.scheme, item.programme, item.risk_class) == (scheme, programme, risk_class):
                return item
        raise KeyError((scheme, programme, risk_class))


@dataclass(frozen=True)
class ContributionInput:
    """One person-month. ``wage``: PU monthly wage or BPU declared income, whole rupiah.
    ``risk_class`` (1-5) is required for PU JKK; ``birth_date`` enables the JP age check."""

    scheme: str
    month: dt.date
    wage: Decimal
    programmes: frozenset[str]
    risk_class: int | None = None
    birth_date: dt.date | None = None


@dataclass(frozen=True)
class ContributionLine:
    """One programme. ``basis`` is the amount the rate applied to (capped for JP); ``rate`` is the
    total rate, ``None`` when the amount is a nominal one (BPU flat, minimum or bracket)."""

    programme: str
    basis: Decimal
    rate: Decimal | None
    employer: Decimal
    worker: Decimal
    total: Decimal
    source: str
    explanation: tuple[str, ...]


@dataclass(frozen=True)
class Contribution:
    month: dt.date
    scheme: str
    lines: tuple[ContributionLine, ...]
    employer_total: Decimal
    worker_total: Decimal
    total: Decimal
    notes: tuple[str, ...]


def apply_rate_row(
    row: RateRow,
    basis: Decimal,
    brackets: tuple[tuple[Decimal, Decimal, Decimal], ...] = (),
) -> tuple[Decimal, Decimal]:
    """``(employer, worker)`` for ``basis`` (wage or declared income) under ``row``.

    The one formula shared by the calculator and (as SQL) by billing: flat amount, else the bracket
    nominal for BPU JKK/JHT when brackets are configured, else ``round_rupiah(min(basis, cap) x
    rate)`` per party with the minimum applied to the worker share.
    """
    if row.flat is not None:
        return _ZERO, row.flat
    if row.scheme == "bpu" and brackets and row.programme in ("jkk", "jht"):
        bracket = _bracket(brackets, basis)
        return _ZERO, bracket[1] if row.programme == "jkk" else bracket[2]
    capped = basis if row.cap is None else min(basis, row.cap)
    employer = round_rupiah(capped * row.employer_rate)
    worker = round_rupiah(capped * row.worker_rate)
    if row.minimum is not None:
        worker = max(worker, row.minimum)
    return employer, worker


def _bracket(
    brackets: tuple[tuple[Decimal, Decimal, Decimal], ...], income: Decimal
) -> tuple[Decimal, Decimal, Decimal]:
    for bracket in brackets:
        if income <= bracket[0]:
            return bracket
    return brackets[-1]


# --- the rate table of a month ---------------------------------------------------------------


@dataclass
class _Detail:
    """What a row was built from, for the explanation lines."""

    base_employer: Decimal = _ZERO
    base_worker: Decimal = _ZERO
    entries: list[Entry] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


@dataclass
class _Month:
    rates: MonthRates
    details: dict[tuple[str, str, int | None], _Detail]
    bracket_entry: Entry
    jkp_entries: tuple[Entry, ...]


def _short(entries: Iterable[Entry]) -> str:
    """``"PP 45/2015 Pasal 29; PP 49/2020"``: each regulation once, with the articles used."""
    articles: dict[str, list[str]] = {}
    for entry in entries:
        seen = articles.setdefault(entry.regulation, [])
        if entry.article and entry.article not in seen:
            seen.append(entry.article)
    return "; ".join(f"{reg} {', '.join(arts)}".strip() for reg, arts in articles.items())


def _due(month: dt.date, day: int, *, following: bool) -> dt.date:
    first = shift_month(month, 1) if following else month
    return first.replace(day=min(day, month_end(first).day))


def _check_month(month: dt.date) -> dt.date:
    first = month.replace(day=1)
    if first < FIRST_MONTH:
        raise InputError(
            f"Bulan iuran {first:%m-%Y} sebelum Juli 2015: aturan iuran yang dihitung di sini "
            "(PP 44/2015, PP 45/2015, PP 46/2015) berlaku sejak 1 Juli 2015.",
            code="month_out_of_range",
        )
    return first


def _build(month: dt.date, params: Parameters, *, jkp: bool) -> _Month:
    month = _check_month(month)

    def get(key: str) -> Entry:
        return params.for_month(key, month)

    rows: list[RateRow] = []
    details: dict[tuple[str, str, int | None], _Detail] = {}

    def add(row: RateRow, detail: _Detail) -> None:
        rows.append(row)
        details[(row.scheme, row.programme, row.risk_class)] = detail

    pu_cut = params.find_for_month("relief.pu_jkk_jkm_cut", month)
    bpu_cut = params.find_for_month("relief.bpu_jkk_jkm_cut", month)
    jp_deferred = params.find_for_month("relief.jp_deferred_fraction", month)
    pu_keep = _ONE - (pu_cut.value if pu_cut else _ZERO)
    bpu_keep = _ONE - (bpu_cut.value if bpu_cut else _ZERO)

    jkp_entries: tuple[Entry, ...] = ()
    recomposed_jkk = recomposed_jkm = _ZERO
    if jkp:
        found = params.find_for_month("jkp.rate", month)
        if found is None:
            raise InputError(
                f"JKP belum berlaku pada bulan iuran {month:%m-%Y} (PP 37/2021).",
                code="programme_not_in_force",
            )
        jkp_entries = (
            found,
            get("jkp.government_rate"),
            get("jkp.recomposition_jkk"),
            get("jkp.recomposition_jkm"),
        )
        recomposed_jkk, recomposed_jkm = jkp_entries[2].value, jkp_entries[3].value
    relief = [pu_cut] if pu_cut else []

    for risk_class in range(1, 6):
        entry = get(f"pu.jkk.rate.{risk_class}")
        used = [entry, *relief, *(jkp_entries[2:3] if jkp else ())]
        add(
            RateRow(
                scheme="pu",
                programme="jkk",
                risk_class=risk_class,
                employer_rate=(entry.value - recomposed_jkk) * pu_keep,
                worker_rate=_ZERO,
                cap=None,
                minimum=None,
                flat=None,
                source=_short(used),
            ),
            _Detail(base_employer=entry.value, entries=used),
        )
    entry = get("pu.jkm.rate")
    used = [entry, *relief, *(jkp_entries[3:4] if jkp and recomposed_jkm else ())]
    add(
        RateRow(
            "pu",
            "jkm",
            None,
            (entry.value - recomposed_jkm) * pu_keep,
            _ZERO,
            None,
            None,
            None,
            _short(used),
        ),
        _Detail(base_employer=entry.value, entries=used),
    )
    employer, worker = get("pu.jht.employer_rate"), get("pu.jht.worker_rate")
    add(
        RateRow(
            "pu",
            "jht",
            None,
            employer.value,
            worker.value,
            None,
            None,
            None,
            _short([employer, worker]),
        ),
        _Detail(base_employer=employer.value, base_worker=worker.value, entries=[employer, worker]),
    )
    employer, worker, cap = get("pu.jp.employer_rate"), get("pu.jp.worker_rate"), get("jp.wage_cap")
    jp_keep = _ONE - (jp_deferred.value if jp_deferred else _ZERO)
    used = [employer, worker, cap, *([jp_deferred] if jp_deferred else [])]
    add(
        RateRow(
            "pu",
            "jp",
            None,
            employer.value * jp_keep,
            worker.value * jp_keep,
            cap.value,
            None,
            None,
            _short(used),
        ),
        _Detail(base_employer=employer.value, base_worker=worker.value, entries=used),
    )
    if jkp:
        add(
            RateRow(
                "pu",
                "jkp",
                None,
                recomposed_jkk + recomposed_jkm,
                _ZERO,
                None,
                None,
                None,
                _short(jkp_entries[:1]),
            ),
            _Detail(entries=list(jkp_entries)),
        )

    bpu_relief = [bpu_cut] if bpu_cut else []
    rate, minimum = get("bpu.jkk.rate"), get("bpu.jkk.minimum")
    used = [rate, minimum, *bpu_relief]
    add(
        RateRow(
            "bpu",
            "jkk",
            None,
            _ZERO,
            rate.value * bpu_keep,
            None,
            round_rupiah(minimum.value * bpu_keep),
            None,
            _short(used),
        ),
        _Detail(base_worker=rate.value, entries=used),
    )
    flat = get("bpu.jkm.flat")
    used = [flat, *bpu_relief]
    add(
        RateRow(
            "bpu",
            "jkm",
            None,
            _ZERO,
            _ZERO,
            None,
            None,
            round_rupiah(flat.value * bpu_keep),
            _short(used),
        ),
        _Detail(entries=used),
    )
    rate = get("bpu.jht.rate")
    add(
        RateRow("bpu", "jht", None, _ZERO, rate.value, None, None, None, _short([rate])),
        _Detail(base_worker=rate.value, entries=[rate]),
    )

    bracket_entry = get("bpu.brackets")
    brackets = tuple(
        (upto, round_rupiah(jkk * bpu_keep), jht) for upto, jkk, jht in bracket_entry.value
    )
    return _Month(
        rates=MonthRates(
            month=month,
            rows=tuple(rows),
            bpu_brackets=brackets,
            pu_due_date=_due(month, get("pu.due_day").value, following=True),
            bpu_due_date=_due(month, get("bpu.due_day").value, following=False),
            late_fee_rate=get("pu.late_fee_rate").value,
        ),
        details=details,
        bracket_entry=bracket_entry,
        jkp_entries=jkp_entries,
    )


def month_rates(month: dt.date, params: Parameters, *, jkp: bool = False) -> MonthRates:
    """The rate table of contribution month ``month`` (any day of it).

    ``jkp=True`` gives the PU rows of an employer enrolled in JKP (JKK and JKM recomposed, plus a
    ``jkp`` row); it raises ``InputError`` (``programme_not_in_force``) for months before JKP.
    Raises ``InputError`` (``month_out_of_range``) before July 2015 and ``ParameterError`` when a
    value is missing for the month.
    """
    return _build(month, params, jkp=jkp).rates


# --- the calculator --------------------------------------------------------------------------


def _validate(inp: ContributionInput) -> None:
    if inp.scheme not in SCHEMES:
        raise InputError(
            f"Skema harus pu (penerima upah) atau bpu (bukan penerima upah), bukan {inp.scheme!r}.",
            code="scheme_invalid",
        )
    if not inp.wage.is_finite() or inp.wage <= 0 or inp.wage != inp.wage.to_integral_value():
        word = "Upah" if inp.scheme == "pu" else "Penghasilan"
        raise InputError(
            f"{word} harus rupiah utuh lebih dari nol, bukan {inp.wage}.", code="wage_invalid"
        )
    unknown = sorted(set(inp.programmes) - set(PROGRAMMES))
    if unknown:
        raise InputError(
            f"Program tidak dikenal: {', '.join(unknown)} (pilih dari {', '.join(PROGRAMMES)}).",
            code="programme_invalid",
        )
    if not inp.programmes >= _MINIMUM:
        raise InputError(
            "Program paling sedikit JKK dan JKM (DOMAIN: kepesertaan minimum).",
            code="programme_required",
        )
    if inp.scheme == "bpu" and inp.programmes & _PU_ONLY:
        raise InputError(
            "JP dan JKP hanya untuk peserta penerima upah (PU), tidak untuk BPU.",
            code="programme_not_allowed",
        )
    if inp.scheme == "pu":
        if inp.risk_class is None:
            raise InputError(
                "Kelas risiko JKK (1-5) wajib untuk peserta penerima upah.",
                code="risk_class_required",
            )
        if inp.risk_class not in range(1, 6):
            raise InputError(
                f"Kelas risiko JKK harus 1 sampai 5, bukan {inp.risk_class}.",
                code="risk_class_invalid",
            )


def _age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def flag_notes(entries: Iterable[Entry]) -> list[Note]:
    """Notes on the values used that an admin changed (one each, flagged ``"overridden"``) and
    on those not verified (one note listing them, flagged ``"unverified"``)."""
    notes: list[Note] = []
    unverified: list[str] = []
    for entry in dict.fromkeys(entries):
        if entry.overridden:
            text = f"Nilai {entry.label} diubah admin: {entry.note}."
            if text not in notes:
                notes.append(Note(text, "overridden"))
        elif not entry.verified:
            text = f"{entry.label} ({entry.regulation})"
            if text not in unverified:
                unverified.append(text)
    if unverified:
        notes.append(
            Note(
                "Nilai yang belum terverifikasi terhadap naskah regulasi (admin dapat mengubahnya): "
                + "; ".join(unverified)
                + ".",
                "unverified",
            )
        )
    return notes


def _rupiah_x(rate: Decimal, basis: Decimal, amount: Decimal) -> str:
    return f"{format_percent(rate)} x {format_rupiah(basis)} = {format_rupiah(amount)}"


def calculate_contribution(inp: ContributionInput, params: Parameters) -> Contribution:
    """Price one person-month (see the module docstring for the rounding policy).

    Raises ``InputError`` with a stable ``code``: ``scheme_invalid``, ``wage_invalid``,
    ``programme_invalid``, ``programme_required`` (JKK and JKM are the minimum),
    ``programme_not_allowed`` (JP/JKP for BPU), ``risk_class_required``, ``risk_class_invalid``,
    ``month_out_of_range`` (before July 2015), ``programme_not_in_force`` (JKP before PP 37/2021).
    """
    _validate(inp)
    built = _build(inp.month, params, jkp=inp.scheme == "pu" and "jkp" in inp.programmes)
    rates, month = built.rates, built.rates.month
    notes: list[str] = []
    programmes = [p for p in PROGRAMMES if p in inp.programmes]
    if "jp" in programmes and inp.birth_date is not None:
        age_entry = params.for_month("jp.retirement_age", month)
        age = _age_on(inp.birth_date, month)
        if age >= age_entry.value:
            programmes.remove("jp")
            notes.append(
                f"Tidak ada iuran JP: pada {format_date(month)} peserta berusia {age} tahun, sudah "
                f"mencapai usia pensiun {age_entry.value} tahun ({age_entry.regulation} "
                f"{age_entry.article}); pendaftaran JP pada usia itu tidak dilakukan dalam praktik "
                "(aturan tertulisnya belum ditemukan)."
            )
    lines = []
    used_entries: list[Entry] = []
    for programme in programmes:
        risk_class = inp.risk_class if inp.scheme == "pu" and programme == "jkk" else None
        key = (inp.scheme, programme, risk_class)
        row, detail = rates.row(*key), built.details[key]
        brackets = rates.bpu_brackets if inp.scheme == "bpu" else ()
        employer, worker = apply_rate_row(row, inp.wage, brackets)
        basis = inp.wage if row.cap is None else min(inp.wage, row.cap)
        nominal = row.flat is not None or (
            inp.scheme == "bpu"
            and (
                (bool(brackets) and programme in ("jkk", "jht"))
                or (row.minimum is not None and round_rupiah(basis * row.worker_rate) < row.minimum)
            )
        )
        entries = list(detail.entries)
        if inp.scheme == "bpu" and brackets and programme in ("jkk", "jht"):
            entries.append(built.bracket_entry)
        text = _explain(inp, row, detail, built, basis, employer, worker, brackets)
        used_entries.extend(entries)
        lines.append(
            ContributionLine(
                programme=programme,
                basis=basis,
                rate=None if nominal else row.employer_rate + row.worker_rate,
                employer=employer,
                worker=worker,
                total=employer + worker,
                source=_short(entries),
                explanation=tuple(text),
            )
        )
    if inp.scheme == "bpu":
        notes.append(
            "Iuran BPU seluruhnya iuran peserta (kolom pekerja); bila pemerintah daerah, desa atau "
            "donatur membayarkannya, merekalah yang menanggung jumlah itu."
        )
    notes.extend(flag_notes(used_entries))
    employer_total = sum((line.employer for line in lines), _ZERO)
    worker_total = sum((line.worker for line in lines), _ZERO)
    return Contribution(
        month=month,
        scheme=inp.scheme,
        lines=tuple(lines),
        employer_total=employer_total,
        worker_total=worker_total,
        total=employer_total + worker_total,
        notes=tuple(notes),
    )


def _explain(
    inp: ContributionInput,
    row: RateRow,
    detail: _Detail,
    built: _Month,
    basis: Decimal,
    employer: Decimal,
    worker: Decimal,
    brackets: tuple[tuple[Decimal, Decimal, Decimal], ...],
) -> list[str]:
    """The Indonesian explanation lines of one contribution line."""
    cite = f"({row.source})"
    entries = {e.key: e for e in detail.entries}
    programme = row.programme
    out: list[str] = []
    if inp.scheme == "pu" and programme in ("jkk", "jkm"):
        name = f"JKK kelas {roman(row.risk_class or 0)}" if programme == "jkk" else "JKM"
        steps = format_percent(detail.base_employer)
        recomposition = entries.get(f"jkp.recomposition_{programme}")
        if recomposition is not None and recomposition.value:
            steps += f" - {format_percent(recomposition.value)} direkomposisi ke JKP"
        cut = entries.get("relief.pu_jkk_jkm_cut")
        if cut is not None:
            steps += f", dikurangi {format_percent(cut.value)}"
        if steps != format_percent(row.employer_rate):
            steps += f" = {format_percent(row.employer_rate)}"
        out.append(f"{name}: {steps} x {format_rupiah(basis)} = {format_rupiah(employer)} {cite}")
    elif inp.scheme == "pu" and programme in ("jht", "jp"):
        name = programme.upper()
        if programme == "jp":
            cap = entries["jp.wage_cap"]
            if inp.wage > cap.value:
                out.append(
                    f"JP: upah {format_rupiah(inp.wage)} melebihi batas upah "
                    f"{format_rupiah(cap.value)} (berlaku sejak {format_date(cap.valid_from)}, "
                    f"{cap.regulation} {cap.article}); dasar iuran {format_rupiah(basis)}"
                )
        deferred = entries.get("relief.jp_deferred_fraction")
        out.append(
            f"{name}: pemberi kerja {_rupiah_x(row.employer_rate, basis, employer)}; "
            f"pekerja {_rupiah_x(row.worker_rate, basis, worker)} {cite}"
        )
        if deferred is not None:
            full = round_rupiah(basis * detail.base_employer) + round_rupiah(
                basis * detail.base_worker
            )
            out.append(
                f"JP: {format_percent(deferred.value)} iuran ditunda ({deferred.regulation}); "
                f"iuran penuh {format_rupiah(full)}, ditagih bulan ini "
                f"{format_rupiah(employer + worker)}, sisanya {format_rupiah(full - employer - worker)}"
                " dibayar kemudian (15-05-2021 s.d. 15-04-2022)"
            )
    elif programme == "jkp":
        rate, government, jkk, jkm = built.jkp_entries
        parts = f"{format_percent(government.value)} dibayar Pemerintah Pusat (tidak ditagih)"
        parts += f" + {format_percent(jkk.value)} dari iuran JKK"
        if jkm.value:
            parts += f" + {format_percent(jkm.value)} dari iuran JKM"
        out.append(f"JKP {format_percent(rate.value)} = {parts} ({rate.regulation})")
        out.append(
            f"JKP (rekomposisi, dibayar pemberi kerja): "
            f"{_rupiah_x(row.employer_rate, basis, employer)} ({_short(built.jkp_entries[2:])})"
        )
    elif programme == "jkm":
        out.append(f"JKM BPU: {format_rupiah(worker)} per bulan {cite}")
    else:
        name = f"{programme.upper()} BPU"
        if brackets:
            bracket = _bracket(brackets, inp.wage)
            entry = built.bracket_entry
            origin = f"{entry.regulation} {entry.article}".strip()
            if entry.overridden:
                origin += f"; tabel diubah admin: {entry.note}"
            out.append(
                f"{name}: penghasilan {format_rupiah(inp.wage)} masuk tingkat sampai "
                f"{format_rupiah(bracket[0])}: {format_rupiah(worker)} ({origin})"
            )
        elif row.minimum is not None:
            computed = round_rupiah(basis * row.worker_rate)
            text = f"{name}: {_rupiah_x(row.worker_rate, basis, computed)}"
            if computed < row.minimum:
                text += (
                    f", kurang dari iuran paling sedikit {format_rupiah(row.minimum)}; "
                    f"dipakai {format_rupiah(worker)}"
                )
            out.append(f"{text} {cite}")
        else:
            out.append(f"{name}: {_rupiah_x(row.worker_rate, basis, worker)} {cite}")
        cut = entries.get("relief.bpu_jkk_jkm_cut")
        if cut is not None and programme == "jkk":
            out.append(
                f"JKK BPU: tarif dan iuran paling sedikit dikurangi {format_percent(cut.value)} "
                f"({cut.regulation})"
            )
    if inp.scheme == "bpu" and programme == "jkm":
        cut = entries.get("relief.bpu_jkk_jkm_cut")
        if cut is not None:
            out.append(f"JKM BPU: dikurangi {format_percent(cut.value)} ({cut.regulation})")
    return out
