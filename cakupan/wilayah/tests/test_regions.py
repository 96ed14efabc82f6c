from __future__ import annotations

import json
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from lokal import wilayah as lokal_wilayah

from cakupan.wilayah.codes import InvalidRegionCode, in_region_subtree, normalize_region_code
from cakupan.wilayah.dataset import dataset_source, iter_regions
from cakupan.wilayah.models import Region, RegionKind
from cakupan.wilayah.selectors import region_descendant_counts
from cakupan.wilayah.services import regions_load


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("73", "73"),
        ("7324", "73.24"),
        ("73.24", "73.24"),
        (" 732401 ", "73.24.01"),
        ("7324012001", "73.24.01.2001"),
        ("73.24.01.2001", "73.24.01.2001"),
    ],
)
def test_normalize_region_code(raw: str, expected: str) -> None:
    assert normalize_region_code(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "7", "732", "73.2", "73-24", "abc", "73240120011", "73.24.01.201"]
)
def test_normalize_region_code_rejects(raw: str) -> None:
    with pytest.raises(InvalidRegionCode):
        normalize_region_code(raw)


@pytest.mark.parametrize(
    ("code", "region", "inside"),
    [
        ("73.24", "73.24", True),
        ("73.24.04.2001", "73.24", True),
        ("73.24", "73.2", False),  # a longer number, not a region below
        ("73.2", "73.24", False),
        ("73.17.01", "73.24", False),
    ],
)
def test_in_region_subtree(code: str, region: str, inside: bool) -> None:
    assert in_region_subtree(code, region) is inside


@pytest.mark.django_db
def test_country_totals_match_the_decree() -> None:
    counts = Counter(Region.objects.filter(valid_to__isnull=True).values_list("kind", flat=True))
    assert counts[RegionKind.PROVINSI] == 38
    assert counts[RegionKind.KABUPATEN] + counts[RegionKind.KOTA] == 514
    assert counts[RegionKind.KECAMATAN] == 7285
    assert counts[RegionKind.DESA] + counts[RegionKind.KELURAHAN] == 83762


@pytest.mark.django_db
def test_every_kabupaten_kota_has_the_dataset_counts() -> None:
    """For all 514 kab/kota: kecamatan, desa and kelurahan counted in the database equal the dataset's."""
    expected: dict[str, Counter[str]] = {}
    for row in iter_regions():
        if row.level >= 3:
            expected.setdefault(row.code[:5], Counter())[row.kind] += 1
    regencies = list(Region.objects.filter(level=2))
    assert len(regencies) == 514
    for regency in regencies:
        counts = region_descendant_counts(regency)
        got = Counter({**counts["children"], **counts["grandchildren"]})
        assert got == expected[regency.code], regency.code


@pytest.mark.django_db
def test_reload_is_idempotent_and_force_changes_nothing() -> None:
    again = regions_load(rows=iter_regions(), source=dataset_source())
    assert (again.loaded, again.inserted, again.updated, again.retired) == (False, 0, 0, 0)
    forced = regions_load(rows=iter_regions(), source=dataset_source(), force=True)
    assert (forced.loaded, forced.inserted, forced.updated, forced.retired) == (True, 0, 0, 0)


@pytest.mark.django_db
def test_a_later_edition_with_a_split_keeps_history() -> None:
    """Pemekaran: a kecamatan moves to a new code. The old code is retired, not deleted."""
    import datetime as dt

    rows = list(iter_regions())
    old = "73.24.01"
    split_rows = []
    for row in rows:
        if row.code == old or row.code.startswith(old + "."):
            new_code = "73.24.90" + row.code[len(old) :]
            parent = "73.24" if row.code == old else "73.24.90" + (row.parent or "")[len(old) :]
            split_rows.append(type(row)(new_code, row.name, row.kind, row.level, parent))
        else:
            split_rows.append(row)
    result = regions_load(
        rows=split_rows, source="test edition 2030", valid_from=dt.date(2030, 1, 1)
    )
    n_moved = sum(1 for r in rows if r.code == old or r.code.startswith(old + "."))
    assert (result.inserted, result.retired) == (n_moved, n_moved)
    retired = Region.objects.get(code=old)
    assert retired.valid_to == dt.date(2029, 12, 31)
    assert Region.objects.get(code="73.24.90").valid_from == dt.date(2030, 1, 1)
    counts = region_descendant_counts(Region.objects.get(code="73.24"))
    assert counts["children"] == {"kecamatan": 11}


@pytest.mark.django_db
def test_regions_show_json(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("regions", "show", "7324", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["code"] == "73.24"
    assert data["name"] == lokal_wilayah.wilayah_name("73.24") == "Kabupaten Luwu Timur"
    assert data["kind"] == "kabupaten"
    assert data["parents"] == [{"code": "73", "name": "Sulawesi Selatan", "kind": "provinsi"}]
    assert data["children"] == {"kecamatan": 11}
    assert data["grandchildren"] == {"desa": 125, "kelurahan": 3}


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["99.99", "abc", "7"])
def test_regions_show_unknown_code_is_a_usage_error(code: str) -> None:
    with pytest.raises(CommandError) as excinfo:
        call_command("regions", "show", code)
    assert excinfo.value.returncode == 2
    assert str(excinfo.value) == f"Kode wilayah tidak dikenal: {code}"
