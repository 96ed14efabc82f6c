"""Type detection by content, never by file name: an OLE2 compound file (XLS), a zip (XLSX or ODS),
an HTML page (read for its table, :mod:`.html`), a known binary format or an XML document (refused,
by name), or else CSV; and whether the bytes are blank.

The rules are listed in the package docstring (``Type detection``); the zip and OLE2 candidates
are told apart further by :mod:`.zip_preflight` and :mod:`.xls_preflight`.
"""

from __future__ import annotations

from cakupan.intake.schema import FileIssue, file_error

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Known binary formats, by their first bytes, with the name the refusal gives them.
_BINARY_MAGICS: dict[bytes, str] = {
    b"%PDF": "dokumen PDF",
    b"\x89PNG": "gambar PNG",
    b"\xff\xd8\xff": "gambar JPEG",
    b"GIF87a": "gambar GIF",
    b"GIF89a": "gambar GIF",
    b"\x7fELF": "program (ELF)",
    b"MZ\x90\x00": "program Windows (EXE/DLL)",
    b"Rar!": "arsip RAR",
    b"7z\xbc\xaf": "arsip 7-Zip",
    b"\x1f\x8b": "arsip GZIP",
    b"BZh": "arsip BZIP2",
    b"\xfd7zXZ": "arsip XZ",
    b"II*\x00": "gambar TIFF",
    b"MM\x00*": "gambar TIFF",
    b"RIFF": "berkas media (RIFF: WAV/AVI/WEBP)",
    b"OggS": "berkas audio/video (Ogg)",
    b"{\\rtf": "dokumen RTF",
    b"\x00\x00\x00\x0cjP": "gambar JPEG 2000",
    b"\x00asm": "program WebAssembly",
    b"\xca\xfe\xba\xbe": "program (Java/Mach-O)",
    b"SQLite format 3": "basis data SQLite",
}
_MARKUP_STARTS = (
    b"<!doctype",
    b"<html",
    b"<table",
    b"<?xml",
    b"<meta",
    b"<head",
    b"<body",
    b"<!--",
    b"<style",
    b"<title",
    b"<div",
    b"<h1",
    b"<h2",
    b"<h3",
    b"<center",
    b"<p>",
)
_SPREADSHEET_ML = b"urn:schemas-microsoft-com:office:spreadsheet"


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
    for magic, kind in _BINARY_MAGICS.items():
        if data.startswith(magic):
            raise file_error(FileIssue.UNSUPPORTED_TYPE, kind=kind)
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 (Excel's "Unicode text", some HTML)
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    elif head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    start = head.lstrip().lower()
    if start.startswith(_MARKUP_STARTS):
        if start.startswith(b"<?xml") and b"<html" not in start:
            # Never parsed (no XML parser sees an upload's DTD): named, and refused.
            if _SPREADSHEET_ML in start:
                raise file_error(
                    FileIssue.UNSUPPORTED_TYPE,
                    kind="XML Spreadsheet 2003 (simpan ulang sebagai XLSX dari Excel)",
                )
            raise file_error(FileIssue.UNSUPPORTED_TYPE, kind="dokumen XML, bukan tabel")
        return "html"
    return "csv"
