"""A village's book of officials as OpenSID prints it: Buku Pemerintah Desa (Model A.4 of
Permendagri 47/2016 on village administration), with the NIK and SILTAP columns villages add for
BPJS Ketenagakerjaan, as XLSX and as OpenSID's "unduh" (an HTML table sent as ``.xls``).

Eight officials of the organisation of Permendagri 84/2015: kepala desa, sekretaris desa, two kaur,
two kasi and two kepala dusun named after their dusun.
"""

from __future__ import annotations

import datetime as dt
from html import escape

from cakupan.common.nik import make_nik
from cakupan.intake.tests.messy_files import make_xlsx

DISTRICT = "73.24.04"  # Kecamatan Malili, Luwu Timur
TITLE = ["BUKU PEMERINTAH DESA", "DESA UJI KECAMATAN MALILI KABUPATEN LUWU TIMUR", "TAHUN 2026"]
HEADER = [
    "NO",
    "NAMA",
    "NIAP",
    "NIP",
    "NIK",
    "JENIS KELAMIN",
    "TEMPAT, TANGGAL LAHIR",
    "AGAMA",
    "PANGKAT / GOLONGAN",
    "JABATAN",
    "PENDIDIKAN TERAKHIR",
    "NOMOR DAN TANGGAL KEPUTUSAN PENGANGKATAN",
    "NOMOR DAN TANGGAL KEPUTUSAN PEMBERHENTIAN",
    "SILTAP",
    "KET",
]
# (name, sex, birth date, job title, siltap)
OFFICIALS = [
    ("ANDI MAPPANYOMPA", "L", dt.date(1975, 3, 12), "Kepala Desa", "Rp 3.500.000"),
    ("HASNAWATI, S.Sos", "P", dt.date(1982, 7, 1), "Sekretaris Desa", "Rp 3.150.000"),
    ("MUH. ARSYAD", "L", dt.date(1988, 1, 20), "Kaur Keuangan", "Rp 2.450.000"),
    ("NURHAYATI", "P", dt.date(1990, 11, 5), "Kaur Umum dan Perencanaan", "Rp 2.450.000"),
    ("SYAHRIR", "L", dt.date(1979, 9, 9), "Kasi Pemerintahan", "Rp 2.450.000"),
    ("ST. AISYAH", "P", dt.date(1986, 4, 30), "Kasi Kesejahteraan dan Pelayanan", "Rp 2.450.000"),
    ("LA ODE RAHMAN", "L", dt.date(1977, 12, 25), "Kepala Dusun Maleku I", "Rp 2.250.000"),
    ("BASO TANG", "L", dt.date(1984, 6, 14), "Kepala Dusun Maleku II", "Rp 2.250.000"),
]
CODES = [
    "kepala-desa",
    "sekretaris-desa",
    "kepala-urusan",
    "kepala-urusan",
    "kepala-seksi",
    "kepala-seksi",
    "kepala-dusun",
    "kepala-dusun",
]


def nik_of(index: int) -> str:
    _, sex, birth, _, _ = OFFICIALS[index]
    return make_nik(district_code=DISTRICT, birth_date=birth, sex=sex, sequence=index + 1)


def rows() -> list[list[object]]:
    """The header, OpenSID's numbering row (1 .. 15) and one row per official."""
    out: list[list[object]] = [list(HEADER), [str(i) for i in range(1, len(HEADER) + 1)]]
    for i, (name, sex, birth, title, siltap) in enumerate(OFFICIALS):
        out.append(
            [
                str(i + 1),
                name,
                f"19{i:02d}",
                "-",
                nik_of(i),
                sex,
                f"Malili, {birth:%d-%m-%Y}",
                "Islam",
                "-",
                title,
                "SLTA/SEDERAJAT",
                f"141/{i + 1:02d}/SK/2019, 02-01-2019",
                "",
                siltap,
                "",
            ]
        )
    return out


def book_xlsx() -> bytes:
    return make_xlsx(rows(), title_rows=TITLE)


def book_html(*, extra_head: str = "", extra_body: str = "") -> bytes:
    """OpenSID's "unduh": a title table, the book (header, numbering row, rows), a signature table.

    Cells the way such exports write them: ``<th>`` header cells, a ``colspan`` title, NIKs with
    an Excel text format in a ``style``, ``&nbsp;`` in empty cells, a ``<br>`` inside a cell.
    """
    width = len(HEADER)
    title = "".join(
        f'<tr><td colspan="{width}" align="center"><b>{escape(t)}</b></td></tr>' for t in TITLE
    )
    header = "".join(f"<th>{escape(h)}</th>" for h in HEADER)
    body = []
    for row in rows()[1:]:
        cells = []
        for value in row:
            text = escape(str(value)) if value else "&nbsp;"
            cells.append(f'<td class="textx">{text.replace(", 02-01", ",<br>02-01")}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    page = f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>Buku Pemerintah Desa</title>
<style>.textx {{ mso-number-format: "\\@"; }}</style>
{extra_head}
</head>
<body>
<table width="100%">{title}</table>
<table border="1" class="border thick">
<thead><tr class="border thick">{header}</tr></thead>
<tbody>
{"".join(body)}
</tbody>
</table>
<table><tr><td>Mengetahui,</td><td>Kepala Desa Uji</td></tr>
<tr><td>&nbsp;</td><td><b>ANDI MAPPANYOMPA</b></td></tr></table>
{extra_body}
</body>
</html>
"""
    return page.encode("utf-8")
