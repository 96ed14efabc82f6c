"""XLS pre-flight: the OLE2 compound file is walked as calamine walks it and every BIFF cell record
is counted, so that encrypted, macro-enabled or oversized workbooks are refused before fastexcel
sees the bytes; then the workbook is read (:mod:`.workbook`) with the error cells found here.

The compound file is walked the way calamine walks it (every sector id in range, no cycles,
stream sizes within the file) and every BIFF cell record's position is counted; DIMENSIONS
records and the shared-string count are bounded too (SECURITY.md section 5, T10-T13; why this
runs first: :mod:`.zip_preflight`).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass

from cakupan.intake.readers.common import Limits, Sheet, _check_width, _unreadable
from cakupan.intake.readers.workbook import _read_book
from cakupan.intake.schema import FileIssue, file_error

_ENDOFCHAIN = 0xFFFFFFFE
_RESERVED_SECTORS = 0xFFFFFFFA
_DIFSECT = 0xFFFFFFFC
_XLS_ERRORS = {
    0x00: "#NULL!",
    0x07: "#DIV/0!",
    0x0F: "#VALUE!",
    0x17: "#REF!",
    0x1D: "#NAME?",
    0x24: "#NUM!",
    0x2A: "#N/A",
    0x2B: "#GETTING_DATA",
}


@dataclass
class _Cfb:
    names: list[str]
    workbook: bytes | None


def _cfb_read(data: bytes) -> _Cfb:
    """Walk the compound file as calamine does, refusing whatever would make it misbehave."""
    if len(data) < 512:
        raise _unreadable("struktur XLS rusak")
    shift, mini_shift = struct.unpack_from("<HH", data, 30)
    if shift not in (9, 12) or mini_shift != 6:
        raise _unreadable("struktur XLS rusak")
    size = 1 << shift
    header_size = 512 if shift == 9 else 4096
    dir_len, fat_len, dir_start = struct.unpack_from("<III", data, 40)
    mini_fat_start, mini_fat_len, difat_start = struct.unpack_from("<III", data, 60)
    body = memoryview(data)[header_size:]
    n_sectors = (len(body) + size - 1) // size
    if fat_len > n_sectors or dir_len * size > len(data) or mini_fat_len * size > len(data):
        raise _unreadable("struktur XLS rusak")

    def sector(sid: int) -> memoryview:
        if sid >= n_sectors:
            raise _unreadable("struktur XLS rusak")
        return body[sid * size : (sid + 1) * size]

    def words(chunk: memoryview) -> list[int]:
        usable = len(chunk) - len(chunk) % 4
        return list(struct.unpack_from(f"<{usable // 4}I", chunk)) if usable else []

    difat = list(struct.unpack_from("<109I", data, 76))
    sid = difat_start
    steps = 0
    while sid < _RESERVED_SECTORS:
        steps += 1
        if steps > n_sectors:
            raise _unreadable("struktur XLS rusak")
        difat.extend(words(sector(sid)))
        sid = difat.pop()
    fats: list[int] = []
    for sid in difat:
        if sid < _DIFSECT:
            fats.extend(words(sector(sid)))

    def chain(start: int, table: list[int], limit: int) -> list[int]:
        ids: list[int] = []
        sid = start
        while sid != _ENDOFCHAIN:
            if sid >= len(table) or sid >= limit or len(ids) > limit:
                raise _unreadable("struktur XLS rusak")
            ids.append(sid)
            sid = table[sid]
        return ids

    directory = b"".join(bytes(sector(s)) for s in chain(dir_start, fats, n_sectors))
    entries = []
    for offset in range(0, len(directory) - 127, 128):
        raw_name = directory[offset : offset + 64].decode("utf-16-le", errors="replace")
        name = raw_name.split("\x00", 1)[0]
        start, length_low, length_high = struct.unpack_from("<III", directory, offset + 116)
        length = length_low if size == 512 else length_low | (length_high << 32)
        entries.append((name, start, length))
    if not entries:
        raise _unreadable("struktur XLS rusak")
    names = [e[0] for e in entries]

    ministream = b""
    minifat: list[int] = []
    if mini_fat_len > 0:
        root_start, root_len = entries[0][1], entries[0][2]
        if root_len > len(data):
            raise _unreadable("struktur XLS rusak")
        ministream = b"".join(bytes(sector(s)) for s in chain(root_start, fats, n_sectors))
        ministream = ministream[:root_len]
        minifat = words(
            memoryview(b"".join(bytes(sector(s)) for s in chain(mini_fat_start, fats, n_sectors)))
        )
    workbook = None
    for wanted in ("Workbook", "Book"):
        found = next((e for e in entries if e[0] == wanted), None)
        if found is None:
            continue
        _, start, length = found
        if length > len(data):
            raise _unreadable("struktur XLS rusak")
        if length < 4096:
            n_mini = len(ministream) // 64
            ids = chain(start, minifat, n_mini)
            stream = b"".join(ministream[i * 64 : (i + 1) * 64] for i in ids)
        else:
            stream = b"".join(bytes(sector(s)) for s in chain(start, fats, n_sectors))
        workbook = stream[:length]
        break
    return _Cfb(names, workbook)


_BIFF_CELLS = frozenset({0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x0006})


def _biff_scan(stream: bytes, limits: Limits) -> dict[str, dict[tuple[int, int], str]]:
    """Sheet names and error cells; refuses areas calamine could not allocate."""
    n = len(stream)
    unpack = struct.unpack_from
    sheets: list[tuple[str, int]] = []
    pos = 0
    while pos + 4 <= n:
        typ, length = unpack("<HH", stream, pos)
        body = pos + 4
        pos = body + length
        if pos > n:
            raise _unreadable("struktur XLS rusak")
        if typ == 0x002F and length >= 2 and unpack("<H", stream, body)[0] != 0:
            raise file_error(FileIssue.ENCRYPTED)
        if typ == 0x00FC and length >= 8:
            (unique,) = unpack("<i", stream, body + 4)
            if unique < 0 or unique > n:
                raise _unreadable("struktur XLS rusak")
        elif typ == 0x0085 and length >= 8:
            (offset,) = unpack("<I", stream, body)
            chars, flags = stream[body + 6], stream[body + 7]
            raw = stream[body + 8 : body + 8 + (chars * 2 if flags & 1 else chars)]
            name = raw.decode("utf-16-le" if flags & 1 else "latin-1", errors="replace")
            sheets.append((name, offset))
        elif typ == 0x000A:
            break

    errors: dict[str, dict[tuple[int, int], str]] = {}
    total = 0
    for name, offset in sheets:
        if offset >= n:
            raise _unreadable("struktur XLS rusak")
        max_row, max_col, min_col = -1, -1, 1 << 30
        cells: dict[tuple[int, int], str] = {}
        pos = offset
        while pos + 4 <= n:
            typ, length = unpack("<HH", stream, pos)
            body = pos + 4
            pos = body + length
            if typ == 0x000A or pos > n:
                break
            if typ in _BIFF_CELLS and length >= 4:
                row, col = unpack("<HH", stream, body)
                max_row = max(max_row, row)
                max_col = max(max_col, col)
                min_col = min(min_col, col)
                if typ == 0x0205 and length >= 8 and stream[body + 7] == 1:
                    cells[(row, col)] = _XLS_ERRORS.get(stream[body + 6], "#ERROR")
                elif (
                    typ == 0x0006
                    and length >= 20
                    and stream[body + 6] == 2
                    and stream[body + 12 : body + 14] == b"\xff\xff"
                ):
                    cells[(row, col)] = _XLS_ERRORS.get(stream[body + 8], "#ERROR")
            elif typ == 0x00BD and length >= 6:
                row, first = unpack("<HH", stream, body)
                (last,) = unpack("<H", stream, body + length - 2)
                max_row = max(max_row, row)
                max_col = max(max_col, first, last)
                min_col = min(min_col, first, last)
            elif typ == 0x0200 and length in (10, 14):
                if length == 10:
                    first_row, last_row, first_col, last_col = unpack("<HHHH", stream, body)
                else:
                    first_row, last_row = unpack("<II", stream, body)
                    first_col, last_col = unpack("<HH", stream, body + 8)
                end_row, end_col = (
                    (last_row - 1, last_col - 1)
                    if last_row and last_col
                    else (first_row, first_col)
                )
                rows = (end_row - first_row + 1) & 0xFFFFFFFF
                cols = (end_col - first_col + 1) & 0xFFFFFFFF
                if rows * cols > limits.max_cells:
                    raise file_error(
                        FileIssue.TOO_MANY_CELLS, rows=rows, columns=cols, limit=limits.max_cells
                    )
        if max_row >= 0:
            rows, cols = max_row + 1, max_col - min_col + 1
            total += rows * cols
            if total > limits.max_cells:
                raise file_error(
                    FileIssue.TOO_MANY_CELLS, rows=rows, columns=cols, limit=limits.max_cells
                )
            _check_width(cols, limits)
        if cells:
            errors[name] = cells
    return errors


def _read_xls(data: bytes, limits: Limits, remembered: Mapping[str, str] | None = None) -> Sheet:
    cfb = _cfb_read(data)
    if "EncryptedPackage" in cfb.names or "EncryptionInfo" in cfb.names:
        raise file_error(FileIssue.ENCRYPTED)
    if cfb.workbook is None:
        kind = (
            "dokumen Word lama (DOC)"
            if "WordDocument" in cfb.names
            else "berkas Office lama selain XLS (DOC/PPT/MSG)"
        )
        raise file_error(FileIssue.UNSUPPORTED_TYPE, kind=kind)
    if any(name in ("_VBA_PROJECT_CUR", "VBA", "_VBA_PROJECT") for name in cfb.names):
        raise file_error(FileIssue.MACRO_WORKBOOK)
    errors = _biff_scan(cfb.workbook, limits)
    return _read_book(data, "xls", errors, limits, remembered)
