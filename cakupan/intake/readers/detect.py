"""Type detection by content, never by file name: an OLE2 compound file (XLS), a zip (XLSX or ODS),
a known binary format or a saved web page (refused), or else CSV; and whether the bytes are blank.

The rules are listed in the package docstring (``Type detection``); the zip and OLE2 candidates
are told apart further by :mod:`.zip_preflight` and :mod:`.xls_preflight`.
"""

from __future__ import annotations

from cakupan.intake.schema import FileIssue, file_error

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_BINARY_MAGICS = (
    b"%PDF",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF87a",
    b"GIF89a",
    b"\x7fELF",
    b"MZ\x90\x00",
    b"Rar!",
    b"7z\xbc\xaf",
    b"\x1f\x8b",
    b"BZh",
    b"\xfd7zXZ",
    b"II*\x00",
    b"MM\x00*",
    b"RIFF",
    b"OggS",
    b"{\\rtf",
    b"\x00\x00\x00\x0cjP",
    b"\x00asm",
    b"\xca\xfe\xba\xbe",
    b"SQLite format 3",
)
_MARKUP_STARTS = (b"<!doctype html", b"<html", b"<table", b"<?xml", b"<meta", b"<head", b"<body")


def _is_blank(data: bytes) -> bool:
    if len(data) > 4096:
        return False
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if data.startswith(bom):
            return not data[len(bom) :].decode(codec, errors="replace").strip()
    return not data.strip(b" \t\r\n\x0b\x0c")


def _detect(data: bytes) -> str:
    if data.startswith(_OLE2_MAGIC):
        return "ole2"
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return "zip"
    if data.startswith(_BINARY_MAGICS):
        raise file_error(FileIssue.UNSUPPORTED_TYPE)
    head = data[:512]
    for bom in _BOMS:
        if head.startswith(bom):
            head = head[len(bom) :]
            break
    if head.lstrip().lower().startswith(_MARKUP_STARTS):
        raise file_error(FileIssue.UNSUPPORTED_TYPE)
    return "csv"
