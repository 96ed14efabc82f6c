"""Zip pre-flight for XLSX and ODS: the central directory and every entry are checked, and every
entry is inflated in bounded steps while :mod:`.xml_scan` bounds the cells calamine would
allocate, all before fastexcel sees the bytes; then the workbook is read (:mod:`.workbook`).

Limits and safety (SECURITY.md section 5, T10-T13)
--------------------------------------------------
calamine allocates a *dense* grid spanning the outermost cells of a sheet, and aborts the whole
process (not an exception) when that allocation fails: a 5 KB XLSX with values in ``A1`` and
``XFD1048576`` asks for 550 GB. Everything below runs *before* fastexcel sees the bytes:

* Zip (XLSX/ODS): entry count from the central directory (``ZIP_TOO_MANY_ENTRIES``), sum of the
  declared sizes (``ZIP_BOMB``), any entry above 50 MB declared at more than 100x its compressed
  size (``ZIP_BOMB``), ``..``/absolute paths, symlinks, duplicate names, unknown compression
  (``UNREADABLE``), encrypted entries (``ENCRYPTED``). Then every entry is inflated in steps of
  at most 4 MB, counting bytes (never held in memory whole): inflating stops at once when an entry
  produces more than it declared (declared sizes can lie), and truncated/corrupt streams are
  ``UNREADABLE``. While inflating, every part is scanned for the cell area calamine will allocate
  (``<row>``/``<c>`` ``r`` references, or calamine's own counters when they are missing; one
  polars regex per 4 MB for Excel-style XML, a tag-by-tag replay otherwise) and ODS
  ``content.xml`` for repeated rows/columns; XML parts in UTF-16 are ``UNREADABLE``. An area
  above ``max_cells`` is ``TOO_MANY_CELLS``, and a sheet spanning more than
  ``max(5 x max_columns, 1024)`` columns is ``TOO_MANY_COLUMNS`` (empty columns are dropped only
  after reading, but fastexcel and polars pay per column).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from defusedxml import ElementTree

from cakupan.intake.readers.common import Limits, Sheet, _check_width, _mb, _unreadable
from cakupan.intake.readers.workbook import _read_book
from cakupan.intake.readers.xml_scan import _OdsScan, _SheetScan
from cakupan.intake.schema import FileIssue, file_error

_IN_STEP = 1 << 20
_OUT_STEP = 4 << 20
_RATIO_MIN_SIZE = 50 * 1024 * 1024
_MAX_RATIO = 100
_SMALL_PART = 5 * 1024 * 1024  # [Content_Types].xml, workbook.xml, rels, mimetype
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
_DRIVE = re.compile(r"^[A-Za-z]:")


def _zip_entries(data: bytes, limits: Limits) -> list[zipfile.ZipInfo]:
    """Central-directory checks; nothing is decompressed."""
    eocd = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))
    if eocd < 0 or len(data) - eocd < 22:
        raise _unreadable("arsip ZIP rusak atau terpotong")
    (cd_size,) = struct.unpack_from("<I", data, eocd + 12)
    cd_start = max(0, eocd - cd_size)
    signatures = data.count(b"PK\x01\x02", cd_start, eocd)
    if signatures > limits.max_zip_entries:
        raise file_error(
            FileIssue.ZIP_TOO_MANY_ENTRIES, count=signatures, limit=limits.max_zip_entries
        )
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except Exception:  # BadZipFile, LargeZipFile, struct.error, ValueError, ...
        raise _unreadable("arsip ZIP rusak atau terpotong") from None
    if len(infos) > limits.max_zip_entries:
        raise file_error(
            FileIssue.ZIP_TOO_MANY_ENTRIES, count=len(infos), limit=limits.max_zip_entries
        )
    names: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        parts = re.split(r"[/\\]", name)
        if name.startswith(("/", "\\")) or _DRIVE.match(name) or ".." in parts:
            raise _unreadable("jalur bagian tidak sah")
        if name in names:
            raise _unreadable("nama bagian ganda")
        names.add(name)
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise _unreadable("bagian berupa tautan simbolik")
        if info.flag_bits & 0x1:
            raise file_error(FileIssue.ENCRYPTED)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _unreadable("metode kompresi tidak didukung")
        total += info.file_size
        if info.file_size > _RATIO_MIN_SIZE and info.file_size > _MAX_RATIO * max(
            1, info.compress_size
        ):
            raise file_error(
                FileIssue.ZIP_BOMB,
                size=_mb(info.file_size),
                limit=_mb(limits.max_uncompressed_bytes),
            )
    if total > limits.max_uncompressed_bytes:
        raise file_error(
            FileIssue.ZIP_BOMB, size=_mb(total), limit=_mb(limits.max_uncompressed_bytes)
        )
    return infos


def _raw_entry(data: bytes, info: zipfile.ZipInfo) -> memoryview:
    offset = info.header_offset
    if offset < 0 or offset + 30 > len(data) or data[offset : offset + 4] != b"PK\x03\x04":
        raise _unreadable("arsip ZIP rusak")
    name_len, extra_len = struct.unpack_from("<HH", data, offset + 26)
    start = offset + 30 + name_len + extra_len
    end = start + info.compress_size
    if end > len(data):
        raise _unreadable("arsip ZIP terpotong")
    return memoryview(data)[start:end]


def _inflate(data: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The entry's bytes in steps of at most 4 MB; stops as soon as it exceeds its declared size."""
    raw = _raw_entry(data, info)
    declared = info.file_size
    if info.compress_type == zipfile.ZIP_STORED:
        if len(raw) != declared:
            raise _unreadable("ukuran bagian tidak cocok")
        for start in range(0, len(raw), _OUT_STEP):
            yield bytes(raw[start : start + _OUT_STEP])
        return
    inflater = zlib.decompressobj(-15)
    produced = 0
    position = 0
    try:
        while not inflater.eof:
            room = min(_OUT_STEP, declared - produced + 1)  # one byte more shows a lie
            if inflater.unconsumed_tail:
                chunk = inflater.decompress(inflater.unconsumed_tail, room)
            elif position < len(raw):
                chunk = inflater.decompress(raw[position : position + _IN_STEP], room)
                position += _IN_STEP
            else:
                break
            produced += len(chunk)
            if produced > declared:
                raise _unreadable("isi bagian lebih besar dari ukuran yang dinyatakan")
            if chunk:
                yield chunk
    except zlib.error:
        raise _unreadable("data terkompresi rusak") from None
    if not inflater.eof or produced != declared:
        raise _unreadable("bagian terpotong atau ukurannya tidak cocok")


def _read_small(data: bytes, info: zipfile.ZipInfo) -> bytes:
    if info.file_size > _SMALL_PART:
        raise _unreadable(f"bagian {info.filename} terlalu besar")
    return b"".join(_inflate(data, info))


@dataclass
class _ZipScan:
    kind: str  # "xlsx" | "ods"
    errors: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)  # by sheet name


def _classify_zip(data: bytes, infos: list[zipfile.ZipInfo]) -> str:
    by_name = {info.filename.lower(): info for info in infos}
    for name in by_name:
        if name.endswith("vbaproject.bin") or name == "xl/workbook.bin":
            raise file_error(FileIssue.MACRO_WORKBOOK)
    if "[content_types].xml" in by_name and "xl/workbook.xml" in by_name:
        types = _read_small(data, by_name["[content_types].xml"])
        if b"macroEnabled" in types or b"sheet.binary" in types or b"vbaProject" in types:
            raise file_error(FileIssue.MACRO_WORKBOOK)
        return "xlsx"
    mimetype = by_name.get("mimetype")
    if mimetype is not None and _read_small(data, mimetype).strip().startswith(_ODS_MIME):
        return "ods"
    raise file_error(FileIssue.UNSUPPORTED_TYPE, kind=_zip_kind(by_name))


def _scan_zip(data: bytes, infos: list[zipfile.ZipInfo], kind: str, limits: Limits) -> _ZipScan:
    """Inflate every entry (counting) and bound the cell area of every part calamine may read."""
    result = _ZipScan(kind)
    part_errors: dict[str, dict[tuple[int, int], str]] = {}
    for info in infos:
        if info.is_dir():
            continue
        sheet_scan = _SheetScan()
        ods_scan = _OdsScan(limits) if info.filename == "content.xml" else None
        for chunk in _inflate(data, info):
            sheet_scan.feed(chunk)
            if ods_scan is not None:
                ods_scan.feed(chunk)
        sheet_scan.close()
        if ods_scan is not None:
            ods_scan.close()
        if sheet_scan.max_row * sheet_scan.max_col > limits.max_cells:
            raise file_error(
                FileIssue.TOO_MANY_CELLS,
                rows=sheet_scan.max_row,
                columns=sheet_scan.max_col,
                limit=limits.max_cells,
            )
        _check_width(sheet_scan.max_col, limits)
        if sheet_scan.errors:
            part_errors[info.filename] = sheet_scan.errors
    if part_errors and kind == "xlsx":
        for sheet_name, part in _xlsx_sheet_parts(data, infos).items():
            if part in part_errors:
                result.errors[sheet_name] = part_errors[part]
    return result


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xlsx_sheet_parts(data: bytes, infos: list[zipfile.ZipInfo]) -> dict[str, str]:
    """Sheet name -> worksheet part, from workbook.xml and its relationships (best effort)."""
    by_name = {info.filename: info for info in infos}
    workbook = by_name.get("xl/workbook.xml")
    rels = by_name.get("xl/_rels/workbook.xml.rels")
    if workbook is None or rels is None:
        return {}
    try:
        targets = {}
        for element in ElementTree.fromstring(_read_small(data, rels)).iter():
            if _local(element.tag) == "Relationship":
                targets[element.get("Id")] = element.get("Target", "")
        parts = {}
        for element in ElementTree.fromstring(_read_small(data, workbook)).iter():
            if _local(element.tag) != "sheet":
                continue
            rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
            target = targets.get(rid)
            if target is None:
                continue
            path = target.lstrip("/") if target.startswith("/") else "xl/" + target
            while "/../" in path or path.startswith("../"):
                path = re.sub(r"[^/]+/\.\./", "", path, count=1)
            parts[element.get("name", "")] = path.replace("./", "")
    except Exception:  # defusedxml's DTD/entity refusals, bad XML, ...: no error overlay
        return {}
    return parts


def _read_zip_workbook(
    data: bytes, limits: Limits, remembered: Mapping[str, str] | None = None
) -> Sheet:
    infos = _zip_entries(data, limits)
    kind = _classify_zip(data, infos)
    scan = _scan_zip(data, infos, kind, limits)
    return _read_book(data, kind, scan.errors, limits, remembered)


def _zip_kind(names: Mapping[str, object]) -> str:
    """What a zip that is neither XLSX nor ODS is, for the refusal."""
    if "word/document.xml" in names:
        return "dokumen Word (DOCX)"
    if "ppt/presentation.xml" in names:
        return "presentasi PowerPoint (PPTX)"
    if "mimetype" in names or "content.xml" in names:
        return "dokumen OpenDocument selain lembar kerja (ODT/ODP)"
    return "arsip ZIP yang bukan XLSX atau ODS"
