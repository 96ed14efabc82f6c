"""The public dashboard on the demo: its figures, and a scan of every public page for personal data."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client

from cakupan.accounts.models import User
from cakupan.registry.models import Person, Unit
from cakupan.targeting.models import Candidate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_world")]

ON = "2022-11-09"
LINK = re.compile(r'href="(/publik/[0-9./]*)(?:\?[^"]*)?"')
TAGS = re.compile(r"<[^>]+>")
WORDS = re.compile(r"[^\W\d_][\w'.-]*", re.UNICODE)


def test_public_figures() -> None:
    cache.clear()
    client = Client()
    page = client.get(f"/publik/?on={ON}")
    assert page.status_code == 200
    assert set(page["Cache-Control"].split(", ")) == {"private", "max-age=900"}
    province = client.get(f"/publik/73/?on={ON}").content.decode()
    row = province.split(">Kabupaten Luwu Timur</a></th>")[1].split("</tr>")[0]
    assert "48,3%" in row and "54.637" in row and "113.120" in row
    rank = re.search(
        r'<td class="num">(\d+)</td>\s*<th scope="row"><a href="[^"]*">Kabupaten Luwu Timur</a>',
        province,
    )
    assert rank is not None and rank.group(1) == "7"
    regency = client.get(f"/publik/73.24/?on={ON}").content.decode()
    for figure in ("4.535", "1.483", "1.665", "48,3%"):
        assert figure in regency
    assert client.get("/publik/73.24.04/").status_code == 404
    assert client.get("/publik/99/").status_code == 404


def _crawl(client: Client) -> Iterator[tuple[str, str]]:
    """Every public page reachable from /publik/ (on ``ON``), with its HTML."""
    seen: set[str] = set()
    queue = ["/publik/"]
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(f"{path}?on={ON}")
        assert response.status_code == 200, path
        html = response.content.decode()
        yield path, html
        queue.extend(p for p in LINK.findall(html) if p not in seen)


def _phrases(html: str, longest: int) -> set[str]:
    words = WORDS.findall(TAGS.sub(" ", html))
    return {
        " ".join(words[i : i + n]).lower()
        for n in range(2, longest + 1)
        for i in range(len(words) - n + 1)
    }


def test_no_personal_data_on_any_public_page() -> None:
    """No NIK (full or masked), name of a person, of a listed candidate, of a user or of a unit
    appears on any public page, signed in or not."""
    cache.clear()
    names = {n.lower() for n in Person.objects.values_list("name", flat=True)}
    names |= {n.lower() for n in Candidate.objects.values_list("name", flat=True)}
    names |= {u.get_full_name().lower() for u in User.objects.all() if u.get_full_name()}
    names |= {n.lower() for n in Unit.objects.values_list("name", flat=True)}
    longest = max(len(n.split()) for n in names)
    niks = set(Person.objects.values_list("nik", flat=True)) | set(
        Candidate.objects.values_list("nik", flat=True)
    )
    assert len(niks) > 20_000 and len(names) > 20_000
    pages = 0
    viewer = User.objects.get(username="admin.lutim")
    # A signed-in visitor sees their own name in the page header, nobody else's.
    for client, own in ((Client(), set()), (_signed_in(viewer), {viewer.get_full_name().lower()})):
        for path, html in _crawl(client):
            pages += 1
            assert not re.search(r"\d{16}|\d{4}\*{4,}\d{4}", html), path
            assert not set(re.findall(r"\d+", html)) & niks, path
            found = (_phrases(html, longest) & names) - own
            assert not found, (path, sorted(found))
    assert pages >= 2 * (1 + 38 + 24)


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client
