"""``cakupan nik check NIK [--sex L|P] [--birth-date YYYY-MM-DD] [--json]``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from cakupan.common.commands import ReportCommand, usage_error
from cakupan.common.nik import SEX_FEMALE, SEX_MALE, NikResult, parse_nik
from cakupan.wilayah import selectors

_SEX_NAMES = {SEX_MALE: "laki-laki", SEX_FEMALE: "perempuan"}
_LEVELS = (
    ("province", "province_code", "Provinsi"),
    ("regency", "regency_code", "Kabupaten/kota"),
    ("district", "district_code", "Kecamatan"),
)


class Command(ReportCommand):
    help = "NIK (Nomor Induk Kependudukan): periksa (check) struktur, tanggal lahir dan wilayah."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="periksa satu NIK")
        check.add_argument("nik", help="16 digit; spasi, titik dan tanda hubung diabaikan")
        check.add_argument(
            "--sex", help="jenis kelamin menurut data: L atau P (dicocokkan dengan NIK)"
        )
        check.add_argument(
            "--birth-date", dest="birth_date", help="tanggal lahir menurut data (YYYY-MM-DD)"
        )
        super().add_arguments(check)

    def handle(self, *args: Any, **options: Any) -> None:
        self._check(options)

    def _check(self, options: dict[str, Any]) -> None:
        sex = _parse_sex(options["sex"])
        birth_date = _parse_birth_date(options["birth_date"])
        names: dict[str, str] = {}

        def lookup(codes: list[str]) -> dict[str, str]:
            names.update(selectors.region_names(codes))
            return names

        result = parse_nik(
            options["nik"],
            sex=sex,
            birth_date=birth_date,
            region_names=lookup,
            today=timezone.localdate(),
        )
        region = {key: _region_entry(getattr(result, attr), names) for key, attr, _label in _LEVELS}
        data = {
            "nik": result.nik if result.nik is not None else result.input,
            "valid": result.valid,
            "errors": [{"code": i.code, "message": i.message} for i in result.errors],
            "warnings": [{"code": i.code, "message": i.message} for i in result.warnings],
            "sex": result.sex,
            "birth_date": result.birth_date,
            "region": region,
        }
        self.emit(data, _text_lines(result, region), as_json=options["as_json"])


def _parse_sex(raw: str | None) -> str | None:
    if raw is None:
        return None
    value = raw.strip().upper()
    if value not in _SEX_NAMES:
        raise usage_error(f"Jenis kelamin harus L (laki-laki) atau P (perempuan), bukan {raw!r}.")
    return value


def _parse_birth_date(raw: str | None) -> dt.date | None:
    if raw is None:
        return None
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise usage_error(
            f"Tanggal lahir harus tanggal yang ada, berformat YYYY-MM-DD, bukan {raw!r}."
        ) from None


def _region_entry(code: str | None, names: dict[str, str]) -> dict[str, str | None] | None:
    return None if code is None else {"code": code, "name": names.get(code)}


def _text_lines(result: NikResult, region: dict[str, dict[str, str | None] | None]) -> list[str]:
    shown = result.nik if result.nik is not None else repr(result.input)
    lines = [f"NIK {shown}: {'valid' if result.valid else 'tidak valid'}"]
    lines += [f"  Kesalahan: {issue.message} [{issue.code}]" for issue in result.errors]
    lines += [f"  Peringatan: {issue.message} [{issue.code}]" for issue in result.warnings]
    if result.nik is None:
        return lines
    sex = f"{_SEX_NAMES[result.sex]} ({result.sex})" if result.sex else "-"
    born = result.birth_date.strftime("%d-%m-%Y") if result.birth_date else "-"
    lines += [f"  Jenis kelamin: {sex}", f"  Tanggal lahir: {born}"]
    for key, _attr, label in _LEVELS:
        entry = region[key]
        if entry is not None:
            name = entry["name"] or "(tidak ada di data wilayah)"
            lines.append(f"  {label}: {entry['code']} {name}")
    return lines
