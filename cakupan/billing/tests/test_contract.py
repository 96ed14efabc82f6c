"""The contract with the rules engine: the billing SQL prices every line as the calculator does."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cakupan.accounts.audit import Actor
from cakupan.billing import services
from cakupan.billing.models import Bill, BillLine
from cakupan.rules.contribution import ContributionInput, calculate_contribution
from cakupan.rules.errors import InputError
from cakupan.rules.params import load_parameters
from cakupan.testing.factories import make_membership, make_person, make_unit

ACTOR = Actor.system(source="cli", label="uji")
# The first contribution month with JKP in the parameters (PP 37/2021).
JKP_FIRST_MONTH = next(e.valid_from for e in load_parameters().history("jkp.rate")).replace(day=1)


class _Rollback(Exception):
    pass


@st.composite
def memberships(draw: st.DrawFn) -> dict[str, Any]:
    scheme = draw(st.sampled_from(["pu", "bpu"]))
    optional = ["jht", "jp", "jkp"] if scheme == "pu" else ["jht"]
    programmes = ["jkk", "jkm", *draw(st.lists(st.sampled_from(optional), unique=True))]
    month = draw(st.dates(min_value=dt.date(2015, 7, 1), max_value=dt.date(2026, 12, 31)))
    wage = draw(
        st.one_of(
            st.integers(min_value=1, max_value=20_000_000),
            st.sampled_from([999_999, 1_000_000, 1_000_001, 10_042_300, 10_042_301]),
            st.integers(min_value=1, max_value=400).map(lambda n: n * 25_000),
        )
    )
    return {
        "scheme": scheme,
        "programmes": programmes,
        "month": month.replace(day=1),
        "wage": wage,
        "risk_class": draw(st.one_of(st.none(), st.integers(1, 5))) if scheme == "pu" else None,
        "birth_date": draw(
            st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2005, 12, 31))
        ),
    }


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cases=st.lists(memberships(), min_size=1, max_size=4))
def test_property_sql_lines_equal_calculate_contribution(cases: list[dict[str, Any]]) -> None:
    params = load_parameters()
    government_class = 1
    try:
        with transaction.atomic():
            for case in cases:
                month: dt.date = case["month"]
                unit = make_unit()
                membership = make_membership(
                    person=make_person(birth_date=case["birth_date"]),
                    unit=unit,
                    scheme=case["scheme"],
                    programmes=case["programmes"],
                    wage=Decimal(case["wage"]),
                    risk_class=case["risk_class"],
                    start_date=month,
                    segment="pekerja_rentan" if case["scheme"] == "bpu" else "non_asn",
                )
                result = services.billing_run(actor=ACTOR, month=month)
                got = {
                    line.programme: (line.basis, line.rate, line.employer, line.worker)
                    for line in BillLine.objects.filter(membership=membership)
                }
                contribution = ContributionInput(
                    scheme=str(case["scheme"]),
                    month=month,
                    wage=Decimal(case["wage"]),
                    programmes=frozenset(case["programmes"]),
                    risk_class=(case["risk_class"] or government_class)
                    if case["scheme"] == "pu"
                    else None,
                    birth_date=case["birth_date"],
                )
                if "jkp" in case["programmes"] and month < JKP_FIRST_MONTH:
                    # Before PP 37/2021 the calculator refuses JKP; the run reports it unrated.
                    with pytest.raises(InputError, match="JKP"):
                        calculate_contribution(contribution, params)
                    assert got == {}
                    assert result.unrated
                    continue
                expected = calculate_contribution(contribution, params)
                assert got == {
                    line.programme: (line.basis, line.rate, line.employer, line.worker)
                    for line in expected.lines
                }
                bill = Bill.objects.get(payer=unit, month=month)
                assert bill.total == expected.total
                assert bill.employer_total == expected.employer_total
            raise _Rollback
    except _Rollback:
        pass


BRACKETS = [
    {"income_upto": 1_000_000, "jkk": 10_000, "jht": 20_000},
    {"income_upto": 1_500_000, "jkk": 15_000, "jht": 30_000},
    {"income_upto": 2_000_000, "jkk": 20_000, "jht": 40_000},
]


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    incomes=st.lists(
        st.one_of(
            st.integers(min_value=1, max_value=3_000_000),
            st.sampled_from([1_000_000, 1_000_001, 1_500_000, 2_000_000, 2_000_001]),
        ),
        min_size=1,
        max_size=5,
    ),
    month=st.dates(min_value=dt.date(2019, 1, 1), max_value=dt.date(2025, 12, 31)),
)
def test_property_bracket_table_prices_bpu_as_the_calculator(
    incomes: list[int], month: dt.date
) -> None:
    """With a bracket table set by an admin: the first bracket at or above the income, else the
    last (PP 44/2015 Lampiran), in SQL exactly as in the calculator."""
    from cakupan.rules.params import Override

    month = month.replace(day=1)
    params = load_parameters().with_overrides(
        [Override("bpu.brackets", BRACKETS, dt.date(2015, 7, 1), None, "uji", "uji")]
    )
    try:
        with transaction.atomic():
            unit = make_unit()
            made = [
                make_membership(
                    unit=unit,
                    scheme="bpu",
                    programmes=["jkk", "jkm", "jht"],
                    wage=Decimal(income),
                    risk_class=None,
                    start_date=month,
                    segment="pekerja_rentan",
                )
                for income in incomes
            ]
            services.billing_run(actor=ACTOR, month=month, params=params)
            for membership, income in zip(made, incomes, strict=True):
                expected = calculate_contribution(
                    ContributionInput(
                        scheme="bpu",
                        month=month,
                        wage=Decimal(income),
                        programmes=frozenset({"jkk", "jkm", "jht"}),
                    ),
                    params,
                )
                got = {
                    line.programme: (line.basis, line.rate, line.employer, line.worker)
                    for line in BillLine.objects.filter(membership=membership)
                }
                assert got == {
                    line.programme: (line.basis, line.rate, line.employer, line.worker)
                    for line in expected.lines
                }
            raise _Rollback
    except _Rollback:
        pass
