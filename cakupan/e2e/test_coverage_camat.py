"""Issue 11 in a real browser: a camat signs in, sees which of his desa have no one covered, and
downloads the follow-up list; at 390 px the tables still read (no sideways scrolling of the page).

Over the demo data: Kecamatan Malili (73.24.04) has 14 desa, three of which registered their
officials in 2022 (``demo.generator.luwu_timur``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from playwright.sync_api import Browser, Page, expect

from cakupan.accounts.models import User
from cakupan.coverage.followup import followup_lists
from cakupan.coverage.selectors import place_get
from cakupan.e2e.test_intake_fix_loop import TIMEOUT_MS, Steps, sign_in

pytestmark = pytest.mark.browser

MALILI = "73.24.04"
ON = dt.date(2022, 11, 9)


@pytest.fixture
def narrow(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        accept_downloads=True, locale="id-ID", viewport={"width": 390, "height": 844}
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


def test_camat_sees_desa_without_coverage_and_downloads_the_list(
    narrow: Page, live_server: Any, shots: Path, tmp_path: Path
) -> None:
    page, base, steps = narrow, live_server.url, Steps(shots, "coverage-camat")
    camat = User.objects.get(username="camat.malili")
    expected = followup_lists(camat, place_get(MALILI), ON)["desa_without_officials"].rows
    assert 0 < len(expected) < 14
    expected_names = {row["desa"] for row in expected}

    sign_in(page, base, "camat.malili")
    # Home: the camat's own kecamatan, its desa in a table.
    expect(page.get_by_role("heading", name="Beranda")).to_be_visible()
    expect(page.get_by_role("heading", name="Kecamatan Malili")).to_be_visible()
    page.fill("#id_on", ON.isoformat())
    page.get_by_role("button", name="Tampilkan").first.click()
    expect(page.locator("table.children-table")).to_be_visible()
    # Nothing wider than the screen: tables scroll inside their frame, the page does not.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    steps.shot(page, "beranda-camat")
    rows = page.locator("table.children-table tbody tr")
    assert rows.count() == 15  # 14 desa and the kelurahan of Malili
    assert "Kalaena" not in page.locator("table.children-table").inner_text()  # Wotu's, not his

    page.get_by_role("link", name="Daftar tindak lanjut").first.click()
    heading = page.get_by_role("heading", name="Desa tanpa aparat desa/BPD terlindungi")
    expect(heading).to_be_visible()
    table = page.locator("#desa_without_officials table")
    shown = {
        text.split("\n")[0].rsplit(" ", 1)[0].strip()
        for text in table.locator("tbody th").all_inner_texts()
    }
    assert shown == expected_names
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    steps.shot(page, "tindak-lanjut")

    with page.expect_download() as info:
        page.get_by_role("link", name="Unduh XLSX").click()
    download = info.value
    assert download.suggested_filename == "tindak-lanjut-732404-20221109.xlsx"
    target = tmp_path / download.suggested_filename
    download.save_as(str(target))
    book = openpyxl.load_workbook(target, read_only=True)
    codes = [r[0] for r in book["Desa tanpa aparat"].iter_rows(min_row=2, values_only=True)]
    assert sorted(codes) == sorted(row["desa_code"] for row in expected)
    assert all(str(code).startswith(f"{MALILI}.") for code in codes)

    # Another kecamatan's page does not exist for him.
    response = page.goto(f"{base}/cakupan/73.24.06/")
    assert response is not None
    assert response.status == 404
