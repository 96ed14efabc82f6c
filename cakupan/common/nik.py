"""NIK (Nomor Induk Kependudukan): parse, validate, cross-check, format, mask and build.

Layout ``PP KK CC DDMMYY NNNN``: province, kabupaten/kota and kecamatan where the NIK was *first*
issued, the birth date (day + 40 for women) and a sequence number from 0001. Pure Python, no Django.

python-stdnum's ``stdnum.id.nik`` supplies the basic clean-up (``compact``: separators and Unicode
digits/dashes) and the ASCII-digit test. Its own region table decides nothing here: the province
must be in ``region_names`` (or, without it, in :data:`PROVINCE_CODES`), and a kabupaten/kota or
kecamatan missing from today's region data is only a warning, because a NIK keeps the code it was
issued with (e.g. ``9101…`` is a pre-2022 Merauke NIK; Merauke is ``93.01`` since the 2022 split).

Excel damage (``nik_excel_damaged``): a NIK typed into a *number* cell keeps only 15 significant
digits (the 16th becomes 0) and is shown or exported as ``7.32401E+15`` or ``7324011708800000.0``.
The rule, applied before anything else:

* a ``float`` (finite) is always damaged: it passed through a numeric cell, so its digits cannot be
  trusted even when they look complete (``NaN``, a pandas/polars empty cell, counts as empty);
* text in scientific notation is damaged: ``7.32401E+15``, ``7,32401E+15``,
  ``7.324011708800001e+15``;
* text of 15 or more digits followed by a decimal point or comma and only zeros
  (``7324011708800001.0``, ``7324011708800000,00``) is damaged;
* 16 digits whose last digit is ``0`` are damaged when they came as a number: an ``int`` or
  ``Decimal`` (``bool`` is not a number here), or text written with thousands separators
  (``7.324.011.708.800.000``, ``7,324,011,708,800,000``);
* plain text of 16 digits ending in ``0`` is *not* damaged (sequence ``0010`` is legal); an ``int``
  or ``Decimal`` of 16 digits not ending in ``0`` is exact and accepted.

A damaged value reports only ``nik_excel_damaged`` and decodes nothing: its digits are not the NIK.

Other clean-up: surrounding and inner whitespace (including NBSP and zero-width characters), dots
and dashes (also Unicode dashes) are removed, one leading apostrophe (Excel's "store as text"
prefix) is dropped, and full-width digits count as digits (python-stdnum's ``clean``).

Century: ``20YY`` when that date is not after ``today``, otherwise ``19YY``; when ``birth_date`` is
given and its two-digit year, month and day equal the NIK's, its century is taken.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from stdnum.id import nik as stdnum_nik
from stdnum.util import isdigits

__all__ = [
    "MESSAGES",
    "PROVINCE_CODES",
    "NikCode",
    "NikIssue",
    "NikResult",
    "format_nik",
    "make_nik",
    "mask_nik",
    "parse_nik",
]

NIK_LENGTH = 16
FEMALE_DAY_OFFSET = 40
SEX_MALE = "L"
SEX_FEMALE = "P"


class NikCode(StrEnum):
    """Stable codes of NIK errors and warnings (warnings: the two ``*_UNKNOWN`` region codes)."""

    EMPTY = "nik_empty"
    EXCEL_DAMAGED = "nik_excel_damaged"
    NOT_DIGITS = "nik_not_digits"
    LENGTH = "nik_length"
    PROVINCE_UNKNOWN = "nik_province_unknown"
    REGION_ZERO = "nik_region_zero"
    REGENCY_UNKNOWN = "nik_regency_unknown"
    DISTRICT_UNKNOWN = "nik_district_unknown"
    BIRTH_DATE_INVALID = "nik_birth_date_invalid"
    BIRTH_DATE_FUTURE = "nik_birth_date_future"
    SEQUENCE_ZERO = "nik_sequence_zero"
    SEX_MISMATCH = "nik_sex_mismatch"
    BIRTH_DATE_MISMATCH = "nik_birth_date_mismatch"


#: Message templates (Bahasa Indonesia), filled with ``str.format`` keyword arguments.
MESSAGES: Mapping[NikCode, str] = {
    NikCode.EMPTY: "NIK kosong.",
    NikCode.EXCEL_DAMAGED: (
        "NIK rusak karena diolah sebagai angka oleh Excel (terbaca: {value}); angka di "
        "belakangnya hilang atau berubah menjadi 0. Format kolom NIK sebagai Teks, lalu ketik "
        "ulang NIK dari KTP/KK."
    ),
    NikCode.NOT_DIGITS: "NIK hanya boleh berisi angka; ditemukan karakter {chars}.",
    NikCode.LENGTH: "NIK harus 16 digit, ditemukan {count} digit.",
    NikCode.PROVINCE_UNKNOWN: "Kode provinsi {code} di NIK tidak dikenal.",
    NikCode.REGION_ZERO: "Kode {level} di NIK tidak boleh 00 ({code}).",
    NikCode.REGENCY_UNKNOWN: (
        "Kode kabupaten/kota {code} tidak ada di data wilayah terbaru; NIK tetap memakai kode "
        "tempat pertama kali diterbitkan (mungkin kode lama sebelum pemekaran)."
    ),
    NikCode.DISTRICT_UNKNOWN: (
        "Kode kecamatan {code} tidak ada di data wilayah terbaru; NIK tetap memakai kode "
        "tempat pertama kali diterbitkan (mungkin kode lama sebelum pemekaran)."
    ),
    NikCode.BIRTH_DATE_INVALID: "Tanggal lahir di NIK tidak valid: {detail}.",
    NikCode.BIRTH_DATE_FUTURE: "Tanggal lahir di NIK ({date}) lebih lambat dari hari ini.",
    NikCode.SEQUENCE_ZERO: (
        "Nomor urut NIK (4 digit terakhir) tidak boleh 0000; bila NIK disalin dari Excel, "
        "periksa apakah angka terakhirnya berubah menjadi 0."
    ),
    NikCode.SEX_MISMATCH: "NIK menunjukkan {nik_sex}, data menyebut {data_sex}.",
    NikCode.BIRTH_DATE_MISMATCH: "Tanggal lahir di NIK {nik_date}, data menyebut {data_date}.",
}

#: Parts of the ``nik_birth_date_invalid`` and ``nik_sex_mismatch`` messages.
_DETAILS: Mapping[str, str] = {
    "day": "kode tanggal {value} (harus 01–31 untuk laki-laki atau 41–71 untuk perempuan)",
    "month": "bulan {value} (harus 01–12)",
    "no_such_date": "tanggal {value} tidak ada di kalender",
    "regency": "kabupaten/kota",
    "district": "kecamatan",
    "nik_L": "laki-laki (tanggal lahir tidak ditambah 40)",
    "nik_P": "perempuan (tanggal lahir + 40)",
    "data_L": "laki-laki",
    "data_P": "perempuan",
}

#: The 38 province codes of Kepmendagri 300.2.2-2138/2025, used when no ``region_names`` is given.
PROVINCE_CODES: frozenset[str] = frozenset({
    "11", "12", "13", "14", "15", "16", "17", "18", "19", "21",
    "31", "32", "33", "34", "35", "36",
    "51", "52", "53",
    "61", "62", "63", "64", "65",
    "71", "72", "73", "74", "75", "76",
    "81", "82",
    "91", "92", "93", "94", "95", "96",
})  # fmt: skip

_INVISIBLE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:[.,]\d*)?[eE][+-]?\d+")
_ZERO_FRACTION = re.compile(r"\d{15,}[.,]0+")
_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+|\d{1,3}(?:,\d{3})+")


@dataclass(frozen=True, slots=True)
class NikIssue:
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class NikResult:
    input: str
    #: The 16 digits after clean-up; None when the input is not 16 digits (or is Excel-damaged).
    nik: str | None
    #: True iff there are no errors (warnings allowed).
    valid: bool
    errors: tuple[NikIssue, ...]
    warnings: tuple[NikIssue, ...]
    #: "L" or "P" (day of birth above 40); None when the day code is out of range.
    sex: str | None
    birth_date: dt.date | None
    #: Dotted Kemendagri codes as encoded in the NIK: "73", "73.24", "73.24.01".
    province_code: str | None
    regency_code: str | None
    district_code: str | None
    #: The last 4 digits.
    sequence: str | None


def _issue(kind: NikCode, /, **params: object) -> NikIssue:
    return NikIssue(code=kind.value, message=MESSAGES[kind].format(**params))


def _dmy(value: dt.date) -> str:
    return f"{value.day:02d}-{value.month:02d}-{value.year:04d}"


def _normalize_sex(sex: str | None) -> str | None:
    if sex is None:
        return None
    upper = sex.strip().upper()
    if upper not in (SEX_MALE, SEX_FEMALE):
        raise ValueError(f"sex must be 'L' or 'P', not {sex!r}")
    return upper


def _strip_edges(text: str) -> str:
    text = _INVISIBLE.sub(" ", text).strip()
    return text[1:].lstrip() if text.startswith("'") else text


def _digits_of(text: str) -> str:
    """Inner whitespace, dots and dashes removed (python-stdnum's ``compact`` after whitespace)."""
    return str(stdnum_nik.compact(_INVISIBLE.sub("", text)))


@dataclass(frozen=True, slots=True)
class _Cleaned:
    text: str
    digits: str | None = None
    error: NikIssue | None = None


def _clean(raw: object) -> _Cleaned:
    """Apply the empty / Excel-damage / digits / length rules of the module docstring."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return _Cleaned("" if raw is None else str(raw), error=_issue(NikCode.EMPTY))
    as_number = False
    if isinstance(raw, float):
        if math.isinf(raw):
            return _Cleaned(str(raw), error=_issue(NikCode.NOT_DIGITS, chars=repr(str(raw))))
        return _Cleaned(str(raw), error=_issue(NikCode.EXCEL_DAMAGED, value=str(raw)))
    if isinstance(raw, decimal.Decimal) and raw.is_nan():
        return _Cleaned(str(raw), error=_issue(NikCode.EMPTY))
    if isinstance(raw, int | decimal.Decimal) and not isinstance(raw, bool):
        as_number = True
        if raw < 0:
            return _Cleaned(str(raw), error=_issue(NikCode.NOT_DIGITS, chars="'-'"))
    text = str(raw)
    stripped = _strip_edges(text)
    if not stripped:
        return _Cleaned(text, error=_issue(NikCode.EMPTY))
    compact = _INVISIBLE.sub("", stripped)
    if _SCIENTIFIC.fullmatch(compact) or _ZERO_FRACTION.fullmatch(compact):
        return _Cleaned(text, error=_issue(NikCode.EXCEL_DAMAGED, value=compact))
    if _THOUSANDS.fullmatch(compact):
        as_number = True
    digits = _digits_of(compact.replace(",", "") if as_number else compact)
    if not isdigits(digits):
        odd = sorted({c for c in digits if not isdigits(c)})
        chars = ", ".join(repr(c) for c in odd[:5]) + (", …" if len(odd) > 5 else "")
        return _Cleaned(text, error=_issue(NikCode.NOT_DIGITS, chars=chars))
    if len(digits) != NIK_LENGTH:
        return _Cleaned(text, error=_issue(NikCode.LENGTH, count=len(digits)))
    if as_number and digits.endswith("0"):
        return _Cleaned(text, error=_issue(NikCode.EXCEL_DAMAGED, value=compact))
    return _Cleaned(text, digits=digits)


def _real_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _resolve_birth_date(
    yy: int, month: int, day: int, *, given: dt.date | None, today: dt.date
) -> dt.date | None:
    """The date with the century chosen as in the module docstring; None if no such date exists."""
    if given is not None and (given.year % 100, given.month, given.day) == (yy, month, day):
        return given
    candidates = [
        d for d in (_real_date(2000 + yy, month, day), _real_date(1900 + yy, month, day)) if d
    ]
    for candidate in candidates:
        if candidate <= today:
            return candidate
    return min(candidates) if candidates else None


def _region_issues(
    province: str,
    regency: str,
    district: str,
    region_names: Callable[[list[str]], Mapping[str, str]] | None,
) -> tuple[list[NikIssue], list[NikIssue]]:
    errors: list[NikIssue] = []
    warnings: list[NikIssue] = []
    for code, level in ((regency, "regency"), (district, "district")):
        if code.endswith(".00"):
            errors.append(_issue(NikCode.REGION_ZERO, level=_DETAILS[level], code=code))
    if region_names is None:
        if province not in PROVINCE_CODES:
            errors.append(_issue(NikCode.PROVINCE_UNKNOWN, code=province))
        return errors, warnings
    names = region_names([province, regency, district])
    if province not in names:
        errors.append(_issue(NikCode.PROVINCE_UNKNOWN, code=province))
    elif not errors:
        # A kecamatan under an unknown kabupaten/kota is unknown too: one warning says it.
        if regency not in names:
            warnings.append(_issue(NikCode.REGENCY_UNKNOWN, code=regency))
        elif district not in names:
            warnings.append(_issue(NikCode.DISTRICT_UNKNOWN, code=district))
    return errors, warnings


def parse_nik(
    raw: object,
    *,
    sex: str | None = None,
    birth_date: dt.date | None = None,
    region_names: Callable[[list[str]], Mapping[str, str]] | None = None,
    today: dt.date | None = None,
) -> NikResult:
    """Parse and check a NIK; every independent problem is reported.

    ``sex`` ("L"/"P") and ``birth_date`` are the person's data to cross-check against the NIK.
    ``region_names(codes) -> {code: name}`` (e.g. :func:`cakupan.wilayah.selectors.region_names`) is
    called once with the province, kabupaten/kota and kecamatan codes; without it only the
    province is checked, against :data:`PROVINCE_CODES`. Raises ValueError for a ``sex`` other than
    "L"/"P" (a programming error, not a NIK problem).
    """
    data_sex = _normalize_sex(sex)
    today = today or dt.date.today()  # noqa: DTZ011 - callers with a time zone pass ``today``
    cleaned = _clean(raw)
    if cleaned.digits is None:
        assert cleaned.error is not None
        return NikResult(
            input=cleaned.text,
            nik=None,
            valid=False,
            errors=(cleaned.error,),
            warnings=(),
            sex=None,
            birth_date=None,
            province_code=None,
            regency_code=None,
            district_code=None,
            sequence=None,
        )
    nik = cleaned.digits
    province = nik[0:2]
    regency = f"{province}.{nik[2:4]}"
    district = f"{regency}.{nik[4:6]}"
    errors, warnings = _region_issues(province, regency, district, region_names)

    day_code, month, yy, sequence = int(nik[6:8]), int(nik[8:10]), int(nik[10:12]), nik[12:16]
    nik_sex: str | None = None
    day = day_code
    if 1 <= day_code <= 31:
        nik_sex = SEX_MALE
    elif 41 <= day_code <= 71:
        nik_sex, day = SEX_FEMALE, day_code - FEMALE_DAY_OFFSET
    details: list[str] = []
    if nik_sex is None:
        details.append(_DETAILS["day"].format(value=nik[6:8]))
    if not 1 <= month <= 12:
        details.append(_DETAILS["month"].format(value=nik[8:10]))
    nik_date: dt.date | None = None
    if not details:
        nik_date = _resolve_birth_date(yy, month, day, given=birth_date, today=today)
        if nik_date is None:
            details.append(
                _DETAILS["no_such_date"].format(value=f"{day:02d}-{nik[8:10]}-{nik[10:12]}")
            )
    if details:
        errors.append(_issue(NikCode.BIRTH_DATE_INVALID, detail="; ".join(details)))
    elif nik_date is not None and nik_date > today:
        errors.append(_issue(NikCode.BIRTH_DATE_FUTURE, date=_dmy(nik_date)))

    if sequence == "0000":
        errors.append(_issue(NikCode.SEQUENCE_ZERO))
    if data_sex is not None and nik_sex is not None and data_sex != nik_sex:
        errors.append(
            _issue(
                NikCode.SEX_MISMATCH,
                nik_sex=_DETAILS[f"nik_{nik_sex}"],
                data_sex=_DETAILS[f"data_{data_sex}"],
            )
        )
    if birth_date is not None and nik_date is not None and birth_date != nik_date:
        errors.append(
            _issue(NikCode.BIRTH_DATE_MISMATCH, nik_date=_dmy(nik_date), data_date=_dmy(birth_date))
        )

    return NikResult(
        input=cleaned.text,
        nik=nik,
        valid=not errors,
        errors=tuple(errors),
        warnings=tuple(warnings),
        sex=nik_sex,
        birth_date=nik_date,
        province_code=province,
        regency_code=regency,
        district_code=district,
        sequence=sequence,
    )


def _require_nik(nik: str) -> str:
    if len(nik) == NIK_LENGTH and nik.isascii() and nik.isdigit():
        return nik  # already the 16 digits (every stored NIK): nothing to clean
    digits = _digits_of(_strip_edges(nik))
    if len(digits) != NIK_LENGTH or not isdigits(digits):
        raise ValueError(f"not a 16-digit NIK: {nik!r}")
    return digits


def format_nik(nik: str, *, grouped: bool = False) -> str:
    """The 16 digits; ``grouped`` writes the three parts ``PPKKCC DDMMYY NNNN``.

    ``"7324011708800001"`` -> ``"732401 170880 0001"`` (region, birth date, sequence), the split a
    reader can check against the KTP. Only the shape is checked: ValueError if not 16 digits.
    """
    digits = _require_nik(nik)
    return f"{digits[0:6]} {digits[6:12]} {digits[12:16]}" if grouped else digits


def mask_nik(nik: str) -> str:
    """First and last 4 digits, the rest hidden: ``"7324********0001"``. ValueError if not a NIK."""
    digits = _require_nik(nik)
    return f"{digits[:4]}{'*' * 8}{digits[12:]}"


def make_nik(*, district_code: str, birth_date: dt.date, sex: str, sequence: int) -> str:
    """Build a NIK (the inverse of :func:`parse_nik`): for demo data and tests.

    ``district_code`` is a kecamatan code, dotted or not (``"73.24.01"`` / ``"732401"``);
    ``sequence`` is 1..9999. ValueError for anything that cannot give a valid NIK shape.
    """
    region = district_code.replace(".", "")
    if len(region) != 6 or not isdigits(region):
        raise ValueError(f"not a kecamatan code: {district_code!r}")
    normalized_sex = _normalize_sex(sex)
    if normalized_sex is None:
        raise ValueError("sex is required")
    if not 1 <= sequence <= 9999:
        raise ValueError(f"sequence must be 1..9999, not {sequence}")
    day = birth_date.day + (FEMALE_DAY_OFFSET if normalized_sex == SEX_FEMALE else 0)
    return f"{region}{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}{sequence:04d}"
