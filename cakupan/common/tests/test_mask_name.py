"""``common.pii.mask_name``: each word to its first letter and as many asterisks as it had."""

from __future__ import annotations

import pytest

from cakupan.common.pii import mask_name


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("Wahyuni Lestari", "W****** L******"),
        ("A. Baso", "A* B***"),
        ("  Muh   Rizky  ", "M** R****"),
        ("Ni", "N*"),
        ("", ""),
    ],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked
