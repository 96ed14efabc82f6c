"""The cell area calamine will allocate, read from the XML parts of a zip as they are inflated:
worksheet parts by their ``<row>``/``<c>`` references (or calamine's own counters when those are
missing), with the error cells they hold, and ODS ``content.xml`` with its repeated rows and
columns. Areas beyond the limits raise ``FileError`` before any parser runs.
"""

from __future__ import annotations

import codecs
import re
from xml.sax.saxutils import unescape as xml_unescape

import polars as pl

from cakupan.intake.readers.common import Limits, _check_width, _column_letter, _unreadable
from cakupan.intake.schema import FileIssue, file_error

_MAX_TAG = 1024 * 1024


def _gt_int(value: int) -> str:
    """Regex for decimal integers greater than ``value`` (without leading zeros)."""
    digits = str(value)
    width = len(digits)
    alternatives = [rf"[1-9][0-9]{{{width},}}"]
    for i, ch in enumerate(digits):
        if ch != "9":
            rest = width - i - 1
            alternatives.append(
                digits[:i] + f"[{int(ch) + 1}-9]" + (f"[0-9]{{{rest}}}" if rest else "")
            )
    return "(?:" + "|".join(alternatives) + ")"


def _gt_letters(value: int) -> str:
    """Regex for upper-case column letters whose 1-based index is greater than ``value``."""
    if value <= 0:
        return "[A-Z]+"
    letters = _column_letter(value - 1)
    width = len(letters)
    alternatives = [f"[A-Z]{{{width + 1},}}"]
    for i, ch in enumerate(letters):
        if ch != "Z":
            rest = width - i - 1
            alternatives.append(
                letters[:i] + f"[{chr(ord(ch) + 1)}-Z]" + (f"[A-Z]{{{rest}}}" if rest else "")
            )
    return "(?:" + "|".join(alternatives) + ")"


def _fast_pattern(max_row: int, max_col: int) -> str:
    """Rust-regex (polars) for anything the fast path cannot vouch for.

    A ``<c>``/``<row>`` tag whose first attribute is not exactly ``r="``, a namespace-prefixed
    one, a reference in lower case, or a reference beyond (max_row, max_col).
    """
    odd = r"(?:[/>]|[\t\r\n]| [^r]| r[^=]| r=[^\"])"
    rows = _gt_int(max_row)
    return (
        rf"<c{odd}|<row{odd}|:(?:c|row)[\s/>]"
        rf'|<c r="(?:[A-Z]*[a-z]|{_gt_letters(max_col)}[0-9]|[A-Z]+0*{rows}")'
        rf'|<row r="0*{rows}"'
    )


_ATTRS = rb"((?:\s+[^\s=>/]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>"
_ODD_TAG = re.compile(rb"<(?:(?:c|row)(?=[\s/>])(?! r=\")|[A-Za-z_][\w.\-]*:(?:c|row)[\s/>])")
_XLSX_TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.\-]*:)?(row|c)(?=[\s/>])" + _ATTRS)
_R_ATTR = re.compile(rb"\sr\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_REF = re.compile(rb"^([A-Za-z]+)([0-9]+)$")
_ROW_REF = re.compile(rb"^[0-9]+$")
_CELL_REFS = re.compile(rb'<c r="([A-Za-z]+)([0-9]+)"')
_ROW_TAGS = re.compile(rb'<row r="([0-9]+)"')
_LAST_ROW_DIGITS = re.compile(rb"[0-9]+")
_ERROR_CELL = re.compile(
    rb'<(?:[\w.\-]+:)?c r="([A-Z]+)([0-9]+)"[^>]*?\st="e"[^>]*>'
    rb"(?:<(?:[\w.\-]+:)?f\b[^>]*/>|<(?:[\w.\-]+:)?f\b[^>]*>[^<]*</(?:[\w.\-]+:)?f>)?"
    rb"<(?:[\w.\-]+:)?v>([^<]*)</(?:[\w.\-]+:)?v>"
)
_HEAD = 64 * 1024


def _letters_index(letters: bytes) -> int:
    value = 0
    for byte in letters.upper():
        value = value * 26 + (byte - 64)
    return value


def _split_at_tags(buffer: bytes, parts: int) -> list[memoryview]:
    """``buffer`` in about ``parts`` pieces (for polars' threads), each cut just before a ``<``."""
    view = memoryview(buffer)
    pieces = []
    start = 0
    for k in range(1, parts):
        cut = buffer.find(b"<", max(start + 1, len(buffer) * k // parts))
        if cut < 0:
            break
        pieces.append(view[start:cut])
        start = cut
    pieces.append(view[start:])
    return pieces


class _SheetScan:
    """Upper bound of the area calamine allocates for one worksheet part, plus its error cells.

    Fed the part's XML in chunks (any part: calamine finds worksheets through relationships, so
    every part is scanned). Excel-style XML (every ``<row>`` and ``<c>`` starting with ``r="``)
    is checked with one polars regex per 4 MB against the largest row and column seen so far;
    a piece that fails the check is read exactly, and once a tag without ``r`` (or with a
    namespace prefix) turns up, every tag is replayed with calamine's row/column counters.
    """

    def __init__(self) -> None:
        self.max_row = 0  # 1-based
        self.max_col = 0  # 1-based
        self.errors: dict[tuple[int, int], str] = {}
        self._tail = b""
        self._slow = False
        self._row_index = 0
        self._col_index = 0
        self._first = True

    def feed(self, chunk: bytes) -> None:
        if self._first:
            self._first = False
            if b"\x00" in chunk[:1024]:  # UTF-16/32 XML: not what the scan (or Excel) reads
                raise _unreadable("bagian XML tidak berkode UTF-8")
        buffer = self._tail + chunk if self._tail else chunk
        cut = buffer.rfind(b"<")
        if cut >= 0 and buffer.find(b">", cut) < 0:
            self._tail = buffer[cut:]
            buffer = buffer[:cut]
            if len(self._tail) > _MAX_TAG:
                raise _unreadable("tag XML terlalu panjang")
        else:
            self._tail = b""
        self._scan(buffer)

    def close(self) -> None:
        if self._tail:
            self._scan(self._tail)
            self._tail = b""

    def _scan(self, buffer: bytes) -> None:
        if self._slow:
            self._replay(buffer)
        else:
            self._fast(buffer)
        if b't="e"' in buffer:
            for match in _ERROR_CELL.finditer(buffer):
                row = int(match.group(2)) - 1
                col = _letters_index(match.group(1)) - 1
                text = xml_unescape(match.group(3).decode("utf-8", "replace"))
                if row >= 0 and col >= 0 and text:
                    self.errors[(row, col)] = text

    def _fast(self, buffer: bytes) -> None:
        last_row = buffer.rfind(b'<row r="')
        if last_row >= 0:
            digits = _LAST_ROW_DIGITS.match(buffer, last_row + 8)
            if digits:
                self.max_row = max(self.max_row, int(digits.group()))
        if self.max_col == 0:  # the first rows (the header) give the table's width
            self._exact_refs(buffer[:_HEAD])
        pattern = _fast_pattern(self.max_row, self.max_col)
        pieces = _split_at_tags(buffer, 4)
        texts = [codecs.latin_1_decode(piece)[0] for piece in pieces]  # bytes as code points
        flagged = pl.Series(texts, dtype=pl.String).str.contains(pattern)
        for view, bad in zip(pieces, flagged, strict=True):
            if not (bad or self._slow):
                continue
            piece = bytes(view)
            if self._slow:
                self._replay(piece)
            elif _ODD_TAG.search(piece):
                # From here on every tag is replayed. The counters start at the largest row and
                # column seen, which is at least where calamine's counters are.
                self._slow = True
                self._row_index = self.max_row
                self._col_index = self.max_col
                self._replay(piece)
            else:
                self._exact_refs(piece)

    def _exact_refs(self, buffer: bytes) -> None:
        for letters, digits in _CELL_REFS.findall(buffer):
            self.max_row = max(self.max_row, int(digits))
            self.max_col = max(self.max_col, _letters_index(letters))
        for digits in _ROW_TAGS.findall(buffer):
            self.max_row = max(self.max_row, int(digits))

    def _replay(self, buffer: bytes) -> None:
        for match in _XLSX_TAG.finditer(buffer):
            closing, name, attrs, self_closing = match.groups()
            if name == b"row":
                if closing:
                    self._row_index += 1
                    self._col_index = 0
                    continue
                ref = _attribute_r(attrs)
                if ref is not None and _ROW_REF.match(ref) and int(ref) > 0:
                    self._row_index = int(ref) - 1
                self.max_row = max(self.max_row, self._row_index + 1)
                if self_closing:
                    self._row_index += 1
                    self._col_index = 0
            elif not closing:
                ref = _attribute_r(attrs)
                if ref is not None:
                    parsed = _REF.match(ref)
                    if not parsed or int(parsed.group(2)) == 0:
                        continue  # calamine refuses the sheet
                    row, col = int(parsed.group(2)) - 1, _letters_index(parsed.group(1)) - 1
                else:
                    row, col = self._row_index, self._col_index
                self.max_row = max(self.max_row, row + 1)
                self.max_col = max(self.max_col, col + 1)
                self._col_index = col + 1


def _attribute_r(attrs: bytes) -> bytes | None:
    match = _R_ATTR.search(attrs)
    if not match:
        return None
    return match.group(1) if match.group(1) is not None else match.group(2)


_ODS_TAG = re.compile(
    rb"<(?:(/)(table:table-row|table:table)>|"
    rb"()(table:table-row|table:table-cell|table:covered-table-cell|table:table|text:s)"
    + _ATTRS
    + rb")"
)
_ODS_VALUED = re.compile(
    rb"\s(?:office:(?:value|string-value|date-value|time-value|boolean-value|value-type)"
    rb"|table:formula)\s*="
)
_ODS_ROWS_REPEATED = re.compile(rb"\stable:number-rows-repeated\s*=\s*[\"']([^\"']*)[\"']")
_ODS_COLS_REPEATED = re.compile(rb"\stable:number-columns-repeated\s*=\s*[\"']([^\"']*)[\"']")
_ODS_SPACES = re.compile(rb"\stext:c\s*=\s*[\"']([^\"']*)[\"']")
_ODS_MAX_SPACES = 1_000_000


def _count(match: re.Match[bytes] | None) -> int:
    if match is None:
        return 1
    try:
        return max(0, int(match.group(1)))
    except ValueError:
        return 1  # calamine refuses the file


class _OdsScan:
    """Cells calamine materialises for every table of an ODS ``content.xml`` (repeats expanded)."""

    def __init__(self, limits: Limits) -> None:
        self._limits = limits
        self._tail = b""
        self.total_cells = 0
        self._spaces = 0
        self._rows = 0  # rows up to the last row with a value, repeats included
        self._pending = 0  # empty rows (with repeats) since the last row with a value
        self._width = 0
        self._row_repeats = 1
        self._position = 0
        self._row_end = 0

    def feed(self, chunk: bytes) -> None:
        buffer = self._tail + chunk if self._tail else chunk
        cut = buffer.rfind(b"<")
        if cut >= 0 and buffer.find(b">", cut) < 0:
            self._tail = buffer[cut:]
            buffer = buffer[:cut]
            if len(self._tail) > _MAX_TAG:
                raise _unreadable("tag XML terlalu panjang")
        else:
            self._tail = b""
        for match in _ODS_TAG.finditer(buffer):
            self._tag(match)

    def close(self) -> None:
        if self._tail:
            for match in _ODS_TAG.finditer(self._tail):
                self._tag(match)
            self._tail = b""
        self._end_table()

    def _tag(self, match: re.Match[bytes]) -> None:
        closing, closing_name, _, name, attrs, self_closing = match.groups()
        if closing:
            if closing_name == b"table:table-row":
                self._end_row()
            else:
                self._end_table()
            return
        if name == b"table:table":
            self._end_table()
        elif name == b"table:table-row":
            self._row_repeats = _count(_ODS_ROWS_REPEATED.search(attrs))
            self._position = 0
            self._row_end = 0
            if self_closing:
                self._end_row()
        elif name == b"text:s":
            spaces = _count(_ODS_SPACES.search(attrs))
            self._spaces += spaces
            if spaces > _ODS_MAX_SPACES or self._spaces > self._limits.max_uncompressed_bytes:
                raise _unreadable("sel terlalu panjang")
        else:
            repeats = _count(_ODS_COLS_REPEATED.search(attrs))
            if _ODS_VALUED.search(attrs):
                self._row_end = self._position + repeats
            self._position += repeats

    def _end_row(self) -> None:
        if self._row_end:
            self._rows += self._pending + self._row_repeats
            self._pending = 0
            self._width = max(self._width, self._row_end)
            self._check(self._rows * self._width)
        else:
            self._pending += self._row_repeats
        self._row_repeats = 1
        self._row_end = 0
        self._position = 0

    def _end_table(self) -> None:
        self.total_cells += self._rows * self._width
        self._check(0)
        self._rows = self._pending = self._width = 0

    def _check(self, current: int) -> None:
        if self.total_cells + current > self._limits.max_cells:
            raise file_error(
                FileIssue.TOO_MANY_CELLS,
                rows=self._rows,
                columns=self._width,
                limit=self._limits.max_cells,
            )
        _check_width(self._width, self._limits)
