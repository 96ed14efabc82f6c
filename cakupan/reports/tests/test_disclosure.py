"""Small counts are suppressed, and so is one more cell when a total would give them back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client

from cakupan.registry.models import Segment
from cakupan.reports.disclosure import Protected, protect
from cakupan.testing.factories import make_membership, make_unit


@pytest.mark.parametrize(
    ("values", "total", "hidden", "expected"),
    [
        ([10, 7, 20], 37, 0, Protected((False, False, False), False)),
        # One small cell: the smallest other non-zero cell goes too.
        ([3, 7, 20, 0], 30, 0, Protected((True, True, False, False), False)),
        # Two small cells protect each other.
        ([3, 2, 20], 25, 0, Protected((True, True, False), False)),
        # A hidden part of 1-4 (units at the region itself) needs a visible complement.
        ([10, 7, 20], 40, 3, Protected((False, True, False), False)),
        # No other cell to take the complement: the total goes.
        ([3, 0, 0], 3, 0, Protected((True, False, False), True)),
        ([4, 0], 40, 36, Protected((True, False), True)),
        # Without a total shown, no complement is needed.
        ([3, 7], None, 0, Protected((True, False), False)),
        ([0, 0], 0, 0, Protected((False, False), False)),
    ],
)
def test_protect(values: list[int], total: int | None, hidden: int, expected: Protected) -> None:
    assert protect(values, total=total, hidden=hidden) == expected


@pytest.mark.django_db
def test_public_pages_suppress_small_cells() -> None:
    """Luwu Timur: 3 pekerja keagamaan (<5), 7 pekerja rentan (complement), 20 non-ASN;
    Bulukumba: 2 non-ASN (<5) and Luwu Timur's 30 take the complement in the province table."""
    cache.clear()
    start = dt.date(2024, 1, 1)
    lutim = make_unit(region="73.24", kind="opd", code="LUTIM-OPD")
    for segment, scheme, n in (
        (Segment.PEKERJA_KEAGAMAAN, "pu", 3),
        (Segment.PEKERJA_RENTAN, "bpu", 7),
        (Segment.NON_ASN, "pu", 20),
    ):
        for _ in range(n):
            make_membership(unit=lutim, segment=segment, start_date=start, scheme=scheme)
    bulukumba = make_unit(region="73.02", kind="opd", code="BLK-OPD")
    for _ in range(2):
        make_membership(unit=bulukumba, start_date=start)
    client = Client()
    page = client.get("/publik/73.24/?on=2024-06-30").content.decode()
    segments = page[page.index('id="segmen-judul"') :]
    assert '<td class="num">&lt;5</td>' in segments
    rows = {
        label: segments.split(f'<th scope="row">{label}</th>')[1].split("</td>")[0]
        for label in ("Pekerja keagamaan", "Pekerja rentan", "Pegawai non-ASN", "Jumlah")
    }
    assert rows == {
        "Pekerja keagamaan": '<td class="num">&lt;5',
        "Pekerja rentan": '<td class="num">&lt;5',
        "Pegawai non-ASN": '<td class="num">20',
        "Jumlah": '<td class="num">30',
    }
    province = client.get("/publik/73/?on=2024-06-30").content.decode()
    table = province[province.index('id="peringkat-judul"') :]
    for name in ("Kabupaten Luwu Timur", "Kabupaten Bulukumba"):
        row = table.split(f">{name}</a></th>")[1].split("</tr>")[0]
        assert row.count("&lt;5") >= 1
        assert ">30<" not in row and ">2<" not in row
    assert '<td class="num col-extra">32</td>' in table  # the province's total is shown
