"""CSV: the encoding and separator are sniffed, and every field is read as text with polars; the
grid then goes to :func:`~cakupan.intake.readers.grid._build_sheet`.

Encoding: UTF-8 BOM -> ``utf-8-sig``; UTF-16 LE/BE BOM -> ``utf-16``; valid UTF-8 -> ``utf-8``;
otherwise ``cp1252`` if it decodes (callers should warn: the guess may be wrong), else
``ENCODING``. UTF-32 is refused (``ENCODING``). NUL characters: ``UNREADABLE``. Separator: ``,``
``;`` tab or ``|``, whichever occurs the same number of times (outside double quotes) in the most
records of the first 64 KB; ties go to the larger count, then to that order. Parsing is polars
(all columns String, no inference), with RFC 4180 quoting, embedded separators and newlines; a
synthetic first line gives the width, so records wider than the sample are not cut. CR-only line
ends are accepted.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from cakupan.intake.readers.common import Limits, Sheet, _unreadable, _width_cap
from cakupan.intake.readers.grid import _build_sheet
from cakupan.intake.schema import FileIssue, file_error

_SNIFF_BYTES = 64 * 1024
_SEPARATORS = (",", ";", "\t", "|")
# Control characters that never appear in a text file (tab, LF, CR, FF, VT are allowed).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13)) + b"\x7f"
_BINARY_RATIO = 0.02  # of the first 64 KB
_BINARY_MIN = 8


def _looks_binary_bytes(sample: bytes) -> bool:
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls > _BINARY_MIN and controls > _BINARY_RATIO * len(sample)


def _looks_binary_text(sample: str) -> bool:
    controls = sum(
        1 for ch in sample if (ord(ch) < 32 and ch not in "\t\n\r\x0b\x0c") or ch == "\x7f"
    )
    return controls > _BINARY_MIN and controls > _BINARY_RATIO * len(sample)


def _decode_csv(data: bytes) -> tuple[str, bytes]:
    """(encoding name, UTF-8 bytes without BOM) or FileError."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise file_error(FileIssue.ENCODING)  # UTF-32
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise file_error(FileIssue.ENCODING) from None
        if _looks_binary_text(text[:_SNIFF_BYTES]):
            raise file_error(FileIssue.UNSUPPORTED_TYPE, kind="berkas biner, bukan teks atau tabel")
        if "\x00" in text:
            raise _unreadable("karakter NUL")
        return "utf-16", text.encode("utf-8")
    if _looks_binary_bytes(data[:_SNIFF_BYTES]):
        raise file_error(FileIssue.UNSUPPORTED_TYPE, kind="berkas biner, bukan teks atau tabel")
    if b"\x00" in data:
        raise _unreadable("karakter NUL")
    if data.startswith(b"\xef\xbb\xbf"):
        body = data[3:]
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            raise file_error(FileIssue.ENCODING) from None
        return "utf-8-sig", body
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8", data
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise file_error(FileIssue.ENCODING) from None
    return "cp1252", text.encode("utf-8")


def _record_counts(sample: str, max_records: int = 200) -> list[dict[str, int]]:
    """Per record of ``sample``: how often each candidate separator occurs outside quotes."""
    records: list[dict[str, int]] = []
    counts = dict.fromkeys(_SEPARATORS, 0)
    in_quotes = False
    blank = True
    for ch in sample:
        if ch == '"':
            in_quotes = not in_quotes
            blank = False
        elif in_quotes:
            continue
        elif ch == "\n":
            if not blank:
                records.append(counts)
                if len(records) >= max_records:
                    return records
            counts = dict.fromkeys(_SEPARATORS, 0)
            blank = True
        elif ch in counts:
            counts[ch] += 1
            blank = False
        elif ch not in " \r":
            blank = False
    if not blank:
        records.append(counts)
    return records


def _sniff_separator(records: list[dict[str, int]]) -> str:
    scored: list[tuple[float, int, int, str]] = []
    for order, sep in enumerate(_SEPARATORS):
        values = [r[sep] for r in records]
        nonzero = [v for v in values if v]
        if not nonzero:
            continue
        mode = max(set(nonzero), key=lambda v: (nonzero.count(v), v))
        consistency = sum(1 for v in values if v == mode) / len(values)
        scored.append((consistency, mode, -order, sep))
    if not scored:
        return ","
    return max(scored)[3]  # most consistent; then the larger count; then the order above


def _read_csv(data: bytes, limits: Limits, remembered: Mapping[str, str] | None) -> Sheet:
    encoding, body = _decode_csv(data)
    if b"\n" not in body and b"\r" in body:
        body = body.replace(b"\r", b"\n")  # classic Mac line ends
    sample = body[:_SNIFF_BYTES].decode("utf-8", errors="ignore")
    if len(body) > _SNIFF_BYTES and "\n" in sample:
        sample = sample[: sample.rindex("\n") + 1]
    records = _record_counts(sample)
    separator = _sniff_separator(records)
    width = max((r[separator] for r in records), default=0) + 1
    records_guess = len(body) * max(1, len(records)) // max(1, len(sample)) + 1
    cap = min(_width_cap(limits), max(limits.max_columns, limits.max_cells // records_guess))
    if width > cap:
        raise file_error(FileIssue.TOO_MANY_COLUMNS, count=width, limit=limits.max_columns)
    frame = _parse_csv(body, separator, width, cap, limits)
    return _build_sheet(
        header_source=frame,
        data=None,
        data_start=0,
        row_numbers=pl.int_range(1, frame.height + 1, dtype=pl.UInt32, eager=True),
        column_positions=list(range(frame.width)),
        limits=limits,
        file_type="csv",
        encoding=encoding,
        separator=separator,
        sheet_name=None,
        remembered=remembered,
    )


def _parse_csv(body: bytes, separator: str, width: int, cap: int, limits: Limits) -> pl.DataFrame:
    while True:
        names = [f"c{i}" for i in range(width)]
        header = separator.join(names).encode("utf-8") + b"\n"
        try:
            return pl.read_csv(
                header + body,
                has_header=True,
                separator=separator,
                quote_char='"',
                infer_schema=False,
                truncate_ragged_lines=False,
                raise_if_empty=False,
                comment_prefix=None,
                null_values=None,
                eol_char="\n",
                encoding="utf8",
            )
        except pl.exceptions.ComputeError as exc:
            if "more fields" not in str(exc):
                raise _unreadable("struktur CSV tidak valid") from None
            if width >= cap:
                longest = max(line.count(separator.encode()) for line in body.split(b"\n")) + 1
                raise file_error(
                    FileIssue.TOO_MANY_COLUMNS, count=longest, limit=limits.max_columns
                ) from None
            width = min(cap, width * 2)
        except pl.exceptions.PolarsError:
            raise _unreadable("struktur CSV tidak valid") from None
