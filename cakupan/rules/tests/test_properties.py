"""Properties of the contribution calculator over generated inputs.

- the lines sum to the totals;
- every line is exactly what applying the month's ``RateRow`` gives (written out here from the
  contract in ``RateRow``/``MonthRates``, not by calling the calculator's helper), so billing's SQL
  built on ``month_rates`` and the calculator never disagree;
- amounts never decrease when the wage rises.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cakupan.rules.contribution import (
    Contribution,
    ContributionInput,
    MonthRates,
    RateRow,
    calculate_contribution,
    month_rates,
)
from cakupan.rules.params import Override, Parameters, load_parameters

PARAMS = load_parameters()
BRACKETS = PARAMS.with_overrides(
    [
        Override(
            key="bpu.brackets",
            value=[
                {"income_upto": 1_000_000, "jkk": 10_000, "jht": 20_000},
                {"income_upto": 1_500_000, "jkk": 15_000, "jht": 30_000},
                {"income_upto": 20_000_700, "jkk": 207_000, "jht": 400_000},
            ],
            valid_from=dt.date(2015, 7, 1),
            valid_to=None,
            note="uji",
            set_by="test",
        )
    ]
)

months = st.builds(
    lambda y, m: dt.date(y, m, 1),
    st.integers(2015, 2028),
    st.integers(1, 12),
).filter(lambda d: d >= dt.date(2015, 7, 1))
wages = st.integers(1, 60_000_000).map(Decimal)
extras = st.sets(st.sampled_from(["jht", "jp", "jkp"]))


@st.composite
def inputs(draw: st.DrawFn) -> ContributionInput:
    scheme = draw(st.sampled_from(["pu", "bpu"]))
    month = draw(months)
    chosen = draw(extras)
    if scheme == "bpu":
        chosen -= {"jp", "jkp"}
    if month < dt.date(2021, 2, 1):
        chosen -= {"jkp"}  # JKP did not exist yet (PP 37/2021)
    return ContributionInput(
        scheme=scheme,
        month=month,
        wage=draw(wages),
        programmes=frozenset({"jkk", "jkm"} | chosen),
        risk_class=draw(st.integers(1, 5)) if scheme == "pu" else None,
        birth_date=None,
    )


def half_up(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def expected_amounts(row: RateRow, rates: MonthRates, wage: Decimal) -> tuple[Decimal, Decimal]:
    """The contract of ``RateRow``, applied by hand."""
    if row.flat is not None:
        return Decimal(0), row.flat
    if row.scheme == "bpu" and rates.bpu_brackets and row.programme in ("jkk", "jht"):
        chosen = next((b for b in rates.bpu_brackets if wage <= b[0]), rates.bpu_brackets[-1])
        return Decimal(0), chosen[1] if row.programme == "jkk" else chosen[2]
    basis = wage if row.cap is None else min(wage, row.cap)
    employer, worker = half_up(basis * row.employer_rate), half_up(basis * row.worker_rate)
    if row.minimum is not None:
        worker = max(worker, row.minimum)
    return employer, worker


def check_totals(result: Contribution) -> None:
    assert all(line.total == line.employer + line.worker for line in result.lines)
    assert result.employer_total == sum(line.employer for line in result.lines)
    assert result.worker_total == sum(line.worker for line in result.lines)
    assert result.total == result.employer_total + result.worker_total
    assert all(line.employer >= 0 and line.worker >= 0 for line in result.lines)
    assert all(
        a == a.to_integral_value() for line in result.lines for a in (line.employer, line.worker)
    )


@pytest.mark.parametrize("params", [PARAMS, BRACKETS], ids=["formula", "brackets"])
@settings(max_examples=300, deadline=None)
@given(inp=inputs())
def test_lines_sum_to_totals_and_match_the_rate_rows(
    params: Parameters, inp: ContributionInput
) -> None:
    result = calculate_contribution(inp, params)
    check_totals(result)
    assert [line.programme for line in result.lines] == [
        p for p in ("jkk", "jkm", "jht", "jp", "jkp") if p in inp.programmes
    ]
    rates = month_rates(inp.month, params, jkp="jkp" in inp.programmes)
    for line in result.lines:
        risk_class = inp.risk_class if inp.scheme == "pu" and line.programme == "jkk" else None
        row = next(
            r
            for r in rates.rows
            if (r.scheme, r.programme, r.risk_class) == (inp.scheme, line.programme, risk_class)
        )
        assert (line.employer, line.worker) == expected_amounts(row, rates, inp.wage)
        assert line.basis == (inp.wage if row.cap is None else min(inp.wage, row.cap))


@pytest.mark.parametrize("params", [PARAMS, BRACKETS], ids=["formula", "brackets"])
@settings(max_examples=300, deadline=None)
@given(inp=inputs(), raise_by=st.integers(0, 30_000_000).map(Decimal))
def test_monotone_in_wage(params: Parameters, inp: ContributionInput, raise_by: Decimal) -> None:
    low = calculate_contribution(inp, params)
    high = calculate_contribution(
        ContributionInput(
            inp.scheme, inp.month, inp.wage + raise_by, inp.programmes, inp.risk_class
        ),
        params,
    )
    for a, b in zip(low.lines, high.lines, strict=True):
        assert (a.programme, a.employer <= b.employer, a.worker <= b.worker) == (
            a.programme,
            True,
            True,
        )
    assert low.total <= high.total


@settings(max_examples=100, deadline=None)
@given(month=months)
def test_jkp_leaves_the_employer_total_unchanged_up_to_rounding(month: dt.date) -> None:
    """DOMAIN §2.4: the recomposition moves money from JKK (and JKM) to JKP; employers pay the same."""
    assume(month >= dt.date(2021, 2, 1))
    wage = Decimal(4_567_891)
    base = calculate_contribution(
        ContributionInput("pu", month, wage, frozenset({"jkk", "jkm"}), 3), PARAMS
    )
    with_jkp = calculate_contribution(
        ContributionInput("pu", month, wage, frozenset({"jkk", "jkm", "jkp"}), 3), PARAMS
    )
    assert abs(with_jkp.employer_total - base.employer_total) <= 2
