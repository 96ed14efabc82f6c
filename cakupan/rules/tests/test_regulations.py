"""The catalogue of regulations the parameter files cite (``rules/regulations.toml``)."""

from __future__ import annotations

import datetime as dt

from cakupan.rules.params import load_parameters
from cakupan.rules.regulations import Regulation, cited, regulations


def test_every_regulation_a_value_cites_is_catalogued_with_a_title() -> None:
    names = {
        part.strip()
        for entry in load_parameters().entries()
        for part in entry.regulation.split(";")
        if part.strip()
    }
    catalogue = regulations()
    assert names <= set(catalogue), names - set(catalogue)
    assert all(catalogue[name].title for name in names)


def test_dates_and_their_verification() -> None:
    catalogue = regulations()
    assert catalogue["PP 44/2015"].in_force == dt.date(2015, 7, 1)
    assert catalogue["PP 82/2019"].in_force == dt.date(2019, 12, 2)
    assert catalogue["PP 6/2025"].in_force == dt.date(2025, 2, 7)
    assert (catalogue["PP 49/2020"].in_force, catalogue["PP 49/2020"].verified) == (None, False)
    assert catalogue["Permenaker 5/2021"].verified is False
    assert catalogue["Konvensi Cakupan"].convention is True


def test_cited_splits_several_regulations_in_order() -> None:
    found = cited("PP 44/2015; PP 46/2015; PP 99/2099")
    assert [r.name if isinstance(r, Regulation) else r for r in found] == [
        "PP 44/2015",
        "PP 46/2015",
        "PP 99/2099",  # not catalogued: the name itself
    ]
    assert isinstance(found[2], str)
