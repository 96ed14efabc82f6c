"""Issue 17, item 7, in a real browser at 390 px over the demo: the home, list and budget pages of
the people who use them on a phone. No number is clipped: the page never scrolls sideways, no
table cell's text (nor a card's figure, nor a field's value) overflows its box, and a table wider
than the screen keeps its first column in place while the rest scrolls (or turns into stacked
rows). The menu folds behind one button.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from cakupan.e2e.test_intake_fix_loop import TIMEOUT_MS, Steps, sign_in, sign_out

pytestmark = pytest.mark.browser

WIDTH = 390
BUDGET = (
    "/anggaran/?region=73.24&year=2027&village_posts=on&non_asn=on&continuing=on"
    "&rentan_per_desa=10&rentan_income=1.000.000"
)
PAGES = {
    "admin.lutim": ["/", "/orang/", "/kepesertaan/", "/impor/", "/klaim/", BUDGET],
    "admin.bulukumba": ["/", "/tagihan/", "/tagihan/ringkasan/", "/tagihan/tunggakan/"],
    "desa.malili": ["/", "/kepesertaan/", "/tagihan/", "/klaim/"],
    "camat.malili": ["/"],
    "bpjs.malili": ["/", "/impor/"],
}

# Every box that shows a figure or a value; what is hidden (a folded menu, a closed <details>)
# does not count.
OVERFLOWS = """() => {
  const out = [];
  const boxes = 'td, th, .card-number, .card-label, .waiting-item a, input[type=text], select';
  for (const el of document.querySelectorAll(boxes)) {
    if (el.offsetParent === null && getComputedStyle(el).position !== 'fixed') continue;
    // The headings of stacked rows are there for screen readers only (each value has its label).
    const hidden = el.closest('thead, caption, .visually-hidden');
    if (hidden && hidden.getBoundingClientRect().width <= 1) continue;
    const text = (el.innerText || el.value || '').trim();
    if (el.scrollWidth > el.clientWidth + 1) {
      out.push(`${el.tagName.toLowerCase()}.${el.className} "${text.slice(0, 40)}"`);
    }
    // Squeezed to a few letters a line (a name broken letter by letter) is clipped too.
    if (/^(TD|TH)$/.test(el.tagName) && text.length > 6 && el.getBoundingClientRect().width < 56) {
      out.push(`narrow ${el.tagName.toLowerCase()} "${text.slice(0, 40)}"`);
    }
  }
  return out;
}"""

# A table wider than its frame must keep its first column in place (sticky) or be stacked rows.
WIDE_TABLES = """() => {
  const out = [];
  for (const table of document.querySelectorAll('.table-wrap > table')) {
    if (table.offsetParent === null) continue;
    const frame = table.parentElement;
    if (table.getBoundingClientRect().width <= frame.clientWidth + 1) continue;
    const first = table.querySelector('tbody tr > :first-child');
    if (!first || getComputedStyle(first).position !== 'sticky') {
      out.push(table.className + ' ' + Math.round(table.getBoundingClientRect().width));
    }
  }
  return out;
}"""


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="id-ID", viewport={"width": WIDTH, "height": 844})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


def test_nothing_is_clipped_at_390_px(phone: Page, live_server: Any, shots: Path) -> None:
    page, base, steps = phone, live_server.url, Steps(shots, "390px")
    for username, urls in PAGES.items():
        sign_in(page, base, username)
        for url in urls:
            response = page.goto(base + url)
            assert response is not None
            assert response.status == 200, (username, url)
            page.wait_for_load_state("networkidle")
            where = (username, url)
            assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH, where
            assert page.evaluate(OVERFLOWS) == [], where
            assert page.evaluate(WIDE_TABLES) == [], where
            steps.shot(
                page, f"{username}-{url.strip('/').split('?')[0].replace('/', '-') or 'beranda'}"
            )
        sign_out_from_menu(page)


def sign_out_from_menu(page: Page) -> None:
    """On a phone the menu is folded: the sign-out button is behind "Menu"."""
    toggle = page.get_by_role("button", name="Menu")
    expect(page.get_by_role("button", name="Keluar")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Menu utama")).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("link", name="Beranda")).to_be_visible()
    sign_out(page)


def test_the_budget_keeps_the_payer_column_while_the_months_scroll(
    phone: Page, live_server: Any
) -> None:
    page, base = phone, live_server.url
    sign_in(page, base, "admin.lutim")
    page.goto(base + BUDGET)
    # The summary first, the form folded below it.
    expect(
        page.get_by_role("heading", name="Rencana 2027: Kabupaten Luwu Timur (73.24)")
    ).to_be_visible()
    expect(page.locator("#ubah")).not_to_have_attribute("open", "")
    table = page.locator("table.budget-table")
    first = table.locator("tbody tr").first.locator("th")
    left = first.bounding_box()
    assert left is not None
    frame = page.locator(".budget-wrap")
    frame.evaluate("el => { el.scrollLeft = 600; }")
    after = first.bounding_box()
    assert after is not None
    assert after["x"] == pytest.approx(left["x"], abs=1)  # the payer stays where it was
    december = table.locator("thead th", has_text="Des")
    frame.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    box = december.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= WIDTH
