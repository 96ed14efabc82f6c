"""``cakupan calc contribution ...`` and ``cakupan calc benefit TYPE ...``: the rules calculators.

    cakupan calc contribution --scheme pu|bpu --month YYYY-MM (--wage N | --income N)
        [--risk-class 1-5] --programs jkk,jkm[,jht,jp,jkp] [--birth-date D] [--json]
    cakupan calc benefit TYPE --event-date D [--membership-start D] [--wage N] [--percent P]
        [--days N] [--child LEVEL ...] [--json]

Amounts are integer rupiah; ``rate`` is a decimal fraction as a string (``"0.0024"``) or ``null``
for nominal amounts. Bad input exits 2 with an Indonesian message (``--json``: also
``{"error": {"code", "message"}}`` on stdout).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from cakupan.common.commands import ReportCommand, to_json, usage_error
from cakupan.common.dates import parse_month
from cakupan.common.money import format_rupiah, parse_rupiah
from cakupan.parameters.selectors import active_parameters
from cakupan.rules.benefits import BENEFIT_TYPES, Benefit, BenefitInput, calculate_benefit
from cakupan.rules.contribution import (
    PROGRAMMES,
    Contribution,
    ContributionInput,
    calculate_contribution,
)
from cakupan.rules.errors import RulesError
from cakupan.rules.params import SCHOLARSHIP_LEVELS, Parameters
from cakupan.rules.text import format_percent

_AMOUNT = re.compile(r"(?:Rp\.?\s*)?(\d+|\d{1,3}(?:\.\d{3})+)(?:,0+)?", re.IGNORECASE)


class _BadInput(RulesError):
    """A usage error found while reading the options."""


def _parameters() -> Parameters:
    """The parameters in force: the data files with the administrators' overrides applied."""
    return active_parameters()


def _amount(raw: str | None, name: str, code: str) -> Decimal | None:
    if raw is None:
        return None
    text = raw.strip()
    if not _AMOUNT.fullmatch(text):
        raise _BadInput(
            f"{name} harus rupiah utuh, misalnya 3000000 atau 3.000.000, bukan {raw!r}.", code=code
        )
    return parse_rupiah(text)


def _date(raw: str | None, name: str) -> dt.date | None:
    if raw is None:
        return None
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise _BadInput(
            f"{name} harus tanggal yang ada, berformat YYYY-MM-DD, bukan {raw!r}.",
            code="date_invalid",
        ) from None


def _month(raw: str | None) -> dt.date:
    try:
        return parse_month(raw or "")
    except ValueError:
        raise _BadInput(
            f"--month wajib, berformat YYYY-MM (misalnya 2024-03), bukan {raw!r}.",
            code="month_invalid",
        ) from None


def _programmes(raw: str | None) -> frozenset[str]:
    items = [p.strip().lower() for p in (raw or "").split(",") if p.strip()]
    unknown = [p for p in items if p not in PROGRAMMES]
    if not items or unknown:
        raise _BadInput(
            f"--programs wajib, dipisah koma dari {', '.join(PROGRAMMES)} (misalnya jkk,jkm), "
            f"bukan {raw!r}.",
            code="programme_invalid",
        )
    return frozenset(items)


def _risk_class(raw: str | None) -> int | None:
    if raw is None:
        return None
    if raw.strip() not in {"1", "2", "3", "4", "5"}:
        raise _BadInput(f"--risk-class harus 1 sampai 5, bukan {raw!r}.", code="risk_class_invalid")
    return int(raw)


def _percent(raw: str | None) -> Decimal | None:
    if raw is None:
        return None
    try:
        value = Decimal(raw.strip().removesuffix("%").replace(",", "."))
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise _BadInput(f"--percent harus angka 0-100, bukan {raw!r}.", code="percent_invalid")
    return value


def _days(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not raw.strip().isdigit():
        raise _BadInput(f"--days harus bilangan bulat, bukan {raw!r}.", code="days_invalid")
    return int(raw)


def _rate_text(rate: Decimal | None) -> str | None:
    return None if rate is None else f"{rate.normalize():f}"


class Command(ReportCommand):
    help = "Kalkulator iuran dan manfaat BPJS Ketenagakerjaan menurut aturan yang berlaku."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        contribution = sub.add_parser("contribution", help="iuran satu orang untuk satu bulan")
        contribution.add_argument("--scheme", help="pu (penerima upah) atau bpu")
        contribution.add_argument("--month", help="bulan iuran YYYY-MM")
        contribution.add_argument("--wage", help="upah sebulan (PU), rupiah")
        contribution.add_argument("--income", help="penghasilan yang dilaporkan (BPU), rupiah")
        contribution.add_argument(
            "--risk-class", dest="risk_class", help="kelas risiko JKK 1-5 (PU)"
        )
        contribution.add_argument("--programs", help="program dipisah koma: jkk,jkm[,jht,jp,jkp]")
        contribution.add_argument(
            "--birth-date", dest="birth_date", help="tanggal lahir YYYY-MM-DD (pemeriksaan usia JP)"
        )
        super().add_arguments(contribution)
        benefit = sub.add_parser("benefit", help="manfaat untuk satu peristiwa")
        benefit.add_argument("type", help=f"jenis manfaat: {', '.join(BENEFIT_TYPES)}")
        benefit.add_argument("--event-date", dest="event_date", help="tanggal peristiwa YYYY-MM-DD")
        benefit.add_argument(
            "--membership-start", dest="membership_start", help="mulai kepesertaan YYYY-MM-DD"
        )
        benefit.add_argument("--wage", help="upah sebulan terakhir, rupiah")
        benefit.add_argument("--percent", help="persentase cacat (0-100)")
        benefit.add_argument("--days", help="jumlah hari tidak mampu bekerja (STMB)")
        benefit.add_argument(
            "--child",
            action="append",
            default=[],
            help=f"jenjang sekolah anak sekarang: {', '.join(SCHOLARSHIP_LEVELS)} (boleh berulang)",
        )
        super().add_arguments(benefit)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "contribution":
                self._contribution(options)
            else:
                self._benefit(options)
        except RulesError as error:
            if options["as_json"]:
                self.stdout.write(
                    to_json({"error": {"code": error.code, "message": error.message}})
                )
            raise usage_error(error.message) from None

    def _contribution(self, options: dict[str, Any]) -> None:
        scheme = (options["scheme"] or "").strip().lower()
        if scheme not in ("pu", "bpu"):
            raise _BadInput(
                f"--scheme wajib: pu (penerima upah) atau bpu (bukan penerima upah), bukan "
                f"{options['scheme']!r}.",
                code="scheme_invalid",
            )
        month = _month(options["month"])
        wage = _amount(options["wage"], "--wage", "wage_invalid")
        income = _amount(options["income"], "--income", "wage_invalid")
        basis = wage if income is None else income
        if basis is None or (wage is not None and income is not None):
            raise _BadInput(
                "Sebutkan salah satu: --wage (upah PU) atau --income (penghasilan BPU).",
                code="wage_invalid",
            )
        result = calculate_contribution(
            ContributionInput(
                scheme=scheme,
                month=month,
                wage=basis,
                programmes=_programmes(options["programs"]),
                risk_class=_risk_class(options["risk_class"]),
                birth_date=_date(options["birth_date"], "--birth-date"),
            ),
            _parameters(),
        )
        data = {
            "month": f"{result.month:%Y-%m}",
            "scheme": result.scheme,
            "lines": [
                {
                    "program": line.programme,
                    "basis": line.basis,
                    "rate": _rate_text(line.rate),
                    "employer": line.employer,
                    "worker": line.worker,
                    "total": line.total,
                    "source": line.source,
                }
                for line in result.lines
            ],
            "employer_total": result.employer_total,
            "worker_total": result.worker_total,
            "total": result.total,
            "explanation": [t for line in result.lines for t in line.explanation]
            + list(result.notes),
        }
        self.emit(data, _contribution_text(result), as_json=options["as_json"])

    def _benefit(self, options: dict[str, Any]) -> None:
        event_date = _date(options["event_date"], "--event-date")
        if event_date is None:
            raise _BadInput("--event-date wajib (YYYY-MM-DD).", code="date_invalid")
        result = calculate_benefit(
            BenefitInput(
                type=options["type"].strip().lower(),
                event_date=event_date,
                membership_start=_date(options["membership_start"], "--membership-start"),
                wage=_amount(options["wage"], "--wage", "wage_invalid"),
                percent=_percent(options["percent"]),
                days=_days(options["days"]),
                children=tuple(c.strip().lower() for c in options["child"]),
            ),
            _parameters(),
        )
        data: dict[str, Any] = {
            "type": result.type,
            "lines": [
                {"item": line.item, "amount": line.amount, "source": line.source}
                for line in result.lines
            ],
            "total": result.total,
        }
        if result.schedule:
            data["schedule"] = [
                {"child": s.child, "year": s.year, "level": s.level, "amount": s.amount}
                for s in result.schedule
            ]
        data["explanation"] = [line.explanation for line in result.lines] + list(result.notes)
        self.emit(data, _benefit_text(result), as_json=options["as_json"])


def _table(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def fmt(row: list[str]) -> str:
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    return [fmt(header), *(fmt(r) for r in rows)]


def _contribution_text(result: Contribution) -> list[str]:
    scheme = "penerima upah (PU)" if result.scheme == "pu" else "bukan penerima upah (BPU)"
    rows = [
        [
            line.programme.upper(),
            format_rupiah(line.basis),
            format_percent(line.rate) if line.rate is not None else "nominal",
            format_rupiah(line.employer),
            format_rupiah(line.worker),
            format_rupiah(line.total),
            line.source,
        ]
        for line in result.lines
    ]
    rows.append(
        [
            "Jumlah",
            "",
            "",
            format_rupiah(result.employer_total),
            format_rupiah(result.worker_total),
            format_rupiah(result.total),
            "",
        ]
    )
    header = ["Program", "Dasar", "Tarif", "Pemberi kerja", "Pekerja", "Jumlah", "Dasar hukum"]
    lines = [f"Iuran bulan {result.month:%m-%Y}, {scheme}", ""]
    lines += _table(header, rows, right={1, 2, 3, 4, 5})
    explanation = [t for line in result.lines for t in line.explanation]
    lines += ["", "Penjelasan:", *(f"- {t}" for t in explanation)]
    if result.notes:
        lines += ["", "Catatan:", *(f"- {t}" for t in result.notes)]
    return lines


def _benefit_text(result: Benefit) -> list[str]:
    rows = [[line.item, format_rupiah(line.amount), line.source] for line in result.lines]
    rows.append(["Jumlah", format_rupiah(result.total), ""])
    lines = [f"Manfaat {result.type}", ""]
    lines += _table(["Manfaat", "Jumlah", "Dasar hukum"], rows, right={1})
    if result.schedule:
        lines += ["", "Jadwal beasiswa (paling banyak):"]
        lines += _table(
            ["Anak", "Tahun", "Jenjang", "Jumlah"],
            [
                [str(s.child), str(s.year), s.level.upper(), format_rupiah(s.amount)]
                for s in result.schedule
            ],
            right={0, 1, 3},
        )
    lines += ["", "Penjelasan:", *(f"- {line.explanation}" for line in result.lines)]
    if result.notes:
        lines += ["", "Catatan:", *(f"- {t}" for t in result.notes)]
    return lines
