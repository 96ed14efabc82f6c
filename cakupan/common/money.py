"""Money: integer rupiah held as ``Decimal``, one rounding policy for the whole project.

Amounts are whole rupiah. Rates are ``Decimal`` fractions (``Decimal("0.0024")`` for 0.24%), never
floats. Rounding happens once per calculated line, half up to the whole rupiah (``ROUND_HALF_UP``):
BPJS Ketenagakerjaan states contributions in whole rupiah and no regulation text we have seen
prescribes another mode (DOMAIN.md, "verify against the regulation").
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MONEY_MAX_DIGITS = 15
MONEY_DECIMAL_PLACES = 0
RUPIAH = Decimal("1")


def round_rupiah(amount: Decimal) -> Decimal:
    """Round to the whole rupiah, half up (Rp0.5 -> Rp1)."""
    return amount.quantize(RUPIAH, rounding=ROUND_HALF_UP)


def parse_rupiah(text: str | int | Decimal) -> Decimal:
    """Read an amount as written in Indonesia: ``"Rp1.234.567"``, ``"1.234.567,00"``, ``2500000``.

    Dots group thousands and a comma starts the fraction; a fraction other than zero is refused,
    because amounts here are whole rupiah. Raises ``ValueError``.
    """
    if isinstance(text, int):
        return Decimal(text)
    if isinstance(text, Decimal):
        if text != text.to_integral_value():
            raise ValueError(f"bukan rupiah utuh: {text}")
        return text.quantize(RUPIAH)
    cleaned = text.strip().removeprefix("Rp").removeprefix("rp").strip().replace(" ", "")
    whole, _, fraction = cleaned.partition(",")
    if fraction and set(fraction) != {"0"}:
        raise ValueError(f"bukan rupiah utuh: {text}")
    digits = whole.replace(".", "")
    if not digits.isdigit():
        raise ValueError(f"bukan angka rupiah: {text}")
    try:
        return Decimal(digits)
    except InvalidOperation as exc:  # pragma: no cover - isdigit() already guards
        raise ValueError(text) from exc


def format_rupiah(amount: Decimal | int) -> str:
    """``Rp1.234.567`` (Indonesian grouping)."""
    value = int(amount)
    sign = "-" if value < 0 else ""
    return f"{sign}Rp{abs(value):,}".replace(",", ".")


def short_rupiah(amount: Decimal | int) -> str:
    """An amount in a chart's axis or caption: ``Rp1,25 M`` (miliar), ``Rp250 jt`` (juta),
    ``Rp900 rb`` (ribu), below a thousand as :func:`format_rupiah`."""
    value = Decimal(amount)
    for size, unit in ((Decimal(10) ** 9, "M"), (Decimal(10) ** 6, "jt"), (Decimal(10) ** 3, "rb")):
        if abs(value) >= size:
            scaled = (value / size).quantize(Decimal("0.01")).normalize()
            return f"Rp{scaled:f} {unit}".replace(".", ",")
    return format_rupiah(value)


_ONES = (
    "",
    "satu",
    "dua",
    "tiga",
    "empat",
    "lima",
    "enam",
    "tujuh",
    "delapan",
    "sembilan",
    "sepuluh",
    "sebelas",
)
_SCALES = ((10**12, "triliun"), (10**9, "miliar"), (10**6, "juta"))


def _words(n: int) -> str:
    if n < 12:
        return _ONES[n]
    if n < 20:
        return f"{_ONES[n - 10]} belas"
    if n < 100:
        return f"{_ONES[n // 10]} puluh {_words(n % 10)}".strip()
    if n < 200:
        return f"seratus {_words(n - 100)}".strip()
    if n < 1000:
        return f"{_ONES[n // 100]} ratus {_words(n % 100)}".strip()
    if n < 2000:
        return f"seribu {_words(n - 1000)}".strip()
    if n < 1_000_000:
        return f"{_words(n // 1000)} ribu {_words(n % 1000)}".strip()
    for size, name in _SCALES:
        if n >= size:
            return f"{_words(n // size)} {name} {_words(n % size)}".strip()
    raise AssertionError(n)  # pragma: no cover - the scales cover every n >= 10**6


def terbilang(amount: Decimal | int) -> str:
    """Whole rupiah in Indonesian words, as legal documents write an amount beside its figures:
    ``42000000`` -> ``"empat puluh dua juta rupiah"``."""
    value = int(amount)
    if value < 0:
        return f"minus {terbilang(-value)}"
    if value == 0:
        return "nol rupiah"
    return f"{_words(value)} rupiah"


_EN_ONES = (
    "",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
_EN_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
# Short scale: Indonesian "miliar" (10^9) is an English billion, "triliun" (10^12) a trillion.
_EN_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (10**3, "thousand"))


def _english_words(n: int) -> str:
    if n < 20:
        return _EN_ONES[n]
    if n < 100:
        return f"{_EN_TENS[n // 10]}-{_EN_ONES[n % 10]}" if n % 10 else _EN_TENS[n // 10]
    if n < 1000:
        return f"{_EN_ONES[n // 100]} hundred {_english_words(n % 100)}".strip()
    for size, name in _EN_SCALES:
        if n >= size:
            return f"{_english_words(n // size)} {name} {_english_words(n % size)}".strip()
    raise AssertionError(n)  # pragma: no cover - the scales cover every n >= 1000


def rupiah_in_english(amount: Decimal | int) -> str:
    """Whole rupiah in English words, as :func:`terbilang` writes them in Indonesian:
    ``42000000`` -> ``"forty-two million rupiah"`` (short scale, no "and")."""
    value = int(amount)
    if value < 0:
        return f"minus {rupiah_in_english(-value)}"
    if value == 0:
        return "zero rupiah"
    return f"{_english_words(value)} rupiah"


def rupiah_in_words(amount: Decimal | int, language: str) -> str:
    """``amount`` in the words of ``language`` (a Django language code): English for ``en...``,
    Indonesian (:func:`terbilang`) otherwise."""
    return rupiah_in_english(amount) if language.startswith("en") else terbilang(amount)
